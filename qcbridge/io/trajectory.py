"""Trajectories in ASE units and the selection of coarse observables from them.

A :class:`Trajectory` holds per-frame arrays of a fixed set of atoms ordered by atom id.
:class:`Selection` picks atoms by id or type, optionally reduced to their centre of mass;
:meth:`Trajectory.observables` returns what the memory-kernel estimators take: arrays of
shape (n_frames, n_samples) with one column per selected atom and Cartesian component (or
per component of the centre of mass).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import TrajectoryError
from .units import LammpsUnits

__all__ = ["READERS", "Selection", "Trajectory", "read_trajectory"]


@dataclass(frozen=True)
class Selection:
    """Atoms to take from a trajectory.

    Parameters
    ----------
    ids : sequence of int, optional
        Atom ids (LAMMPS ids; 1-based indices for ASE files).
    types : sequence of int, optional
        Atom types (LAMMPS types; atomic numbers for ASE files).
    center_of_mass : bool
        Reduce the selection to its centre of mass (velocity = sum m v / M, force = sum F,
        mass = M).
    """

    ids: tuple[int, ...] | None = None
    types: tuple[int, ...] | None = None
    center_of_mass: bool = False

    @classmethod
    def parse(cls, text: str | None) -> Selection:
        """From command-line text: ``"type 1 2"``, ``"id 1-10 15"``, ``"com type 2"``,
        ``"all"`` (or None)."""
        if text is None or text.strip() in ("", "all"):
            return cls()
        words = text.split()
        com = words[0] == "com"
        words = words[1:] if com else words
        if not words or words[0] not in ("id", "type", "all") or (words[0] != "all" and len(words) < 2):
            raise TrajectoryError(f"cannot read selection {text!r}; use 'all', 'id 1-10 15', 'type 1 2' "
                                  "or prefix 'com ' for the centre of mass")
        values: list[int] = []
        for w in words[1:]:
            m = re.fullmatch(r"(\d+)(?:[-:](\d+))?", w)
            if not m:
                raise TrajectoryError(f"cannot read {w!r} in selection {text!r}")
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            values.extend(range(lo, hi + 1))
        key = {"id": "ids", "type": "types", "all": None}[words[0]]
        return cls(**({key: tuple(values)} if key else {}), center_of_mass=com)

    def mask(self, ids: np.ndarray, types: np.ndarray) -> np.ndarray:
        """Boolean mask over atoms; TrajectoryError if nothing is selected."""
        if len(ids) == 0:
            raise TrajectoryError("there are no atoms to select from (the frame holds 0 atoms)")
        m = np.ones(len(ids), bool)
        if self.ids is not None:
            m &= np.isin(ids, self.ids)
        if self.types is not None:
            m &= np.isin(types, self.types)
        if not m.any():
            raise TrajectoryError(f"the selection {self} matches no atom "
                                  f"(ids {ids.min()}..{ids.max()}, types {sorted(set(types.tolist()))})")
        return m


@dataclass
class Trajectory:
    """Frames of a fixed set of atoms in ASE units, ordered by atom id.

    Attributes
    ----------
    ids, types : ndarray of int, shape (n_atoms,)
    positions, velocities, forces : ndarray, shape (n_frames, n_atoms, 3) or None
        Angstrom, Angstrom / ASE time, eV / Angstrom.
    masses : ndarray, shape (n_atoms,) or None
        amu.
    steps : ndarray of int, shape (n_frames,) or None
        MD step numbers (LAMMPS dumps).
    times : ndarray, shape (n_frames,) or None
        Frame times (ASE time units) when known.
    source : str
        Where the frames came from.
    """

    ids: np.ndarray
    types: np.ndarray
    positions: np.ndarray | None = None
    velocities: np.ndarray | None = None
    forces: np.ndarray | None = None
    masses: np.ndarray | None = None
    steps: np.ndarray | None = None
    times: np.ndarray | None = None
    source: str = field(default="")

    @property
    def n_frames(self) -> int:
        """Number of frames (0 for a trajectory that holds no per-frame data)."""
        for a in (self.velocities, self.positions, self.forces, self.steps, self.times):
            if a is not None:
                return len(a)
        return 0

    def observables(self, selection: Selection = Selection(), masses: dict[int, float] | None = None
                    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None, float]:
        """Positions, velocities, forces (None when absent) and mass of the selection.

        Parameters
        ----------
        selection : Selection
        masses : dict, optional
            Mass (amu) per type, overriding masses stored in the trajectory.

        Returns
        -------
        x, v, f : ndarray, shape (n_frames, n_samples) or None
            One column per selected atom and component (3 columns for a centre of mass).
        mass : float
            amu; all selected atoms must have the same mass unless reduced to their centre of mass.

        Raises
        ------
        TrajectoryError
            No velocities, unknown masses, or unequal masses without ``center_of_mass``.
        """
        if self.velocities is None:
            raise TrajectoryError(
                f"{self.source or 'trajectory'} has no velocities, which the memory kernel needs: write the dump "
                "with 'dump ID group custom N file id type x y z vx vy vz fx fy fz' (dump atom holds positions only)"
            )
        sel = selection.mask(self.ids, self.types)
        if masses is not None:
            missing = set(self.types[sel].tolist()) - set(masses)
            if missing:
                raise TrajectoryError(f"no mass given for type(s) {sorted(missing)}")
            m = np.array([masses[t] for t in self.types[sel]], dtype=float)
        elif self.masses is not None:
            m = self.masses[sel]
        else:
            raise TrajectoryError(f"{self.source or 'trajectory'} stores no masses; give masses per type "
                                  "(masses={1: 39.948}, --masses 1:39.948) or dump the 'mass' column")

        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[:, sel, :]

        x, f = pick(self.positions), pick(self.forces)
        v = self.velocities[:, sel, :]
        if selection.center_of_mass:
            M = m.sum()
            x_com = None if x is None else np.einsum("fac,a->fc", x, m / M)
            return x_com, np.einsum("fac,a->fc", v, m / M), None if f is None else f.sum(axis=1), float(M)
        if np.ptp(m) > 1e-9 * m.max():
            raise TrajectoryError(f"selected atoms have different masses {sorted(set(m.tolist()))}; select one "
                                  "type or use the centre of mass")

        def flat(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a.reshape(len(a), -1)

        return flat(x), v.reshape(len(v), -1), flat(f), float(m[0])


class Reader(Protocol):
    """A file reader for :func:`read_trajectory`: ``probe(path)`` says whether it reads the
    file, ``read(path, units=, timestep=, selection=, progress=)`` reads it."""

    def probe(self, path: Path) -> bool: ...

    def read(self, path: Path, *, units: LammpsUnits | str, timestep: float | None, selection: Selection,
             progress: Callable[[int, int], None] | None) -> Trajectory: ...


#: Readers :func:`read_trajectory` tries before ASE. :mod:`qcbridge.io.lammps_dump` adds the
#: LAMMPS text-dump reader when the package is imported: it builds :class:`Trajectory`
#: objects, so it imports this module and this module does not import it.
READERS: list[Reader] = []


def read_trajectory(path: str | Path, *, selection: Selection = Selection(), units: LammpsUnits | str = "metal",
                    timestep: float | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Read a LAMMPS text dump (plain or gzip/bzip2/xz-compressed) or any trajectory ASE
    reads (``.traj``, extxyz, ...).

    Parameters
    ----------
    path : str or Path
    selection : Selection
        Atoms to keep (applied while reading dumps, so memory scales with the selection).
    units : LammpsUnits or str
        Unit style of a LAMMPS dump (ignored for ASE files, which are in ASE units).
    timestep : float, optional
        LAMMPS timestep (LAMMPS time units) to turn dump step numbers into times.
    progress : callable(bytes_read, bytes_total), optional
        Called while reading a dump.

    Raises
    ------
    TrajectoryError
        Unreadable file, or the selection matches no atom.
    UnitsError
        Unknown ``units``, or a dump written in other units than ``units``.
    """
    path = Path(path)
    if not path.exists():
        raise TrajectoryError(f"no such trajectory file: {path}")
    if not path.is_file():
        raise TrajectoryError(f"{path} is not a file; give the path of a trajectory file")
    for reader in READERS:
        if reader.probe(path):
            return reader.read(path, units=units, timestep=timestep, selection=selection, progress=progress)
    return _read_ase(path, selection)


def _read_ase(path: Path, selection: Selection) -> Trajectory:
    import ase.io
    from ase import Atoms
    from ase.calculators.calculator import PropertyNotImplementedError

    try:
        read = ase.io.read(path, index=":")
    except Exception as exc:  # ASE raises many types for unreadable files
        raise TrajectoryError(f"ASE cannot read {path}: {exc}; give a LAMMPS text dump, .traj or extxyz") from exc
    # ASE's Atoms methods carry no annotations: the frames are handled as Any
    frames: list[Any] = [a for a in (read if isinstance(read, list) else [read]) if isinstance(a, Atoms)]
    if not frames:
        raise TrajectoryError(f"{path} holds no frames")
    n = len(frames[0])
    if any(len(a) != n for a in frames):
        raise TrajectoryError(f"{path}: the number of atoms changes between frames")
    ids = np.arange(1, n + 1)
    types = frames[0].numbers.copy()
    sel = selection.mask(ids, types)
    pos = np.array([a.positions[sel] for a in frames])
    vel = np.array([a.get_velocities()[sel] for a in frames]) if frames[0].has("momenta") else None
    try:
        forces = np.array([a.get_forces()[sel] for a in frames])
    except (RuntimeError, PropertyNotImplementedError, AttributeError):
        forces = None
    times = None
    if "time" in frames[0].info:
        times = np.array([a.info["time"] for a in frames], dtype=float)
    return Trajectory(ids[sel], types[sel], pos, vel, forces, frames[0].get_masses()[sel], None, times, str(path))


def check_kernel_selection(traj: Trajectory, selection: Selection) -> None:
    """Refuse a centre of mass of every atom whose velocity does not fluctuate: the total
    momentum, conserved by NVE (removed by fix momentum or a Langevin thermostat with ``zero
    yes``), has no friction kernel.

    Raises
    ------
    TrajectoryError
        Saying so, and what to select instead.
    """
    if not selection.center_of_mass or traj.velocities is None:
        return
    n_atoms = len(traj.ids)
    if n_atoms < 2 or np.count_nonzero(selection.mask(traj.ids, traj.types)) < n_atoms:
        return
    v = traj.velocities
    m = np.ones(n_atoms) if traj.masses is None else traj.masses  # without masses: equal ones (a check, not a fix)
    spread = float(np.einsum("fac,a->fc", v, m / m.sum()).std(axis=0).max())
    independent = float(v.std()) / np.sqrt(n_atoms)  # what independent atoms would give
    if spread < 1e-3 * independent:
        raise TrajectoryError(
            f"the centre of mass of all {n_atoms} atoms of {traj.source or 'the trajectory'} moves with the total "
            f"momentum only, and its velocity does not fluctuate ({spread:.3g} against {independent:.3g} for "
            "independent atoms): NVE conserves the momentum (fix momentum or a Langevin thermostat with 'zero yes' "
            "remove it), so it has no friction kernel; select part of the system, e.g. 'com type 2' or "
            "'com id 1-100'")
