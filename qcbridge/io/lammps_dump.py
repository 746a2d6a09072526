"""LAMMPS text dumps (``dump custom``) read frame by frame into a :class:`Trajectory`.

Each frame's atom block is parsed by numpy's C text reader in one call and the atoms are
ordered by id with one argsort, so reading runs at tens of MB/s and memory holds only the
selected atoms. Recognized columns: id, type, mass, x/y/z (or xu/yu/zu; ix/iy/iz unwrap
x/y/z in orthogonal boxes), vx/vy/vz, fx/fy/fz.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import TrajectoryError
from .trajectory import Selection, Trajectory
from .units import LammpsUnits

__all__ = ["is_lammps_dump", "read_lammps_dump"]


def is_lammps_dump(path: Path) -> bool:
    """True when the file starts like a LAMMPS text dump."""
    with open(path, "rb") as f:
        return f.read(14) == b"ITEM: TIMESTEP"


def _triplet(columns: list[str], names: tuple[str, str, str]) -> list[int] | None:
    if all(n in columns for n in names):
        return [columns.index(n) for n in names]
    return None


def read_lammps_dump(path: str | Path, *, units="metal", timestep: float | None = None,
                     selection: Selection = Selection(),
                     progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Read a LAMMPS ``dump custom`` text file.

    Parameters
    ----------
    path : str or Path
    units : LammpsUnits or str
        The LAMMPS ``units`` style of the run; values are converted to ASE units.
    timestep : float, optional
        LAMMPS timestep (LAMMPS time units); gives ``Trajectory.times``.
    selection : Selection
        Atoms to keep (by id / type; the centre-of-mass flag is applied later).
    progress : callable(bytes_read, bytes_total), optional
        Called after every frame.

    Returns
    -------
    Trajectory
        In ASE units, atoms ordered by id.

    Raises
    ------
    TrajectoryError
        Not a dump, a missing id column, a truncated frame, or the atom set changing
        between frames.
    """
    units = LammpsUnits.parse(units)
    path = Path(path)
    total = os.path.getsize(path)
    steps, pos, vel, frc = [], [], [], []
    ids0 = types = masses = None
    with open(path, "rb") as fh:
        while True:
            line = fh.readline()
            if not line:
                break
            if not line.startswith(b"ITEM: TIMESTEP"):
                raise TrajectoryError(f"{path}: expected 'ITEM: TIMESTEP', found {line[:40]!r}")
            try:
                step = int(fh.readline())
                fh.readline()
                n = int(fh.readline())
                box_head = fh.readline()
                box = [fh.readline().split() for _ in range(3)]
                head = fh.readline().decode().split()
            except ValueError as exc:
                raise TrajectoryError(f"{path}: malformed frame header after step {steps[-1] if steps else '-'}") from exc
            if head[:2] != ["ITEM:", "ATOMS"]:
                raise TrajectoryError(f"{path}: expected 'ITEM: ATOMS ...' at step {step}")
            cols = head[2:]
            if "id" not in cols:
                raise TrajectoryError(f"{path}: the dump has no 'id' column (columns: {' '.join(cols)})")
            lines = list(itertools.islice(fh, n))
            if len(lines) != n:
                raise TrajectoryError(f"{path}: frame at step {step} is truncated ({len(lines)} of {n} atoms)")
            data = np.loadtxt(lines, ndmin=2) if n else np.empty((0, len(cols)))
            if data.shape[1] != len(cols):
                raise TrajectoryError(f"{path}: step {step} has {data.shape[1]} columns, header names {len(cols)}")
            ids = data[:, cols.index("id")].astype(np.int64)
            order = np.argsort(ids)
            data, ids = data[order], ids[order]
            if ids0 is None:
                ty = data[:, cols.index("type")].astype(np.int64) if "type" in cols else np.ones(n, np.int64)
                keep = selection.mask(ids, ty)
                ids0, types = ids[keep], ty[keep]
                if "mass" in cols:
                    masses = data[keep, cols.index("mass")]
            elif n != len(keep) or not np.array_equal(ids[keep], ids0):
                raise TrajectoryError(f"{path}: the set of atoms changes at step {step}")
            data = data[keep]
            steps.append(step)
            xyz = _triplet(cols, ("xu", "yu", "zu")) or _triplet(cols, ("x", "y", "z"))
            if xyz is not None:
                x = data[:, xyz]
                img = _triplet(cols, ("ix", "iy", "iz"))
                if img is not None and "xu" not in cols and "xy" not in box_head.decode():
                    lengths = np.array([float(b[1]) - float(b[0]) for b in box])
                    x = x + data[:, img] * lengths
                pos.append(x * units.length)
            for names, out, factor in ((("vx", "vy", "vz"), vel, units.velocity), (("fx", "fy", "fz"), frc, units.force)):
                idx = _triplet(cols, names)
                if idx is not None:
                    out.append(data[:, idx] * factor)
            if progress is not None:
                progress(fh.tell(), total)
    if not steps:
        raise TrajectoryError(f"{path} holds no frames")
    steps = np.array(steps)
    times = None if timestep is None else steps * timestep * units.time

    def stack(frames):
        return np.array(frames) if len(frames) == len(steps) else None

    return Trajectory(ids0, types, stack(pos), stack(vel), stack(frc), masses, steps, times, str(path))
