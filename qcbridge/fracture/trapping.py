"""Lattice trapping: the range K- < K_G < K+ of mode-I loads at which a crack stays put.

A crack relaxed at Griffith's K_G sits at a trapped position (its tip between two columns of
bonds across the cleavage plane). Raising K in steps, each relaxed from the previous state,
it stays until, at K+, the next bonds break and it advances; lowering K, it stays until, at
K-, the last broken bonds re-form and it heals. Each threshold is bracketed by the steps and
refined by bisection (always restarting from the last trapped state below or above it).
The same search runs on a coupled model (:class:`CoupledCrackSolver`) and on the full
atomistic domain minimized by LAMMPS (:class:`AtomisticCrackSolver`), with the same far field
on the same boundary layer.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..coupling.geometry import Region
from ..coupling.model import QCModel
from ..coupling.reference import site_displacements
from ..engines.lammps import LammpsEngine
from ..errors import ConvergenceError, DefectGeometryError
from ..solvers import FIRE, RelaxOptions, relax
from .problem import CrackProblem

__all__ = ["AtomisticCrackSolver", "CoupledCrackSolver", "CrackSolver", "TrappingRange", "trapping_range",
           "trapping_threshold"]


class CrackSolver(ABC):
    """Relaxes a crack problem at a given K from a given state; holds a LAMMPS instance.

    Attributes
    ----------
    problem : CrackProblem
    dofs : int
        Degrees of freedom (3 x free nodes or atoms).
    seconds : float
        Wall time spent relaxing so far.
    relaxations : int
    """

    def __init__(self, problem: CrackProblem):
        self.problem = problem
        self.seconds = 0.0
        self.relaxations = 0

    @property
    @abstractmethod
    def dofs(self) -> int: ...

    @abstractmethod
    def predictor(self, K: float) -> np.ndarray:
        """State of the far field of mode-I ``K`` (eV/A^(5/2)) everywhere."""

    @abstractmethod
    def _relax(self, K: float, state: np.ndarray, K_state: float) -> np.ndarray: ...

    @abstractmethod
    def positions(self, state: np.ndarray) -> np.ndarray:
        """Deformed positions (A) of every site of the problem's crystal."""

    def relax(self, K: float, state: np.ndarray, K_state: float) -> np.ndarray:
        """Relaxed state at ``K``, starting from ``state`` (relaxed at ``K_state``) plus the
        change of the far field everywhere."""
        t0 = time.perf_counter()
        out = self._relax(K, state, K_state)
        self.seconds += time.perf_counter() - t0
        self.relaxations += 1
        return out

    def tip(self, state: np.ndarray) -> float:
        """Crack-tip position (A, reference x) of a state."""
        return self.problem.tip_position(self.positions(state))

    @abstractmethod
    def close(self) -> None:
        """Release the LAMMPS instance."""

    def __enter__(self) -> CrackSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CoupledCrackSolver(CrackSolver):
    """The crack problem's coupled model (:meth:`CrackProblem.model`) with an atomistic disc of
    ``radius`` (A) at the tip, or a mask over sites."""

    def __init__(self, problem: CrackProblem, radius: float | np.ndarray, method: str = "bqcf", *,
                 blend_width: float = 8.0, fmax: float = 1e-3, max_steps: int = 3000):
        super().__init__(problem)
        self.method, self.blend_width = method, blend_width
        self.model: QCModel = problem.model(radius, method, blend_width=blend_width)
        self.unit = problem.unit_field(self.model.geometry.reference_nodes)
        self.options = RelaxOptions(fmax=fmax, max_steps=max_steps)

    @property
    def dofs(self) -> int:
        return 3 * int(self.model.free.sum())

    def predictor(self, K: float) -> np.ndarray:
        return K * self.unit

    def _relax(self, K: float, state: np.ndarray, K_state: float) -> np.ndarray:
        return relax(self.model, FIRE(), self.options, u0=state + (K - K_state) * self.unit).u

    def positions(self, state: np.ndarray) -> np.ndarray:
        return self.problem.crystal.positions + site_displacements(self.model, state)

    def tip_clearance(self, tip: float) -> float:
        """Distance (A) from the crack tip at x = ``tip`` on the crack plane to the nearest site
        outside the atomistic core."""
        g = self.model.geometry
        outside = g.crystal.positions[g.region != Region.CORE, :2]
        if len(outside) == 0:
            return float("inf")
        return float(cKDTree(outside).query([tip, float(self.problem.centre[1])])[0])

    def tip(self, state: np.ndarray) -> float:
        """Crack-tip position (A); it must stay a cutoff inside the atomistic region.

        Raises
        ------
        DefectGeometryError
            The tip has moved to within a cutoff of the atomistic region's edge.
        """
        tip = super().tip(state)
        cutoff = self.problem.potential.cutoff
        clearance = self.tip_clearance(tip)
        if clearance < cutoff:
            raise DefectGeometryError(
                f"the crack tip moved to x = {tip:.2f} A, {clearance:.2f} A from the edge of the atomistic region: "
                f"it must stay a cutoff ({cutoff:g} A) inside it; enlarge the atomistic radius, let the region "
                "follow the tip (AdaptiveCrackSolver, --adaptive) or load in smaller steps")
        return tip

    def close(self) -> None:
        self.model.close()


class AtomisticCrackSolver(CrackSolver):
    """Every site of the domain, minimized by LAMMPS (``min_style fire``, force tolerance
    ``ftol`` on the global force 2-norm, eV/A), with the boundary layer held."""

    def __init__(self, problem: CrackProblem, *, ftol: float = 1e-3, max_iter: int = 20000):
        super().__init__(problem)
        atoms = problem.crystal.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
        self.fixed = problem.layer
        self.engine = LammpsEngine(atoms, problem.potential, fixed=np.flatnonzero(self.fixed))
        self.ftol, self.max_iter = ftol, max_iter

    @property
    def dofs(self) -> int:
        return 3 * int((~self.fixed).sum())

    def predictor(self, K: float) -> np.ndarray:
        return self.problem.far_field(self.problem.crystal.positions, K)

    def _relax(self, K: float, state: np.ndarray, K_state: float) -> np.ndarray:
        X = self.problem.crystal.positions
        self.engine.set_positions(X + state + self.predictor(K) - self.predictor(K_state))
        self.engine.commands(["min_style cg", "min_modify line quadratic",
                              f"minimize 0 {self.ftol} {self.max_iter} {10 * self.max_iter}"])
        return self.engine.positions() - X

    def positions(self, state: np.ndarray) -> np.ndarray:
        return self.problem.crystal.positions + state

    def close(self) -> None:
        self.engine.close()


@dataclass
class TrappingRange:
    """Outcome of :func:`trapping_range` (K in eV/A^(5/2), positions in A).

    Attributes
    ----------
    K_G : float
    K_plus, K_minus : float or None
        None when the search was not ``strict`` and found no advance (healing) within its
        steps.
    tip : float
        Trapped tip position at K_G.
    history : list of (K, tip)
        Every relaxed state, in order: the loading path for a K-against-tip plot.
    state : ndarray
        The trapped state at K_G (the solver's degrees of freedom, A).
    dofs : int
    seconds : float
        Wall time of all relaxations.
    relaxations : int
    """

    K_G: float
    K_plus: float | None
    K_minus: float | None
    tip: float
    history: list[tuple[float, float]] = field(default_factory=list)
    state: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)), repr=False)
    dofs: int = 0
    seconds: float = 0.0
    relaxations: int = 0


def _threshold(solver: CrackSolver, K0: float, state0: np.ndarray, tip0: float, direction: float, step: float,
               bisections: int, max_steps: int, history: list[tuple[float, float]],
               report: Callable[[str], None], strict: bool) -> tuple[float, float] | None:
    """Final bracket (K that holds the tip, K that moves it) at which the tip leaves ``tip0``
    (advance for direction +1, heal for -1)."""
    half = 0.5 * solver.problem.spacing

    def moved(state: np.ndarray, K: float) -> bool:
        tip = solver.tip(state)
        history.append((K, tip))
        report(f"K = {K:.5f} eV/A^2.5 = {K / K0:.4f} K_G: tip at {tip:.2f} A")
        return bool(direction * (tip - tip0) > half)

    K_in, s_in = K0, state0
    for n in range(1, max_steps + 1):
        K_out = max(K0 * (1 + direction * n * step), 0.0)
        s_out = solver.relax(K_out, s_in, K_in)
        if moved(s_out, K_out):
            break
        if K_out == 0.0:
            raise ConvergenceError("the crack did not heal even at K = 0: it is held open by the slit's "
                                   "continuum faces or the atomistic region is too small")
        K_in, s_in = K_out, s_out
    else:
        if not strict:
            report(f"no {'advance' if direction > 0 else 'healing'} up to K = {K_out:.5f} eV/A^2.5")
            return None
        raise ConvergenceError(f"the crack did not {'advance' if direction > 0 else 'heal'} between K = {K0:.4g} "
                               f"and {K_out:.4g} eV/A^2.5 ({max_steps} steps of {step:.0%}); a ductile crack tip "
                               "(dislocation emission) or a too small step range")
    for _ in range(bisections):
        K_mid = 0.5 * (K_in + K_out)
        s_mid = solver.relax(K_mid, s_in, K_in)
        if moved(s_mid, K_mid):
            K_out = K_mid
        else:
            K_in, s_in = K_mid, s_mid
    return K_in, K_out


def trapping_range(solver: CrackSolver, *, step: float = 0.02, bisections: int = 4, max_steps: int = 40,
                   progress: Callable[[str], None] | None = None, strict: bool = True) -> TrappingRange:
    """Lattice-trapping range of the solver's crack problem.

    Parameters
    ----------
    solver : CrackSolver
    step : float
        Load step as a fraction of K_G.
    bisections : int
        Halvings of each bracket (final precision step / 2^bisections of K_G).
    max_steps : int
        Load steps before giving up: :class:`ConvergenceError` if ``strict``, else that
        threshold is None.
    progress : callable, optional
        Called with a one-line report after every relaxation (e.g. ``print``).

    Returns
    -------
    TrappingRange
        K_plus and K_minus are the midpoints of their final brackets.
    """
    report = progress if progress is not None else (lambda line: None)
    K_G = solver.problem.griffith_K
    state0 = solver.relax(K_G, solver.predictor(K_G), K_G)
    tip0 = solver.tip(state0)
    history = [(K_G, tip0)]
    report(f"K_G = {K_G:.5f} eV/A^2.5: trapped tip at {tip0:.2f} A")
    up = _threshold(solver, K_G, state0, tip0, +1.0, step, bisections, max_steps, history, report, strict)
    down = _threshold(solver, K_G, state0, tip0, -1.0, step, bisections, max_steps, history, report, strict)
    K_plus = None if up is None else 0.5 * (up[0] + up[1])
    K_minus = None if down is None else 0.5 * (down[0] + down[1])
    return TrappingRange(K_G, K_plus, K_minus, tip0, history, state0, solver.dofs, solver.seconds,
                         solver.relaxations)


def trapping_threshold(solver: CrackSolver, *, advance: bool, step: float = 0.02, bisections: int = 4,
                       max_steps: int = 40, progress: Callable[[str], None] | None = None) -> tuple[float, float]:
    """One end of :func:`trapping_range`, the same search: from the state trapped at K_G, K
    steps up (``advance``) or down until the tip moves by half a column, then that bracket is
    bisected. Returns the final bracket (eV/A^(5/2)), the K that holds the tip first.

    Raises
    ------
    ConvergenceError
        No move within ``max_steps`` steps.
    """
    report = progress if progress is not None else (lambda line: None)
    K_G = solver.problem.griffith_K
    state0 = solver.relax(K_G, solver.predictor(K_G), K_G)
    bracket = _threshold(solver, K_G, state0, solver.tip(state0), 1.0 if advance else -1.0, step, bisections,
                         max_steps, [], report, True)
    if bracket is None:  # a strict search raises instead
        raise ConvergenceError("the threshold search found no move")
    return bracket
