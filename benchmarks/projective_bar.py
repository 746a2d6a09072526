"""Projective integration of a LAMMPS bar's relaxing strain profile against the full MD.

    python benchmarks/projective_bar.py [--record]

An Al_jnp bar of 64 x 2 x 2 cubic cells (255 A long, 1,024 atoms, periodic), Langevin friction
with tau_d = 10 fs at T = 0 (:class:`qcbridge.multiscale.damped_bar.DampedBar`). Coarse state:
the first two harmonics of the displacement profile u_x(X), started at b_1 = 1.2 A, b_2 = 0.6 A
(strains up to 4.4 %); its slowest mode decays in about 42 ps. The full MD runs 80 ps; PFE,
PIRK2 and PIRK4 cover the same 80 ps from 200 fs bursts (100 fs healing, 10 fs samples), PIRK4
with two outer steps (at 20 ps the second harmonic, 4 times faster, is no longer resolved). Printed
for each: MD steps, wall time, the ratio to the full run, and the largest error of the profile
(sup over the bar of |u_x| differences at the outer times, relative to the initial peak).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from qcbridge import load_potential
from qcbridge.io.results import write_results
from qcbridge.multiscale import projective_integrate
from qcbridge.multiscale.damped_bar import DampedBar

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
A0 = 3.98756  # Al_jnp's zero-pressure lattice constant at 0 K (A)
T_END = 80_000.0  # fs
X0 = np.array([0.0, 0.0, 1.2, 0.6])  # a_1, a_2, b_1, b_2 (A)
#: (method, outer step in fs); the last PIRK4 step is where its accuracy gives way
OUTER = (("PFE", 2_000.0), ("PIRK2", 4_000.0), ("PIRK4", 10_000.0), ("PIRK4", 20_000.0))


def profile_error(bar: DampedBar, coarse: np.ndarray, reference: np.ndarray) -> float:
    """Largest |u_x| difference over the bar's sites and the given times, over the initial peak."""
    u = np.array([bar.lift(c)[0, :, 0] for c in coarse])
    u_ref = np.array([bar.lift(c)[0, :, 0] for c in reference])
    return float(np.abs(u - u_ref).max() / np.abs(u_ref[0]).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write docs/results/projective_bar.json")
    args = parser.parse_args()
    out: dict = {"atoms": None, "t_end_ps": T_END / 1000.0, "methods": []}
    with DampedBar(load_potential("Al_jnp.eam"), "fcc", A0, (64, 2, 2), modes=2) as bar:
        out["atoms"] = len(bar.sites)
        t0 = time.perf_counter()
        times, full = bar.run(X0, T_END, 2_000.0)
        full_s, full_steps = time.perf_counter() - t0, bar.steps
        out |= {"full_steps": full_steps, "full_s": full_s, "amplitude_end": float(full[-1, 2] / X0[2])}
        print(f"full MD: {full_steps} steps, {full_s:.1f} s; b_1 {X0[2]} -> {full[-1, 2]:.4f} A")
        for method, step in OUTER:
            s0, t0 = bar.steps, time.perf_counter()
            tp, xp = projective_integrate(bar.burst, X0, T_END, method=method, burst_time=200.0, outer_step=step,
                                          lift=bar.lift, restrict=bar.restrict, healing=100.0)
            wall, steps = time.perf_counter() - t0, bar.steps - s0
            ref = full[np.searchsorted(times, tp)]
            error = profile_error(bar, xp, ref)
            out["methods"].append({"method": method, "outer_step_ps": step / 1000.0, "steps": steps, "wall_s": wall,
                                   "step_ratio": full_steps / steps, "wall_ratio": full_s / wall, "error": error})
            print(f"{method:6s} outer step {step / 1000:.0f} ps: {steps} MD steps ({full_steps / steps:.1f}x fewer), "
                  f"{wall:.1f} s ({full_s / wall:.1f}x faster); largest profile error {100 * error:.2f} % of the "
                  "initial peak")
    if args.record:
        write_results(RESULTS / "projective_bar.json", out, script="benchmarks/projective_bar.py")


if __name__ == "__main__":
    main()
