"""Observers of :func:`~qcbridge.solvers.relax`: checkpoints that resume exactly, extxyz
trajectories that survive a killed run, and a progress printer.

A :class:`Checkpoint` stores the displacements, the step, the method's whole state, the
energy and forces at that step and a fingerprint of the problem and method (hashes of the
geometry, boundary, coupling method, potential and solver). On resume it refuses a
checkpoint whose fingerprint differs, naming what differs. After saving it resets the
problem's engines (``problem.reset()``), so that the uninterrupted run and a run resumed
from this checkpoint evaluate the next step from the same fresh LAMMPS state and agree
bit for bit.

A :class:`TrajectoryWriter` appends one extxyz frame (with ``step`` in its comment line)
per write; on resume it first cuts the file back to the frames a resumed run would have
written by then, dropping a frame half-written when the earlier run was killed.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import CheckpointError, SolverError
from .methods import Method
from .problem import Problem
from .relax import Progress, Resume

log = logging.getLogger(__name__)

__all__ = ["Checkpoint", "PrintProgress", "TrajectoryWriter", "complete_frames"]

_FORMAT = 2  # checkpoint layout version


def _identity(problem: Problem, method: Method) -> dict[str, str]:
    ident = dict(problem.fingerprint())
    ident["solver"] = repr(method)
    return ident


class Checkpoint:
    """Save the relaxation every ``every`` steps (and at the end) and resume from it.

    Parameters
    ----------
    path : str or Path
        ``.npz`` file, written atomically (a temporary file renamed over it).
    every : int
        Steps between saves.
    resume : bool
        Start from ``path`` when it exists.
    """

    def __init__(self, path: str | Path, every: int = 50, *, resume: bool = True):
        if every < 1:
            raise SolverError(f"checkpoint interval must be >= 1 step, got {every}")
        self.path = Path(path)
        self.every = int(every)
        self.resume = resume
        self._problem: Problem | None = None
        self._identity: dict[str, str] = {}

    # ------------------------------------------------------------ protocol
    def restore(self, problem: Problem, method: Method) -> Resume | None:
        """The saved state, if resuming and the file exists and belongs to this run."""
        self._problem = problem
        self._identity = _identity(problem, method)
        if not (self.resume and self.path.exists()):
            return None
        data = self._load()
        saved = json.loads(str(data["identity"]))
        differ = [k for k in sorted(set(saved) | set(self._identity)) if saved.get(k) != self._identity.get(k)]
        if differ:
            raise CheckpointError(
                f"checkpoint {self.path} was written by another run: its {', '.join(differ)} differ(s) from this one; "
                "delete the file, choose another path, or resume with the same problem and solver"
            )
        state: dict[str, Any] | None = {k[len("state__"):]: _unpack(v) for k, v in data.items()
                                        if k.startswith("state__")}
        if not getattr(method, "exact_state", False):
            log.warning("%s does not expose its whole state: resuming from the positions only", method.name)
            state = None
        energy = data["energy"].item()
        log.info("resuming from %s at step %d", self.path, int(data["step"]))
        return Resume(data["u"].copy(), int(data["step"]), state, None if np.isnan(energy) else energy,
                      data["forces"].copy())

    def start(self, problem: Problem, method: Method, step: int) -> None:
        self._problem = problem
        self._identity = _identity(problem, method)

    def __call__(self, progress: Progress) -> None:
        if progress.step % self.every == 0:
            self._save(progress)

    def finish(self, progress: Progress) -> None:
        self._save(progress)

    # ------------------------------------------------------------ files
    def _load(self) -> dict[str, Any]:
        if not zipfile.is_zipfile(self.path):
            raise CheckpointError(f"{self.path} is not a checkpoint (not an .npz archive); delete it or choose "
                                  "another path")
        try:
            with np.load(self.path, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        except Exception as exc:  # zip, header or pickle errors: all mean an unusable file
            raise CheckpointError(f"cannot read checkpoint {self.path} ({exc}); delete it to start afresh") from None
        missing = {"format", "identity", "u", "step", "energy", "forces"} - set(data)
        if missing or int(data.get("format", -1)) != _FORMAT:
            raise CheckpointError(f"{self.path} is not a qcbridge checkpoint of format {_FORMAT} "
                                  f"(missing {sorted(missing)}); delete it to start afresh")
        return data

    def _save(self, progress: Progress) -> None:
        exact = progress.state is not None
        arrays = {f"state__{k}": np.asarray(v) for k, v in (progress.state or {}).items()} if exact else {}
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        energy = np.nan if progress.energy is None else progress.energy
        # every key of arrays starts with "state__", but mypy checks them against savez's allow_pickle (bool) too
        np.savez(tmp, format=_FORMAT, identity=json.dumps(self._identity, sort_keys=True), u=progress.u,
                 step=progress.step, energy=energy, forces=progress.forces, **arrays)  # type: ignore[arg-type]
        tmp.replace(self.path)  # atomic: a crash never leaves a half-written checkpoint
        reset = getattr(self._problem, "reset", None)
        if reset is not None:
            reset()


def _unpack(v: np.ndarray) -> Any:
    return v.item() if v.ndim == 0 else v


_STEP = re.compile(rb"\bstep=(-?\d+)")


def complete_frames(path: Path) -> list[tuple[int, int | None]]:
    """End offsets (bytes) and steps of the complete frames of an (ext)xyz file.

    A frame is an atom-count line, a comment line and that many atom lines; a frame that
    ends early (a run killed while writing it) is not listed.
    """
    frames: list[tuple[int, int | None]] = []
    with open(path, "rb") as fh:
        while True:
            head = fh.readline()
            if not head.endswith(b"\n"):
                break
            try:
                n = int(head.strip())
            except ValueError:
                break
            comment = fh.readline()
            if not comment.endswith(b"\n"):
                break
            ok = True
            for _ in range(n):
                if not fh.readline().endswith(b"\n"):
                    ok = False
                    break
            if not ok:
                break
            m = _STEP.search(comment)
            frames.append((fh.tell(), int(m.group(1)) if m else None))
    return frames


class TrajectoryWriter:
    """Append a snapshot of the problem (``problem.snapshot(u)``: atoms with regions,
    weights, displacements) to an extxyz file every ``every`` steps and at the end.

    Parameters
    ----------
    path : str or Path
        The extxyz file; a new run starts it afresh, a resumed run cuts it back to the
        frames up to the resumed step.
    every : int
        Steps between frames.
    """

    def __init__(self, path: str | Path, every: int = 10):
        if every < 1:
            raise SolverError(f"trajectory interval must be >= 1 step, got {every}")
        self.path = Path(path)
        self.every = int(every)
        self._problem: Any = None

    def start(self, problem: Problem, method: Method, step: int) -> None:
        if not hasattr(problem, "snapshot"):
            raise SolverError(f"{type(problem).__name__} has no snapshot(u); it cannot write a trajectory")
        self._problem = problem
        keep = 0
        if step > 0 and self.path.exists():
            # frames up to the resumed step; a frame at that step only if it is a regular one (a
            # final frame written at the end of the earlier run is written again by finish)
            kept = [end for end, s in complete_frames(self.path)
                    if s is not None and (s < step or (s == step and s % self.every == 0))]
            keep = kept[-1] if kept else 0
        with open(self.path, "r+b" if self.path.exists() else "wb") as fh:
            fh.truncate(keep)

    def __call__(self, progress: Progress) -> None:
        if progress.step % self.every == 0:
            self._write(progress)

    def finish(self, progress: Progress) -> None:
        if progress.step % self.every != 0 or progress.step == 0:
            self._write(progress)

    def _write(self, progress: Progress) -> None:
        from ase.io import write

        atoms = self._problem.snapshot(progress.u)
        atoms.info["step"] = progress.step
        atoms.info["fmax"] = progress.fmax
        buf = io.StringIO()
        write(buf, atoms, format="extxyz")
        with open(self.path, "a") as fh:  # one write per frame: a kill leaves at most one partial frame
            fh.write(buf.getvalue())
            fh.flush()


class PrintProgress:
    """Print step, fmax, energy and elapsed time every ``every`` steps (to a stream)."""

    def __init__(self, every: int = 10, stream: IO[str] | None = None):
        self.every = every
        self.stream = stream

    def __call__(self, progress: Progress) -> None:
        if progress.step % self.every == 0:
            e = "" if progress.energy is None else f"  E = {progress.energy:.8g} eV"
            print(f"step {progress.step:6d}  fmax = {progress.fmax:.3e} eV/A{e}  {progress.elapsed:7.1f} s",
                  file=self.stream or sys.stderr, flush=True)
