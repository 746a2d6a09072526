"""A large QC atomistic region on one and on two MPI ranks: the same numbers, and the speed-up.

    python benchmarks/qc_mpi.py [--ranks 2] [--record]

A vacancy in an Al_jnp slab of 160 x 128 cells with a BQCF atomistic disc of 150 A (LAMMPS
atoms with the padding are counted and printed). The model is built serially and under ``mpiexec
-n RANKS`` (``QCModel(..., comm=MPI.COMM_WORLD)``: every rank runs this script, LAMMPS decomposes
the atoms), and each times 30 force evaluations at the predictor rattled by 0.01 A, 100 LBFGS
steps, and 30 evaluations of the atomistic region alone (LAMMPS and the gather of its forces).
The Cauchy-Born elements are shared out over the ranks too. The ranks run with one BLAS/OpenMP
thread each (``OMP_NUM_THREADS=1``): two ranks that each start a thread per core oversubscribe
the machine and run four times slower. Printed: the time per evaluation, the relaxation's wall
time, and the largest force and displacement differences between the two runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
SIZE, RADIUS, CALLS = (160, 128), 150.0, 30


def worker(out: Path, mpi: bool) -> None:
    from qcbridge import load_potential
    from qcbridge.coupling.problems import VacancyProblem
    from qcbridge.solvers import RelaxOptions, relax

    comm, rank = None, 0
    if mpi:
        from mpi4py import MPI

        comm, rank = MPI.COMM_WORLD, MPI.COMM_WORLD.Get_rank()
    prob = VacancyProblem.build(load_potential("Al_jnp.eam"), SIZE)
    with prob.model(RADIUS, "bqcf", comm=comm) as model:
        u0 = model.predictor()
        rng = np.random.default_rng(1)
        u = u0 + np.where(model.free[:, None], rng.normal(scale=0.01, size=u0.shape), 0.0)
        model.evaluate(u)  # LAMMPS setup
        t0 = time.perf_counter()
        for _ in range(CALLS):
            _, f = model.evaluate(u)
        per_call = (time.perf_counter() - t0) / CALLS
        engine = next(part.engine for part in model.assembly.contributions if hasattr(part, "engine"))
        x = model.atom_positions(u)
        t0 = time.perf_counter()
        for k in range(CALLS):  # the atomistic region alone: LAMMPS and the gather of its forces
            engine.set_positions(x + 1e-9 * k)
            engine.forces()
        lammps_per_call = (time.perf_counter() - t0) / CALLS
        t0 = time.perf_counter()
        result = relax(model, "lbfgs", RelaxOptions(fmax=1e-9, max_steps=100))
        relax_s = time.perf_counter() - t0
        atoms = len(model.geometry.atom_site)
    if rank == 0:
        np.savez(out, f=f, u=result.u, per_call=per_call, lammps_per_call=lammps_per_call, relax_s=relax_s,
                 atoms=atoms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--record", action="store_true", help="write docs/results/qc_mpi.json")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mpi", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.mpi)
        return
    mpiexec = Path(sys.executable).parent / "mpiexec"
    with tempfile.TemporaryDirectory() as tmp:
        serial_out, mpi_out = Path(tmp) / "serial.npz", Path(tmp) / "mpi.npz"
        subprocess.run([sys.executable, __file__, "--worker", str(serial_out)], check=True)
        one_thread = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        subprocess.run([str(mpiexec), "-n", str(args.ranks), sys.executable, __file__, "--worker", str(mpi_out),
                        "--mpi"], check=True, env=os.environ | one_thread)
        s, m = dict(np.load(serial_out)), dict(np.load(mpi_out))
    out = {"atoms": int(s["atoms"]), "ranks": args.ranks, "serial_ms": 1e3 * float(s["per_call"]),
           "mpi_ms": 1e3 * float(m["per_call"]), "speedup": float(s["per_call"] / m["per_call"]),
           "lammps_serial_ms": 1e3 * float(s["lammps_per_call"]), "lammps_mpi_ms": 1e3 * float(m["lammps_per_call"]),
           "lammps_speedup": float(s["lammps_per_call"] / m["lammps_per_call"]),
           "relax_serial_s": float(s["relax_s"]), "relax_mpi_s": float(m["relax_s"]),
           "relax_speedup": float(s["relax_s"] / m["relax_s"]),
           "max_force_difference": float(np.abs(s["f"] - m["f"]).max()),
           "max_displacement_difference": float(np.abs(s["u"] - m["u"]).max())}
    print(json.dumps(out, indent=1))
    if args.record:
        from qcbridge.io.results import write_results

        write_results(RESULTS / "qc_mpi.json", out, script="benchmarks/qc_mpi.py")


if __name__ == "__main__":
    main()
