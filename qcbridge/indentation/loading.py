"""Displacement-controlled indentation: the indenter is moved down (and back up) in steps, every
step relaxed from the last, and the load on it recorded.

The same path runs on a coupled model (:class:`CoupledIndentSolver`: the indenter acts on the
nodes through :class:`~qcbridge.coupling.indenter.IndentedModel`, LBFGS relaxes) and on the full
atomistic domain (:class:`AtomisticIndentSolver`: LAMMPS's own ``fix indent`` with
``fix_modify energy yes`` and LAMMPS's minimizer), with the same boundary layer held. The load
is the force on the indenter along the surface normal (eV/Angstrom, positive when it presses
into the crystal); the first load drop on the loading branch marks the first dislocation
nucleation. A path can checkpoint after every step and resume from the file.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from ..coupling.geometry import Region
from ..coupling.indenter import IndentedModel
from ..coupling.model import QCModel
from ..engines.lammps import LammpsEngine
from ..errors import CheckpointError, ContactOutsideAtomisticError, IndentationGeometryError, PaddingError
from ..fingerprint import fingerprint
from ..solvers import LBFGS, Method, RelaxOptions, relax
from .problem import IndentationProblem, IndenterShape

__all__ = ["AtomisticIndentSolver", "CoupledIndentSolver", "IndentSolver", "LoadDisplacement", "first_load_drop",
           "indent", "indentation_path"]


class IndentSolver(ABC):
    """Relaxes an indentation problem at a given depth from a given state.

    Attributes
    ----------
    problem : IndentationProblem
    seconds : float
        Wall time spent relaxing so far (s).
    relaxations : int
    """

    def __init__(self, problem: IndentationProblem):
        self.problem = problem
        self.seconds = 0.0
        self.relaxations = 0
        self.config: tuple[object, ...] = ()  # what a checkpoint of this solver must match

    @property
    @abstractmethod
    def dofs(self) -> int:
        """Degrees of freedom: 3 x the free nodes or atoms."""

    @abstractmethod
    def initial_state(self) -> np.ndarray:
        """The undeformed state (zero displacements)."""

    @abstractmethod
    def _relax(self, depth: float, state: np.ndarray) -> tuple[np.ndarray, float]: ...

    def relax(self, depth: float, state: np.ndarray) -> tuple[np.ndarray, float]:
        """Relaxed state at ``depth`` (Angstrom) from ``state``, and the load (eV/Angstrom)."""
        t0 = time.perf_counter()
        out = self._relax(depth, state)
        self.seconds += time.perf_counter() - t0
        self.relaxations += 1
        return out

    def checkpoint_data(self, state: np.ndarray) -> dict[str, np.ndarray]:
        """What a checkpoint needs beyond the state to rebuild this solver (default nothing)."""
        return {}

    def restore(self, data: dict[str, np.ndarray]) -> None:  # noqa: B027  # optional hook, default nothing
        """Rebuild from :meth:`checkpoint_data` (default nothing)."""

    @abstractmethod
    def close(self) -> None:
        """Release the LAMMPS instances."""

    def __enter__(self) -> IndentSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CoupledIndentSolver(IndentSolver):
    """The problem's coupled model with an atomistic region of ``radius`` (Angstrom) around the
    contact (or a mask over sites), relaxed at every depth by ``optimizer`` (default LBFGS) to
    ``fmax`` (eV/Angstrom).

    The load converges slowly with the residual force: the film's long-wavelength bending is
    soft, so a loose tolerance leaves it short of its deflection (Al (001), 2 A deep: FIRE to
    2e-3 eV/A overshoots the load by 15 %, LBFGS to 1e-4 eV/A is within 0.1 % of its limit).
    The contact must stay ``contact_margin`` (Angstrom) inside the atomistic core: the contact
    resolved by atoms, and the surface around it (Al (001), the relaxed surface held at rest,
    loads against full atomistics up to 3.75 A: -0.2 % with a 25 A core, +0.7 % with 15 A and
    the core's edge 8.6 A beyond the touched atoms, +1.5 % with 12 A and 5.7 A); a relaxed step
    that breaks this raises :class:`~qcbridge.errors.ContactOutsideAtomisticError`.
    """

    def __init__(self, problem: IndentationProblem, radius: float | np.ndarray, method: str = "bqcf", *,
                 blend_width: float = 8.0, growth: float = 0.5, fmax: float = 1e-4, max_steps: int = 20000,
                 optimizer: Method | None = None, contact_margin: float = 8.0):
        super().__init__(problem)
        self.method, self.blend_width, self.growth = method, blend_width, growth
        self.model: QCModel = problem.model(radius, method, blend_width=blend_width, growth=growth)
        self.options = RelaxOptions(fmax=fmax, max_steps=max_steps)
        self.optimizer: Method = LBFGS() if optimizer is None else optimizer
        self.contact_margin = contact_margin
        core = (self.model.geometry.region == Region.CORE).tobytes()
        self.config = (method, fingerprint(core), blend_width, growth, fmax, repr(self.optimizer), contact_margin)

    @property
    def dofs(self) -> int:
        return 3 * int(self.model.free.sum())

    def initial_state(self) -> np.ndarray:
        return self.model.predictor()

    def _relax(self, depth: float, state: np.ndarray) -> tuple[np.ndarray, float]:
        indented = IndentedModel(self.model, self.problem.indenter(depth))
        u = relax(indented, self.optimizer, self.options, u0=state).u
        gap = self.contact_clearance(depth, u)
        if gap < self.contact_margin:
            reach = self.contact_reach(depth, u)
            raise ContactOutsideAtomisticError(
                f"at depth {depth:g} A the indenter touches nodes {gap:.3g} A from the edge of the atomistic core "
                f"(up to {reach:.3g} A from the contact point), less than the contact margin of "
                f"{self.contact_margin:g} A; enlarge the atomistic radius or refine adaptively", reach)
        return u, float(indented.load(u)[1])

    def contact_nodes(self, depth: float, u: np.ndarray) -> np.ndarray:
        """Nodes the indenter at ``depth`` (Angstrom) touches at displacements u."""
        x = self.model.geometry.reference_nodes + u
        return np.flatnonzero(self.problem.indenter(depth).penetration(x)[0] > 0)

    def contact_clearance(self, depth: float, u: np.ndarray) -> float:
        """Smallest reference distance (Angstrom) from a touched node to a site outside the core."""
        g = self.model.geometry
        outside = g.crystal.positions[g.region != Region.CORE, : g.dim]
        touched = g.reference_nodes[self.contact_nodes(depth, u), : g.dim]
        if len(touched) == 0 or len(outside) == 0:
            return float("inf")
        return float(cKDTree(outside).query(touched)[0].min())

    def contact_reach(self, depth: float, u: np.ndarray) -> float:
        """Largest reference distance (Angstrom) of a touched node from the contact point."""
        X = self.model.geometry.reference_nodes[self.contact_nodes(depth, u)]
        k = self.problem.dim
        return float(np.linalg.norm(X[:, :k] - self.problem.contact[:k], axis=1).max(initial=0.0))

    def close(self) -> None:
        self.model.close()


class AtomisticIndentSolver(IndentSolver):
    """Every site of the domain, with LAMMPS's ``fix indent`` (a flat punch: the same law through
    ``fix external``) and ``minimize`` (``min_style cg``, force tolerance ``ftol`` on the global
    2-norm, eV/Angstrom), the boundary layer held."""

    def __init__(self, problem: IndentationProblem, *, ftol: float = 1e-6, max_iter: int = 50000):
        super().__init__(problem)
        self.fixed = problem.layer
        self.engine = LammpsEngine(problem.crystal.copy(),  # type: ignore[no-untyped-call]  # unannotated in ase
                                   problem.potential, fixed=np.flatnonzero(self.fixed))
        self.ftol, self.max_iter = ftol, max_iter
        self.config = (ftol, max_iter)

    @property
    def dofs(self) -> int:
        return 3 * int((~self.fixed).sum())

    def initial_state(self) -> np.ndarray:
        return self.problem.rest_state()

    def fix_indent(self, depth: float) -> str:
        """The ``fix indent`` command of the indenter at ``depth`` (box units: the engine's frame
        is the problem's)."""
        p = self.problem
        c = [float(x) for x in p.indenter_centre(depth)]
        if p.shape is IndenterShape.SPHERE:
            geometry = f"sphere {c[0]!r} {c[1]!r} {c[2]!r} {p.radius!r}"
        else:
            geometry = f"cylinder z {c[0]!r} {c[1]!r} {p.radius!r}"
        return f"fix qcb_indent all indent {p.stiffness!r} {geometry} units box"

    def _relax(self, depth: float, state: np.ndarray) -> tuple[np.ndarray, float]:
        X = self.problem.crystal.positions
        self.engine.set_positions(X + state)
        minimize = ["min_style cg", "min_modify line quadratic",
                    f"minimize 0 {self.ftol} {self.max_iter} {10 * self.max_iter}"]
        if self.problem.shape is IndenterShape.PUNCH:
            load = self._relax_external(depth, minimize)
        else:
            self.engine.commands([self.fix_indent(depth), "fix_modify qcb_indent energy yes", *minimize])
            load = float(self.engine.lmp.extract_fix("qcb_indent", 0, 1, 1))  # global vector, component y
            self.engine.command("unfix qcb_indent")
        return self.engine.positions() - X, load

    def _relax_external(self, depth: float, minimize: list[str]) -> float:
        """Minimize with the problem's indenter (a flat punch, which ``fix indent`` lacks) applied
        by ``fix external`` in callback mode: LAMMPS calls it with the atoms' positions at every
        force evaluation of the minimizer. Returns the load at the final positions (eV/Angstrom)."""
        indenter, lmp, last = self.problem.indenter(depth), self.engine.lmp, {}

        def apply(caller: object, step: int, nlocal: int, tag: np.ndarray, x: np.ndarray, f: np.ndarray) -> None:
            energy, forces = indenter.energy_forces(np.asarray(x, dtype=float))
            f[:] = forces
            last["load"] = -float(forces[:, 1].sum())
            lmp.fix_external_set_energy_global("qcb_punch", energy)

        self.engine.commands(["fix qcb_punch all external pf/callback 1 1", "fix_modify qcb_punch energy yes"])
        lmp.set_fix_external_callback("qcb_punch", apply, None)
        self.engine.commands([*minimize, "run 0"])  # run 0: the callback at the final positions
        self.engine.command("unfix qcb_punch")
        return last["load"]

    def close(self) -> None:
        self.engine.close()


def indentation_path(depth: float, steps: int, *, start: float = 0.0, unload: bool = False) -> np.ndarray:
    """Depths (Angstrom) of a displacement-controlled path: ``steps`` equal steps from ``start``
    down to ``depth`` and, with ``unload``, the same steps back up to ``start``.

    Raises
    ------
    IndentationGeometryError
        A depth not below the start, or fewer than one step.
    """
    if not (np.isfinite(depth) and depth > start):
        raise IndentationGeometryError(f"the indentation depth must be below the start ({start:g} A), got {depth}")
    if steps < 1:
        raise IndentationGeometryError(f"an indentation needs at least one step, got {steps}")
    down = np.linspace(start, depth, steps + 1)[1:]
    return np.concatenate([down, down[-2::-1], [start]]) if unload else down


def first_load_drop(depths: np.ndarray, loads: np.ndarray, *, drop: float = 0.01) -> int | None:
    """Index of the last step before the first load drop on the loading branch (the nucleation
    point), or None.

    A drop is a load lower than the previous step's by more than ``drop`` of it while the depth
    still increases.
    """
    d, f = np.asarray(depths, float), np.asarray(loads, float)
    for i in range(1, len(d)):
        if d[i] <= d[i - 1]:
            return None
        if f[i] < (1.0 - drop) * f[i - 1] and f[i - 1] > 0:
            return i - 1
    return None


@dataclass
class LoadDisplacement:
    """Outcome of :func:`indent`.

    Attributes
    ----------
    depths, loads : ndarray
        Depth (Angstrom) and load (eV/Angstrom) after every relaxed step.
    nucleation : (float, float) or None
        Depth and load at the first load drop.
    work : float
        Work done on the crystal, the integral of load over depth (eV).
    dofs : int
        Degrees of freedom (at the end, for an adaptive solver).
    seconds : float
        Wall time of all relaxations (s).
    state : ndarray
        The last relaxed state.
    stopped : str or None
        Why the path ended early: a coupled model that broke down (a defect that reached
        the continuum and compressed the padding, or a contact wider than the atomistic
        core), with the model's message; None if the whole path ran.
    """

    depths: np.ndarray
    loads: np.ndarray
    nucleation: tuple[float, float] | None
    work: float
    dofs: int
    seconds: float
    state: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 3)))
    stopped: str | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: load_displacement ([depth A, load eV/A] pairs), nucleation, work, dofs, wall_s."""
        nuc = None if self.nucleation is None else {"depth": self.nucleation[0], "load": self.nucleation[1]}
        return {"load_displacement": [[float(d), float(f)] for d, f in zip(self.depths, self.loads, strict=True)],
                "nucleation": nuc, "work": self.work, "dofs": self.dofs, "wall_s": self.seconds,
                "stopped": self.stopped}


def indent(solver: IndentSolver, depths: np.ndarray, *,
           progress: Callable[[int, int, float, float], None] | None = None, checkpoint: str | Path | None = None,
           drop: float = 0.01) -> LoadDisplacement:
    """Indent along ``depths`` (Angstrom), relaxing every step from the previous one.

    Parameters
    ----------
    solver : IndentSolver
    depths : ndarray
        The path (:func:`indentation_path`), checked against the domain.
    progress : callable, optional
        ``progress(done, total, depth, load)`` after every step.
    checkpoint : path, optional
        An ``.npz`` file written after every step; if it exists, the path resumes after its
        last step (it must be of the same problem, solver and path).
    drop : float
        Relative load drop that marks nucleation (:func:`first_load_drop`).

    Returns
    -------
    LoadDisplacement
        If a coupled model breaks down on the way (:class:`~qcbridge.errors.PaddingError`:
        a dislocation left the atomistic region; :class:`~qcbridge.errors.ContactOutsideAtomisticError`:
        the contact grew beyond it), the steps before it, with ``stopped`` saying why; an
        adaptive solver (:mod:`qcbridge.indentation.adaptive`) avoids both.

    Raises
    ------
    IndentationGeometryError
        A depth that reaches the held layer.
    CheckpointError
        A checkpoint of another problem, solver or path.
    """
    path = solver.problem.check_depths(depths)
    key = fingerprint(repr((type(solver).__name__, solver.config, solver.problem.crystal.positions.tobytes(),
                            path.tobytes(), solver.problem.radius, solver.problem.stiffness,
                            solver.problem.potential.name)))
    state, loads, start = solver.initial_state(), [], 0
    if checkpoint is not None and Path(checkpoint).exists():
        with np.load(checkpoint) as z:
            if str(z["key"]) != key:
                raise CheckpointError(f"{checkpoint} is the checkpoint of another indentation (problem, solver or "
                                      "path); remove it or give another file")
            data = {k: z[k] for k in z.files}
        solver.restore(data)
        state, loads, start = data["state"], list(data["loads"]), len(data["loads"])
        solver.seconds = float(data["seconds"])
    stopped = None
    for i in range(start, len(path)):
        try:
            state, load = solver.relax(float(path[i]), state)
        except (PaddingError, ContactOutsideAtomisticError) as exc:
            stopped = f"stopped at depth {path[i]:g} A: {exc}"
            break
        loads.append(load)
        if checkpoint is not None:
            tmp = Path(str(checkpoint) + ".tmp.npz")
            arrays: dict[str, np.ndarray] = {"key": np.array(key), "state": state, "loads": np.array(loads),
                                             "seconds": np.array(solver.seconds), **solver.checkpoint_data(state)}
            np.savez(tmp, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
            tmp.replace(checkpoint)
        if progress is not None:
            progress(i + 1, len(path), float(path[i]), load)
    f = np.array(loads)
    done = path[: len(f)]
    i_nuc = first_load_drop(done, f, drop=drop)
    nucleation = None if i_nuc is None else (float(done[i_nuc]), float(f[i_nuc]))
    d0 = -solver.problem.gap
    work = float(np.trapezoid(np.concatenate([[0.0], f]), np.concatenate([[d0], done])))
    return LoadDisplacement(done, f, nucleation, work, solver.dofs, solver.seconds, state, stopped)
