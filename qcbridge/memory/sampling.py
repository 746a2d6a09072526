"""Sampling observables from a running LAMMPS instance, without writing a dump.

Between frames LAMMPS runs ``every`` steps with ``run N pre no post no`` (the first run
does the setup); positions, velocities and forces of the chosen atoms are copied out of
LAMMPS's own arrays through zero-copy numpy views, ordered by atom id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engines import LammpsEngine, LammpsInstance
from ..errors import KernelError, TrajectoryError
from ..io.trajectory import Selection, Trajectory
from ..io.units import LammpsUnits

__all__ = ["sample_lammps"]


def sample_lammps(lmp: LammpsInstance | LammpsEngine | Any, n_frames: int, every: int, *,
                  selection: Selection | None = None, units: LammpsUnits | str = "metal", positions: bool = True,
                  progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Run LAMMPS and record ``n_frames`` frames, one every ``every`` steps.

    Parameters
    ----------
    lmp : LammpsInstance, LammpsEngine or lammps.lammps
        A set-up LAMMPS instance with its integrator fixes defined (a bare
        ``lammps.lammps`` is used through a :class:`~qcbridge.engines.LammpsInstance`
        that leaves it open).
    n_frames : int
        Frames to record; the first is the current state.
    every : int
        MD steps between frames.
    selection : Selection, optional
        Atoms to record (ids / types); default all.
    units : LammpsUnits or str
        The instance's ``units`` style; arrays are converted to ASE units.
    positions : bool
        Record unwrapped positions (False saves a third of the memory).
    progress : callable(frame, n_frames), optional

    Returns
    -------
    Trajectory
        With ``times`` from LAMMPS's timestep (ASE time units).

    Raises
    ------
    TrajectoryError
        The selection matches no atom, or atoms are lost during the run.
    LammpsError
        A LAMMPS run fails.
    """
    inst = lmp.instance if isinstance(lmp, LammpsEngine) else lmp
    inst = inst if isinstance(inst, LammpsInstance) else LammpsInstance(inst)
    units = LammpsUnits.parse(units)
    selection = Selection() if selection is None else selection
    if n_frames < 1 or every < 1:
        raise KernelError(f"n_frames and every must be positive integers, got {n_frames}, {every}")

    def grab() -> tuple[np.ndarray, np.ndarray]:
        ids = inst.ids() + 1
        order = np.argsort(ids)
        return ids[order], order

    inst.command("run 0 post no")
    ids, order = grab()
    types = inst.atom_array("type")[order]
    keep = selection.mask(ids, types)
    ids0 = ids[keep]
    raw = inst.lmp
    mass_t = raw.numpy.extract_atom("mass")
    rmass = raw.numpy.extract_atom("rmass")
    masses = (rmass[order] if rmass is not None else mass_t[types])[keep].astype(float)
    shape = (n_frames, len(ids0), 3)
    x = np.empty(shape if positions else (0, 0, 3))
    v, f = np.empty(shape), np.empty(shape)
    steps = np.empty(n_frames, dtype=np.int64)
    for k in range(n_frames):
        if k:
            inst.command(f"run {every} pre no post no")
            ids, order = grab()
            if len(ids) != len(keep) or not np.array_equal(ids[keep], ids0):
                raise TrajectoryError(f"atoms were lost or gained during sampling (frame {k})")
        sel = order[keep]
        if positions:
            x[k] = inst.unwrapped_positions()[sel]
        v[k] = inst.atom_array("v")[sel]
        f[k] = inst.atom_array("f")[sel]
        steps[k] = raw.extract_global("ntimestep")
        if progress is not None:
            progress(k + 1, n_frames)
    dt = raw.extract_global("dt")
    return Trajectory(ids0, types[keep], x * units.length if positions else None, v * units.velocity,
                      f * units.force, masses, steps, steps * dt * units.time, "LAMMPS (live)")
