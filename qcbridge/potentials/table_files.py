"""Reader and validator for LAMMPS ``pair_style table`` files.

A section is a keyword line, a parameter line ``N n [R rlo rhi | RSQ rlo rhi] [FPRIME fplo fphi]``,
a blank line and n lines ``index r energy force``. With ``R`` / ``RSQ`` LAMMPS recomputes
the distances as uniform in r or in r^2 between rlo and rhi. qcbridge reads the species
and mass of a file from a comment ``# qcbridge species: Cu mass: 63.546`` and uses the
first section of the file.

The file is read as LAMMPS reads it (``PairTable::read_table`` with ``TableFileReader``):
``#`` starts a comment, blank lines are skipped, except that the one line after the
parameter line is skipped whatever it holds. :func:`read_table_section` raises
:class:`~qcbridge.errors.PotentialFileError` naming the file, the section, the line and what
to do when: the section or its parameter line is missing; a parameter is unknown or does not
parse; N < 2; the line after the parameter line is a table line (LAMMPS would skip it); the
file ends before n table lines; a line is not ``int float float float``; a value is not
finite; the distances are not positive and strictly increasing (R / RSQ: 0 < rlo < rhi, and
the listed distances agree with the recomputed ones to 1e-6 as LAMMPS checks); the section is
BITMAP (qcbridge runs ``pair_style table linear``). :func:`read_table_header` also requires
the species comment, with a chemical symbol and a positive, finite mass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import PotentialError, PotentialFileError
from .eam_files import file_key

__all__ = ["PairTableSection", "read_table_section", "read_table_header", "read_table_species"]

#: LAMMPS's tolerance between listed and recomputed distances (``EPSILONR`` in pair_table.cpp).
R_TOLERANCE = 1.0e-6

_INTEGER = re.compile(r"[+-]?\d+\Z")
_SPECIES = re.compile(r"#\s*qcbridge species:\s*(\S+)\s+mass:\s*(\S+)")


@dataclass(frozen=True)
class PairTableSection:
    """One section of a table file.

    Attributes
    ----------
    keyword : str
    r, energy, force : ndarray, shape (n,)
        Distances (Angstrom, as LAMMPS recomputes them), energies (eV), forces -dE/dr (eV/A).
        Read-only (sections are cached).
    spacing : str
        ``""`` (as listed), ``"R"`` or ``"RSQ"``.
    rlo, rhi : float
        First and last distance (Angstrom).
    """

    keyword: str
    r: np.ndarray
    energy: np.ndarray
    force: np.ndarray
    spacing: str
    rlo: float
    rhi: float


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise PotentialError(f"cannot read table file {path}: {exc}") from exc


def read_table_species(path: str | Path) -> tuple[str, float]:
    """Species and mass (amu) from the comment ``# qcbridge species: X mass: M``.

    Raises
    ------
    PotentialFileError
        No such comment, an unknown chemical symbol, or a mass that is not positive and finite.
    """
    return _species_cached(file_key(path))


@lru_cache(maxsize=64)
def _species_cached(key: tuple[str, int, int, int]) -> tuple[str, float]:
    from ase.data import atomic_numbers

    p = Path(key[0])
    for number, line in enumerate(_text(p).split("\n"), start=1):
        m = _SPECIES.match(line.strip())
        if m is None:
            continue
        symbol, mass_word = m.groups()
        if symbol not in atomic_numbers or symbol == "X":
            raise PotentialFileError(p, f"{symbol!r} is not a chemical symbol",
                                     "Name the species by its symbol, e.g. '# qcbridge species: Cu mass: 63.546'",
                                     table="species comment", line=number)
        try:
            mass = float(mass_word)
        except ValueError:
            mass = math.nan
        if not (math.isfinite(mass) and mass > 0):
            raise PotentialFileError(p, f"mass {mass_word!r} is not a positive number",
                                     "Give the mass in amu, e.g. '# qcbridge species: Cu mass: 63.546'",
                                     table="species comment", line=number)
        return symbol, mass
    raise PotentialFileError(
        p, "no '# qcbridge species: X mass: M' comment naming the species",
        "qcbridge needs it to know which element the table describes: add a comment line such as "
        "'# qcbridge species: Cu mass: 63.546' (LAMMPS ignores comments); tables between two "
        "different species are not supported",
    )


def read_table_header(path: str | Path) -> tuple[str, str, float, float, int]:
    """Species, keyword, mass (amu), cutoff (A) and N of the first section of a table file.

    The section is read and validated in full (see the module docstring).

    Raises
    ------
    PotentialFileError
        The file is malformed or has no species comment.
    """
    sec = read_table_section(path)
    species, mass = read_table_species(path)
    cutoff = sec.rhi if sec.spacing else float(sec.r[-1])
    return species, sec.keyword, mass, cutoff, len(sec.r)


def read_table_section(path: str | Path, keyword: str | None = None) -> PairTableSection:
    """Read and validate one section (the first, or the one named ``keyword``) of a table file.

    Parameters
    ----------
    path : str or Path
    keyword : str, optional

    Returns
    -------
    PairTableSection
        Cached per :func:`~qcbridge.potentials.eam_files.file_key` (path, modification time, size, inode).

    Raises
    ------
    PotentialFileError
        The section is missing or malformed (see the module docstring).
    """
    return _section_cached(file_key(path), keyword)


def _words(line: str) -> list[str]:
    return (line[: line.index("#")] if "#" in line else line).split()


@lru_cache(maxsize=32)
def _section_cached(key: tuple[str, int, int, int], keyword: str | None) -> PairTableSection:
    p = Path(key[0])
    text = _text(p)
    lines = text.split("\n")
    n_lines = len(lines)
    last_line = n_lines - 1 if text.endswith("\n") else n_lines  # 1-based, for messages

    def error(problem: str, hint: str, line: int | None = None, table: str | None = None) -> PotentialFileError:
        return PotentialFileError(p, problem, hint, table=table, line=line)

    def next_line(i: int) -> tuple[int, list[str]]:  # LAMMPS next_line(): skip blank and comment lines
        while i < n_lines:
            w = _words(lines[i])
            if w:
                return i, w
            i += 1
        return n_lines, []

    # find_section_start: the first line whose first word is the keyword
    i, w = next_line(0)
    if keyword is None:
        if not w:
            raise error("no table section: the file holds only comments and blank lines",
                        "A pair_style table file needs a keyword line, a line 'N n ...', a blank line and "
                        "n table lines")
        keyword = w[0]
    else:
        while w and w[0] != keyword:
            i, w = next_line(i + 1)
        if not w:
            raise error(f"no section {keyword!r}", "Give the keyword of a section in the file")
    sec = f"section {keyword!r}"
    key_line = i + 1
    i, params = next_line(i + 1)
    if not params:
        raise error("the file ends before the parameter line 'N n ...'",
                    "Is this a pair_style table file? Add the parameter line", key_line, sec)
    param_line = i + 1
    n, spacing, rlo, rhi = _parameters(params, lambda problem: error(
        f"parameter line {' '.join(params)!r}: {problem}",
        "The parameter line is 'N n [R rlo rhi | RSQ rlo rhi] [FPRIME fplo fphi]'; is this a pair_style "
        "table file? (BOP *.bop.table files are not)", param_line, sec))
    # LAMMPS skips the line after the parameter line whatever it holds
    if i + 1 < n_lines and _words(lines[i + 1]):
        raise error("the line after the parameter line is not blank; LAMMPS skips that line, so the first "
                    "table line would be lost", "Insert a blank line after the parameter line", i + 2, sec)
    i += 2
    rows, where = [], []
    for k in range(n):
        i, w = next_line(i)
        if not w:
            raise error(f"table ends early: the file ends after {k} of its {n} lines",
                        "The file is truncated or N is too large: copy the file again or fix N", last_line, sec)
        if len(w) < 4 or not _INTEGER.match(w[0]):
            raise error(f"table line {k + 1} of {n} is {' '.join(w)!r}, not 'index r energy force'",
                        "Fix the line, or N if the table is shorter", i + 1, sec)
        rows.append(w[1:4])
        where.append(i)
        i += 1
    try:
        data = np.array(rows, dtype=float)
    except ValueError:
        k = next(k for k, row in enumerate(rows) if not all(map(_is_float, row)))
        raise error(f"table line {k + 1} of {n} ({lines[where[k]].strip()!r}) holds a word that is not a number",
                    "Fix the line", where[k] + 1, sec) from None
    bad = ~np.isfinite(data).all(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise error(f"table line {k + 1} of {n} ({lines[where[k]].strip()!r}) holds a value that is not finite",
                    "A NaN or infinity makes LAMMPS return non-finite energies and forces: regenerate the table",
                    where[k] + 1, sec)
    r_file = data[:, 0]
    idx = np.arange(n)
    if spacing == "R":
        r = rlo + (rhi - rlo) * idx / (n - 1)
    elif spacing == "RSQ":
        r = np.sqrt(rlo * rlo + (rhi * rhi - rlo * rlo) * idx / (n - 1))
    else:
        r = r_file.copy()
        rlo, rhi = float(r[0]), float(r[-1])
        if rlo <= 0:
            raise error(f"the first distance is {rlo:g}; distances must be positive",
                        "LAMMPS rejects tables that start at r <= 0: start the table at a small positive r",
                        where[0] + 1, sec)
        steps = np.diff(r)
        if (steps <= 0).any():
            k = int(np.argmax(steps <= 0))
            raise error(f"distances are not increasing: r = {r[k]:g} on table line {k + 1} is followed by "
                        f"{r[k + 1]:g}", "Sort the table by r and remove duplicate distances", where[k + 1] + 1, sec)
    if spacing:
        mismatch = np.abs(r - r_file) > R_TOLERANCE * np.abs(r_file)
        if mismatch.any():
            k = int(np.argmax(mismatch))
            raise error(f"{int(mismatch.sum())} of {n} listed distances differ from the {spacing} grid from "
                        f"{rlo:g} to {rhi:g} A that LAMMPS uses (table line {k + 1}: {r_file[k]:g} listed, "
                        f"{r[k]:g} on the grid)", f"Fix the {spacing} bounds or N on the parameter line, or drop "
                        f"{spacing} to use the listed distances", param_line, sec)
    for a in (r, data[:, 1], data[:, 2]):
        a.flags.writeable = False
    return PairTableSection(keyword, r, data[:, 1], data[:, 2], spacing, float(rlo), float(rhi))


def _is_float(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _parameters(words: list[str], error: Callable[[str], PotentialFileError]) -> tuple[int, str, float, float]:
    """N, spacing ("", "R", "RSQ"), rlo and rhi of a parameter line (``PairTable::param_extract``)."""
    n, spacing, rlo, rhi = 0, "", math.nan, math.nan
    k = 0

    def number(j: int, name: str) -> float:
        if j >= len(words):
            raise error(f"{name} is missing")
        try:
            value = float(words[j])
        except ValueError:
            raise error(f"{name} is {words[j]!r}, not a number") from None
        if not math.isfinite(value):
            raise error(f"{name} is {words[j]}, not finite")
        return value

    while k < len(words):
        word = words[k]
        if word == "N":
            if k + 1 >= len(words) or not _INTEGER.match(words[k + 1]):
                raise error("N is not followed by an integer")
            n = int(words[k + 1])
            k += 2
        elif word in ("R", "RSQ"):
            spacing = word
            rlo, rhi = number(k + 1, f"{word} rlo"), number(k + 2, f"{word} rhi")
            if not 0 < rlo < rhi:
                raise error(f"{word} bounds {rlo:g} {rhi:g} must satisfy 0 < rlo < rhi")
            k += 3
        elif word == "FPRIME":
            number(k + 1, "FPRIME fplo")
            number(k + 2, "FPRIME fphi")
            k += 3
        elif word == "BITMAP":
            raise error("BITMAP tables need pair_style table bitmap; qcbridge runs pair_style table linear")
        else:
            raise error(f"unknown word {word!r}")
    if n == 0:
        raise error("N is not set")
    if n < 2:
        raise error(f"N is {n}; a table needs at least 2 lines")
    return n, spacing, rlo, rhi
