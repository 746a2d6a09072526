"""relax and its methods: ASE's FIRE/LBFGS iterates reproduced exactly, bit-identical resume
after a SIGKILL, refusal of another run's checkpoint, trajectories that survive a kill,
Newton-Krylov's stagnation stop."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ase.io import read

from qcbridge.errors import CheckpointError, SolverError
from qcbridge.solvers import FIRE, LBFGS, Checkpoint, NewtonKrylov, Outcome, RelaxOptions, TrajectoryWriter, relax
from qcbridge.solvers.observers import complete_frames

WORKER = Path(__file__).with_name("relax_worker.py")


def _worker():
    import importlib.util

    spec = importlib.util.spec_from_file_location("relax_worker", WORKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("ours,theirs", [(FIRE(), "FIRE"), (LBFGS(), "LBFGS")])
def test_methods_reproduce_ase_iterates_exactly(ours, theirs):
    """Our FIRE and LBFGS are ASE's algorithms: 25 steps on the same coupled model give the same
    displacements to the last bit as ASE's optimizers on the model's Optimizable."""
    import ase.optimize

    steps = []
    with _worker().build_model() as model:
        mine = relax(model, ours, RelaxOptions(fmax=1e-12, max_steps=25), observers=[steps.append])
        opt_obj = model.optimizable()
        opt = getattr(ase.optimize, theirs)(opt_obj, logfile=None)
        opt.run(fmax=1e-12, steps=25)
    assert mine.steps == 25 and [p.step for p in steps] == list(range(1, 26))
    assert np.array_equal(mine.u, opt_obj.u)


def test_resume_after_sigkill_is_bit_identical(tmp_path):
    """Fault injection: a relaxation killed (SIGKILL) at a random moment after its first
    checkpoint, then resumed, ends at exactly the uninterrupted run's displacements, and its
    trajectory reads back with every frame intact and equal to the uninterrupted one's."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    t0 = time.time()
    subprocess.run([sys.executable, str(WORKER), str(tmp_path / "whole")], check=True, env=env, timeout=300)
    duration = time.time() - t0  # imports (~2 s) and the relaxation
    killed = tmp_path / "killed"
    rng = np.random.default_rng(int(time.time()))
    delay = rng.uniform(0.0, 0.5 * max(duration - 2.0, 0.2))  # somewhere inside the relaxation
    proc = subprocess.Popen([sys.executable, str(WORKER), str(killed)], env=env)
    t0 = time.time()
    while not (killed / "run.npz").exists():
        assert proc.poll() is None and time.time() - t0 < 120, "worker ended before its first checkpoint"
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / "final.npy").exists(), f"the worker finished before the kill ({delay:.2f} s)"
    step = int(np.load(killed / "run.npz")["step"])
    subprocess.run([sys.executable, str(WORKER), str(killed)], check=True, env=env, timeout=300)
    whole, resumed = np.load(tmp_path / "whole" / "final.npy"), np.load(killed / "final.npy")
    assert np.array_equal(whole, resumed), f"killed {delay:.2f} s after the first checkpoint (resumed at step {step})"
    frames_whole = read(tmp_path / "whole" / "run.extxyz", index=":")
    frames = read(killed / "run.extxyz", index=":")
    assert [f.info["step"] for f in frames] == [f.info["step"] for f in frames_whole]
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(frames, frames_whole, strict=True))


def test_checkpoint_of_another_run_is_refused(tmp_path):
    w = _worker()
    ckpt = tmp_path / "run.npz"
    with w.build_model() as model:
        relax(model, FIRE(), RelaxOptions(max_steps=3), observers=[Checkpoint(ckpt)])
        with pytest.raises(CheckpointError, match="solver"):
            relax(model, LBFGS(), RelaxOptions(max_steps=3), observers=[Checkpoint(ckpt)])
    with w.build_model(stretch=1.02) as model:
        with pytest.raises(CheckpointError, match="boundary"):
            relax(model, FIRE(), RelaxOptions(max_steps=3), observers=[Checkpoint(ckpt)])
    with w.build_model(method="qcf") as model:
        with pytest.raises(CheckpointError, match="method"):
            relax(model, FIRE(), RelaxOptions(max_steps=3), observers=[Checkpoint(ckpt)])
    ckpt.write_bytes(b"not a checkpoint")
    with w.build_model() as model:
        with pytest.raises(CheckpointError, match="not a checkpoint"):
            relax(model, FIRE(), RelaxOptions(max_steps=3), observers=[Checkpoint(ckpt)])
        relax(model, FIRE(), RelaxOptions(max_steps=3), observers=[Checkpoint(ckpt, resume=False)])  # overwrites


def test_trajectory_is_cut_back_to_complete_frames_on_resume(tmp_path):
    path = tmp_path / "t.extxyz"
    with _worker().build_model() as model:
        relax(model, FIRE(), RelaxOptions(max_steps=12), observers=[TrajectoryWriter(path, 4)])
        assert [s for _, s in complete_frames(path)] == [4, 8, 12]
        with open(path, "a") as fh:  # a frame half written when the run was killed
            fh.write("2000\nstep=16 Properties=species:S:1:pos:R:3\nAl 0.0 0.0\n")
        assert [s for _, s in complete_frames(path)] == [4, 8, 12]
        TrajectoryWriter(path, 4).start(model, FIRE(), step=8)
    assert [f.info["step"] for f in read(path, index=":")] == [4, 8]


class _NoRoot:
    """g(x) = x^2 + 1 per component: |g| has a minimum (at x = 0) but no root."""

    free = np.ones(2, dtype=bool)

    def initial_guess(self):
        return np.full((2, 3), 0.7)

    def evaluate(self, u):
        return None, -(u**2 + 1.0)

    def fingerprint(self):
        return {"problem": "no root"}


def test_newton_krylov_stops_when_it_stagnates():
    res = relax(_NoRoot(), NewtonKrylov(), RelaxOptions(fmax=1e-8, max_steps=500))
    assert res.outcome is Outcome.STAGNATED and res.steps < 100
    assert "stagnated" in res.message


def test_bad_options_and_methods_are_named():
    with pytest.raises(SolverError, match="fmax"):
        RelaxOptions(fmax=-1.0)
    with pytest.raises(SolverError, match="choose one of fire, lbfgs"):
        relax(_NoRoot(), "bfgs-please")
    with pytest.raises(SolverError, match="Newton needs"):
        relax(_NoRoot(), "newton", RelaxOptions(max_steps=2))


def test_ase_optimizers_run_through_relax():
    """Any ASE optimizer through AseOptimizer: ASE's FIRE on the Optimizable of a force-based
    model's degrees of freedom takes exactly our FIRE's steps; PreconLBFGS runs on the Atoms
    face of an energy-based model and converges."""
    import ase.optimize
    from ase.optimize.precon import PreconLBFGS

    from qcbridge.solvers import AseOptimizer

    w = _worker()
    with w.build_model("bqcf") as model:
        ours = relax(model, FIRE(), RelaxOptions(fmax=1e-12, max_steps=30))
        theirs = relax(model, AseOptimizer(ase.optimize.FIRE), RelaxOptions(fmax=1e-12, max_steps=30))
    assert theirs.steps == 30 and np.array_equal(theirs.u, ours.u)
    with w.build_model("bqce") as model:
        precon = relax(model, AseOptimizer(PreconLBFGS, on_atoms=True), RelaxOptions(fmax=1e-4, max_steps=500))
        assert precon.converged and precon.energy is not None
        _, f = model.evaluate(precon.u)
        assert np.linalg.norm(f, axis=1).max() < 1e-4
