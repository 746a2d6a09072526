"""Absorbing boundaries of an atomistic region: reflection, cost per step, and temperature.

    python benchmarks/wave_boundaries.py [--record]

1. ``qcbridge wave-test`` for both systems and all three boundaries: the harmonic chain (201
   atoms, packet q = 1, width 10) and the Cu_u3 EAM slab (40 (100) planes x 12 cells x 1 cell,
   960 atoms, a 2D packet of wavelength 4a and widths 8 x 12 A, 4 fs steps; the reflection measured
   against the wide crystal). Printed: reflected energy fraction and wall time per step.
2. Fluctuation-dissipation: the chain region (51 atoms) started at rest and at 3 kT, held by
   memory boundaries with their bath noise at kT, over 400 time units (4 seeds); the same
   without the noise. The slab region (16 planes x 4 cells, 128 atoms) started at rest with
   baths at 30 K, 32 ps (2 seeds). Printed: the region's temperature late in the run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qcbridge.dynamics import SlabWaveTest, chain_temperature, chain_wave_test, slab_wave_test
from qcbridge.io.results import write_results
from qcbridge.potentials import load_potential

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write docs/results/wave_boundaries.json")
    args = parser.parse_args()
    out: dict = {"reflection": []}
    for system, run in (("chain", chain_wave_test), ("slab", slab_wave_test)):
        for boundary in ("fixed", "damped", "kernel"):
            r = run(boundary)
            out["reflection"].append({"system": system, "boundary": boundary,
                                      "reflected_energy_fraction": r.reflected_energy_fraction,
                                      "seconds_per_step": r.seconds_per_step, "steps": r.steps, "damping": r.damping})
            print(f"{system:5s} {boundary:6s}: reflected {r.reflected_energy_fraction:.3g}, "
                  f"{1e6 * r.seconds_per_step:.0f} us per step", flush=True)
    chain = {}
    for label, initial, noise in (("from_rest", 0.0, True), ("from_3kT", 3.0, True), ("no_noise", 1.0, False)):
        late = [chain_temperature(1.0, initial_kT=initial, noise=noise, seed=s) for s in range(4)]
        values = [float(temp[t > 200].mean()) for t, temp in late]
        chain[label] = {"mean": float(np.mean(values)), "sem": float(np.std(values) / np.sqrt(len(values) - 1))}
        print(f"chain {label}: kT over t > 200 = {chain[label]['mean']:.3f} +- {chain[label]['sem']:.3f} "
              "(bath kT = 1)", flush=True)
    out["chain_temperature"] = chain
    slab = SlabWaveTest(load_potential("Cu_u3.eam"), layers=16, cells_y=4)
    runs = [slab.thermal_run(30.0, 32000.0, seed=s) for s in (1, 2)]
    windows = [[float(temp[(t >= a) & (t < a + 4000)].mean()) for a in range(0, 32000, 4000)] for t, temp in runs]
    out["slab_temperature"] = {"bath_K": 30.0, "window_ps": 4.0, "seeds": windows,
                               "late_mean_K": float(np.mean([w[3:] for w in windows]))}
    for w in windows:
        print("slab region T (K) per 4 ps: " + ", ".join(f"{x:.1f}" for x in w), flush=True)
    if args.record:
        write_results(RESULTS / "wave_boundaries.json", out, script="benchmarks/wave_boundaries.py")


if __name__ == "__main__":
    main()
