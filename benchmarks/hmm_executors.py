"""HMM on one, and on two worker processes: the same numbers, and the speed-up.

    python benchmarks/hmm_executors.py [--record]

An Al_jnp bar (30 x 20 x 20 A, 12 tetrahedra, the middle nodes free) pulled by 2 % at 300 K;
every element's stress from a LAMMPS burst (4x4x4 cells, 256 atoms, 0.5 ps equilibration,
4 ps sampling). The HMM solve runs serially, then with the bursts of each iteration on a
spawn ``ProcessPoolExecutor(2)``; the wall times give the speed-up, and the two answers must
be bit-identical.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import numpy as np

from qcbridge import load_potential
from qcbridge.continuum.materials import cauchy_born_material
from qcbridge.continuum.mesh import structured_mesh
from qcbridge.io.results import write_results
from qcbridge.multiscale import BurstMaterial, StressBurst, hmm_solve
from qcbridge.structures import Lattice, cubic_crystal

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
A0 = 3.98756  # Al_jnp's zero-pressure lattice constant at 0 K (A)


def solve(executor: Executor | None) -> tuple[float, dict]:
    pot = load_potential("Al_jnp.eam")
    cb = cauchy_born_material(cubic_crystal(Lattice.FCC, "Al", A0), pot)
    burst = StressBurst(pot, "fcc", A0, repeat=(4, 4, 4), equilibration_fs=500.0, sampling_fs=4000.0, blocks=4,
                        seed=5)
    mesh = structured_mesh((2, 1, 1), (30.0, 20.0, 20.0))
    x = mesh.nodes[:, 0]
    left, right = np.isclose(x, 0.0), np.isclose(x, 30.0)
    u0 = np.zeros((mesh.n_nodes, 3))
    u0[right, 0] = 0.6
    u0[~(left | right), 0] = 0.2
    t0 = time.perf_counter()
    r = hmm_solve(mesh, BurstMaterial(burst, 300.0, cb, executor=executor), u0, left | right, np.flatnonzero(right),
                  tol=0.05, max_iter=10)
    wall = time.perf_counter() - t0
    return wall, {"u": r.u, "reaction": r.reaction, "reaction_error": r.reaction_error, "iterations": r.iterations,
                  "bursts": r.bursts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write docs/results/hmm_executors.json")
    args = parser.parse_args()
    serial_s, serial = solve(None)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool_s, pooled = solve(pool)
    identical = all(np.array_equal(serial[k], pooled[k]) for k in serial)
    out = {"serial_s": serial_s, "pool_s": pool_s, "speedup": serial_s / pool_s, "identical": identical,
           "bursts": serial["bursts"], "iterations": serial["iterations"],
           "reaction_eV_per_A": serial["reaction"][0], "reaction_error": serial["reaction_error"][0]}
    print(f"HMM at 300 K: {serial['iterations']} iterations, {serial['bursts']} bursts; reaction "
          f"{serial['reaction'][0]:.3f} +- {serial['reaction_error'][0]:.3f} eV/A; serial {serial_s:.1f} s, "
          f"2 workers {pool_s:.1f} s: speed-up {serial_s / pool_s:.2f}; identical: {identical}")
    if args.record:
        write_results(RESULTS / "hmm_executors.json", out, script="benchmarks/hmm_executors.py")


if __name__ == "__main__":
    main()
