"""Stress bursts on an ``mpi4py.futures.MPIPoolExecutor``; run under mpiexec.

    mpiexec -n 3 python -m mpi4py.futures tests/bursts_on_mpi.py OUT.npz

Rank 0 runs this script and hands four LAMMPS bursts (Al_jnp, 100 K) to the two worker ranks,
then runs the same bursts in its own process; it writes both stresses, the pool's size and the
LAMMPS world size each burst saw (every rank's engines are its own: MPI.COMM_SELF) to OUT.npz.
"""

from __future__ import annotations

import sys

import numpy as np
from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

from qcbridge import load_potential
from qcbridge.multiscale import StressBurst, run_bursts

BURST = StressBurst(load_potential("Al_jnp.eam"), "fcc", 3.98756, repeat=(4, 4, 4), equilibration_fs=100.0,
                    sampling_fs=200.0, blocks=2, seed=5)


def burst(F: np.ndarray) -> tuple[np.ndarray, int]:
    from qcbridge.engines.instance import LammpsInstance

    with LammpsInstance() as inst:
        world = int(inst.lmp.extract_setting("world_size"))
    return BURST(F, 100.0).cauchy, world


if __name__ == "__main__":
    inputs = [np.diag([1.0 + e, 1.0, 1.0]) for e in (0.0, 0.005, 0.01, 0.015)]
    with MPIPoolExecutor() as pool:
        workers = pool.num_workers
        pooled = run_bursts(burst, inputs, executor=pool)
    serial = run_bursts(burst, inputs)
    np.savez(sys.argv[1], pooled=np.array([p[0] for p in pooled]), serial=np.array([s[0] for s in serial]),
             worlds=np.array([p[1] for p in pooled] + [s[1] for s in serial]), workers=workers,
             world_size=MPI.COMM_WORLD.Get_size())
