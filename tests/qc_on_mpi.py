"""A QC model whose atomistic region runs LAMMPS on an MPI communicator; run under mpiexec.

    mpiexec -n 2 python tests/qc_on_mpi.py OUT.npz [--serial]

Every rank builds the same vacancy model (BQCF, Al_jnp) with ``comm=MPI.COMM_WORLD``,
evaluates it at the predictor and at a perturbed state, and relaxes it with LBFGS; rank 0
writes the energies, forces, relaxed displacements and LAMMPS's rank count to OUT.npz, and the
world size of a LAMMPS instance opened without a communicator (1: each rank's own).
With ``--serial`` the same runs happen without a communicator (the reference).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from qcbridge import load_potential
from qcbridge.coupling.problems import VacancyProblem
from qcbridge.engines.instance import LammpsInstance
from qcbridge.solvers import RelaxOptions, relax


def main(out: str, serial: bool) -> None:
    comm = None
    rank = 0
    if not serial:
        from mpi4py import MPI

        comm, rank = MPI.COMM_WORLD, MPI.COMM_WORLD.Get_rank()
    prob = VacancyProblem.build(load_potential("Al_jnp.eam"), (40, 16))
    with prob.model(14.0, "bqce", comm=comm) as model:
        u0 = model.predictor()
        rng = np.random.default_rng(7)
        u1 = u0 + np.where(model.free[:, None], rng.normal(scale=0.01, size=u0.shape), 0.0)
        e0, f0 = model.evaluate(u0)
        e1, f1 = model.evaluate(u1)
        t0 = time.perf_counter()
        result = relax(model, "lbfgs", RelaxOptions(fmax=1e-6, max_steps=2000))
        wall = time.perf_counter() - t0
        ranks = [part.engine.instance.ranks for part in model.assembly.contributions if hasattr(part, "engine")]
    with LammpsInstance() as alone:  # no communicator: this rank's own LAMMPS, even under mpiexec
        alone_size = int(alone.lmp.extract_setting("world_size"))
    if rank == 0:
        np.savez(out, e0=e0, f0=f0, e1=e1, f1=f1, u=result.u, steps=result.steps, ranks=ranks, wall=wall,
                 alone_size=alone_size)


if __name__ == "__main__":
    main(sys.argv[1], "--serial" in sys.argv[2:])
