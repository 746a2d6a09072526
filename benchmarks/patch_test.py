"""Patch-test table for README: largest force on free nodes (eV/A) of every coupling method
when all nodes sit at a homogeneous deformation F and the outer nodes are held.

Slabs x [110], y [-111], z [1-12], atomistic disc of 11 A (Al) / 13 A (LJ argon), 8 A
blending region for the blended methods (one geometry for all methods: sharp methods treat
the blending sites as fully resolved continuum). Also BQCE against the blending width.

Run: ``python benchmarks/patch_test.py``; writes docs/results/patch_test.json, from which
README's table is rendered (``python docs/readme_tables.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qcbridge import LennardJones, load_potential
from qcbridge.coupling import HomogeneousDeformation, QCModel
from qcbridge.coupling.builders import slab_setup
from qcbridge.io.results import write_results

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"

METHODS = ("qce", "qce-gfc", "qcf", "bqce", "bqcf")
F_CASES = {
    "uniaxial 1 %": np.diag([1.01, 1.0, 1.0]),
    "biaxial 1 %": np.diag([1.01, 1.01, 1.0]),
    "shear 2 % (xy) + 1 % (zx)": np.array([[1.0, 0.02, 0.0], [0.0, 1.0, 0.0], [0.01, 0.0, 1.0]]),
}


def residuals(setup, F) -> dict:
    out = {}
    for m in METHODS:
        with QCModel(setup.geometry, setup.potential, setup.material, m, HomogeneousDeformation(F)) as model:
            out[m] = model.residual_report(model.predictor())[0]
    return out


def measure() -> dict:
    """Residuals of every method for every potential and F, and BQCE against the blending width."""
    cases = {
        "Al_jnp.eam (EAM)": slab_setup(load_potential("Al_jnp.eam"), size=(24, 12), atomistic=11.0),
        "Al_mm.eam.fs (EAM)": slab_setup(load_potential("Al_mm.eam.fs"), size=(26, 12), atomistic=11.0),
        "LJ argon (12-6, 2.5 sigma)": slab_setup(LennardJones.create("Ar", 0.0104, 3.40, 8.5), size=(17, 7),
                                                 atomistic=13.0),
    }
    table = [{"potential": name, "F": fname, **residuals(setup, F)}
             for name, setup in cases.items() for fname, F in F_CASES.items()]
    widths = [4.0, 8.0, 12.0, 16.0, 24.0]
    ghost = []
    pot = load_potential("Al_jnp.eam")
    for w in widths:
        setup = slab_setup(pot, size=(36, 16), atomistic=11.0, blend_width=w)
        with QCModel(setup.geometry, pot, setup.material, "bqce", HomogeneousDeformation(F_CASES["uniaxial 1 %"])) as m:
            ghost.append(m.residual_report(m.predictor())[0])
    slope = float(np.polyfit(np.log(widths), np.log(ghost), 1)[0])
    return {"methods": list(METHODS), "table": table, "widths": widths, "bqce_ghost_force": ghost,
            "bqce_slope": slope}


def main() -> None:
    r = measure()
    print("| potential | F | " + " | ".join(METHODS) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in METHODS) + " |")
    for row in r["table"]:
        print(f"| {row['potential']} | {row['F']} | " + " | ".join(f"{row[m]:.1e}" for m in METHODS) + " |")
    print("\nBQCE ghost forces against the blending width (Al_jnp.eam, uniaxial 1 %):")
    print("| blending width (A) | " + " | ".join(f"{w:g}" for w in r["widths"]) + " |")
    print("| --- |" + " ---: |" * len(r["widths"]))
    print("| max ghost force (eV/A) | " + " | ".join(f"{v:.2e}" for v in r["bqce_ghost_force"]) + " |")
    print(f"log-log slope of ghost force vs width: {r['bqce_slope']:.2f}")
    print(f"wrote {write_results(RESULTS / 'patch_test.json', r, script='benchmarks/patch_test.py')}")


if __name__ == "__main__":
    main()
