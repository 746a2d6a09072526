"""A relaxation that checkpoints, for the fault-injection test (run as a script).

    python relax_worker.py OUTDIR [--max-steps N]

Relaxes a vacancy in a BQCF slab (Al_jnp.eam, 1 % stretch) with FIRE, checkpointing to
OUTDIR/run.npz every 7 steps and writing OUTDIR/run.extxyz every 5 steps, resuming from
the checkpoint when it exists, and saves the final displacements to OUTDIR/final.npy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qcbridge import load_potential
from qcbridge.coupling import HomogeneousDeformation, QCModel
from qcbridge.coupling.builders import slab_setup
from qcbridge.solvers import FIRE, Checkpoint, RelaxOptions, TrajectoryWriter, relax

A_AL = 3.98756


def build_model(method: str = "bqcf", stretch: float = 1.01) -> QCModel:
    pot = load_potential("Al_jnp.eam")
    setup = slab_setup(pot, a=A_AL, atomistic=11.0, blend_width=8.0, remove=np.array([0]))
    X = setup.crystal.positions
    centre = np.argmin(np.linalg.norm(X[:, :2] - X[:, :2].mean(axis=0), axis=1))
    setup = slab_setup(pot, a=A_AL, atomistic=11.0, blend_width=8.0, remove=np.array([centre]))
    return QCModel(setup.geometry, pot, setup.material, method, HomogeneousDeformation(np.diag([stretch, 1.0, 1.0])))


def run(outdir: Path, max_steps: int = 2000, fmax: float = 1e-5) -> np.ndarray:
    outdir.mkdir(parents=True, exist_ok=True)
    with build_model() as model:
        res = relax(model, FIRE(), RelaxOptions(fmax=fmax, max_steps=max_steps),
                    observers=[Checkpoint(outdir / "run.npz", every=7), TrajectoryWriter(outdir / "run.extxyz", 5)])
    np.save(outdir / "final.npy", res.u)
    return res.u


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("outdir", type=Path)
    p.add_argument("--max-steps", type=int, default=2000)
    args = p.parse_args()
    run(args.outdir, args.max_steps)
