"""Reader for LAMMPS ``pair_style table`` files.

A section is a keyword line, a parameter line ``N n [R rlo rhi | RSQ rlo rhi] [FP ...]``,
a blank line and n lines ``index r energy force``. With ``R`` / ``RSQ`` LAMMPS recomputes
the distances as uniform in r or in r^2 between rlo and rhi. qcbridge reads the species
and mass of a file from a comment ``# qcbridge species: Cu mass: 63.546``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PotentialError

__all__ = ["PairTableSection", "read_table_section", "read_table_header"]


@dataclass(frozen=True)
class PairTableSection:
    """One section of a table file.

    Attributes
    ----------
    keyword : str
    r, energy, force : ndarray, shape (n,)
        Distances (Angstrom, as LAMMPS recomputes them), energies (eV), forces -dE/dr (eV/A).
    spacing : str
        ``""`` (as listed), ``"R"`` or ``"RSQ"``.
    rlo, rhi : float
    """

    keyword: str
    r: np.ndarray
    energy: np.ndarray
    force: np.ndarray
    spacing: str
    rlo: float
    rhi: float


def read_table_header(path: str | Path) -> tuple[str, str, float, float, int]:
    """Species, keyword, mass (amu), cutoff (A) and N of the first section of a table file."""
    path = Path(path)
    species = mass = None
    for line in path.read_text().splitlines():
        if line.startswith("# qcbridge species:"):
            parts = line.split()
            species, mass = parts[3], float(parts[5])
            break
    if species is None:
        raise PotentialError(f"{path}: no '# qcbridge species: X mass: M' comment naming the species")
    sec = read_table_section(path)
    cutoff = sec.rhi if sec.spacing else float(sec.r[-1])
    return species, sec.keyword, mass, cutoff, len(sec.r)


def read_table_section(path: str | Path, keyword: str | None = None) -> PairTableSection:
    """Read one section (the first, or the one named ``keyword``) of a table file."""
    path = Path(path)
    lines = [ln.split("#")[0].strip() for ln in path.read_text().splitlines()]
    i = 0
    while i < len(lines):
        if not lines[i]:
            i += 1
            continue
        kw = lines[i].split()[0]
        params = lines[i + 1].split()
        try:
            n = int(params[params.index("N") + 1])
        except (ValueError, IndexError) as exc:
            raise PotentialError(f"{path}: section {kw!r} has no 'N n' parameter line") from exc
        j = i + 2
        while j < len(lines) and not lines[j]:
            j += 1
        if keyword is None or kw == keyword:
            try:
                data = np.array([lines[k].split()[:4] for k in range(j, j + n)], dtype=float)
            except ValueError as exc:
                raise PotentialError(f"{path}: malformed table lines in section {kw!r}") from exc
            if data.shape != (n, 4):
                raise PotentialError(f"{path}: section {kw!r} has fewer than {n} lines")
            spacing, rlo, rhi = "", data[0, 1], data[-1, 1]
            for key in ("R", "RSQ"):
                if key in params:
                    spacing = key
                    rlo, rhi = float(params[params.index(key) + 1]), float(params[params.index(key) + 2])
            idx = np.arange(n)
            if spacing == "R":
                r = rlo + (rhi - rlo) * idx / (n - 1)
            elif spacing == "RSQ":
                r = np.sqrt(rlo * rlo + (rhi * rhi - rlo * rlo) * idx / (n - 1))
            else:
                r = data[:, 1]
            return PairTableSection(kw, r, data[:, 2], data[:, 3], spacing, rlo, rhi)
        i = j + n
    raise PotentialError(f"{path}: no section {keyword!r}")
