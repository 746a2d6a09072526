"""A crack whose atomistic region follows its tip.

After every relaxation the tip is located (:meth:`CrackProblem.tip_position`); when it has
come within ``margin`` of the edge of the atomistic core, a disc of the initial radius around
the new tip joins the core, the coupled model is rebuilt on it (:mod:`qcbridge.coupling.adaptivity`,
as for indentation), the step's starting state is carried over and the step is relaxed again,
until the tip stays clear of the edge. A crack loaded past K+ thus runs through atoms as far as
the load drives it, instead of stopping at the continuum, whose elements cannot break.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..coupling.adaptivity import grown_region, rebuilt
from ..coupling.geometry import Region
from ..errors import ConvergenceError, DefectGeometryError, InvertedElementError, PaddingError
from .problem import CrackProblem
from .trapping import CoupledCrackSolver, CrackSolver

__all__ = ["AdaptiveCrackSolver"]


class AdaptiveCrackSolver(CoupledCrackSolver):
    """A :class:`~qcbridge.fracture.trapping.CoupledCrackSolver` whose atomistic region follows
    the crack tip (see the module docstring).

    Parameters
    ----------
    problem : CrackProblem
    radius : float
        Radius (A) of the atomistic disc around every new tip, and at the start.
    method : str
    initial : ndarray of bool, optional
        Atomistic region to start from (a mask over sites; default the disc at the tip).
    margin : float, optional
        Distance (A) the tip must keep from the core's edge; default a cutoff and a column
        spacing. Less than ``radius``.
    max_refinements : int
        Rebuilds per relaxation before giving up (:class:`ConvergenceError`).
    memory_budget : float
        Bytes a rebuilt model may take (:func:`~qcbridge.coupling.adaptivity.check_budget`).
    report : callable, optional
        Called with a line after every rebuild.
    **options
        Passed to :class:`CoupledCrackSolver`.

    Attributes
    ----------
    refinements : list of (float, float, int, int)
        K (eV/A^(5/2)), the start state's tip position (A), atomistic sites and degrees of
        freedom after every rebuild.
    """

    def __init__(self, problem: CrackProblem, radius: float, method: str = "bqcf", *,
                 initial: np.ndarray | None = None, margin: float | None = None, max_refinements: int = 10,
                 memory_budget: float = 4e9, report: Callable[[str], None] | None = None, **options: Any):
        self.radius = float(radius)
        self.margin = problem.potential.cutoff + problem.spacing if margin is None else float(margin)
        if not (0 < self.margin < self.radius):
            raise DefectGeometryError(f"the tip's margin ({self.margin:.3g} A) must be positive and less than the "
                                      f"atomistic radius ({self.radius:g} A) that follows the tip; use a larger radius")
        super().__init__(problem, radius if initial is None else initial, method, **options)
        self.max_refinements, self.memory_budget, self.report = max_refinements, memory_budget, report
        self.refinements: list[tuple[float, float, int, int]] = []

    def _relax(self, K: float, state: np.ndarray, K_state: float) -> np.ndarray:
        for _ in range(self.max_refinements):
            try:
                u = super()._relax(K, state, K_state)
            except (PaddingError, InvertedElementError) as exc:  # the crack ran into the continuum
                g = self.model.geometry
                core = grown_region(g, g.crystal.positions[g.region == Region.CORE], self.margin)
                state = self._refine(K, core, state, f"a defect left the atomistic region ({exc})")
                continue
            tip = CrackSolver.tip(self, u)
            if self.tip_clearance(tip) >= self.margin:
                return u
            # repeated from where the step started, on a core that holds the new tip
            X = self.problem.crystal.positions[:, :2]
            disc = np.linalg.norm(X - [tip, self.problem.centre[1]], axis=1) <= self.radius
            state = self._refine(K, (self.model.geometry.region == Region.CORE) | disc, state,
                                 f"the tip reached x = {tip:.2f} A")
        raise ConvergenceError(f"the atomistic region kept following the tip at K = {K:.5g} eV/A^2.5 after "
                               f"{self.max_refinements} rebuilds; raise max_refinements or the atomistic radius")

    def _refine(self, K: float, core: np.ndarray, state: np.ndarray, why: str) -> np.ndarray:
        """Rebuild on the atomistic region ``core``; the state carried over."""
        p, g = self.problem, self.model.geometry
        if not (core & (g.region != Region.CORE)).any():
            raise ConvergenceError(f"{why} at K = {K:.5g} eV/A^2.5, but the atomistic region cannot grow there: "
                                   "it has reached the domain's boundary layer; use a larger domain")
        self.model, new_state = rebuilt(self.model, state, p.geometry(core, blend_width=self.blend_width),
                                        lambda geo: p.model_on(geo, self.method), self.memory_budget)
        self.unit = p.unit_field(self.model.geometry.reference_nodes)
        tip = p.tip_position(self.positions(new_state))
        self.refinements.append((K, tip, int(core.sum()), self.dofs))
        if self.report is not None:
            self.report(f"K = {K:.5f} eV/A^2.5: {why[:160]}; atomistic region now {int(core.sum())} sites, "
                        f"{self.dofs} DOF")
        return np.asarray(new_state)
