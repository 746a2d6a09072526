"""Indentation with an atomistic region that follows the defects.

After every relaxed step the refinement indicators (:mod:`qcbridge.coupling.adaptivity`) look
at the coupled model, and the core must hold a disc around the contact that reaches
``contact_margin`` beyond the farthest touched node (else it grows to ``contact_margin +
grow``). Where they mark, the atomistic region grows, the model is rebuilt with the step's
starting displacements carried over, and the step is relaxed again on it, until nothing is
marked. A dislocation nucleated under the indenter thus stays atomistic as it glides, and the
result no longer depends on the atomistic region one starts with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..coupling.adaptivity import RefinementCriteria, check_budget, grown_region, marked_points, rebuilt
from ..coupling.geometry import CoupledGeometry, Region
from ..coupling.model import QCModel
from ..errors import ContactOutsideAtomisticError, ConvergenceError, InvertedElementError, PaddingError
from .loading import CoupledIndentSolver
from .problem import IndentationProblem

__all__ = ["AdaptiveIndentSolver"]


class AdaptiveIndentSolver(CoupledIndentSolver):
    """A :class:`~qcbridge.indentation.loading.CoupledIndentSolver` that refines after every
    step (see the module docstring).

    Parameters
    ----------
    problem, radius, method
        As for :class:`CoupledIndentSolver`; ``radius`` is the initial atomistic radius.
    criteria : RefinementCriteria, optional
    max_refinements : int
        Rebuilds per step before giving up (:class:`ConvergenceError`).
    report : callable, optional
        Called with a line after every rebuild.
    **options
        Passed to :class:`CoupledIndentSolver`.

    Attributes
    ----------
    refinements : list of (float, int, int)
        Depth (Angstrom), atomistic sites and degrees of freedom after every rebuild.
    """

    def __init__(self, problem: IndentationProblem, radius: float | np.ndarray, method: str = "bqcf", *,
                 criteria: RefinementCriteria | None = None, max_refinements: int = 10,
                 report: Callable[[str], None] | None = None, **options: Any):
        super().__init__(problem, radius, method, **options)
        self.criteria = RefinementCriteria() if criteria is None else criteria
        self.max_refinements = max_refinements
        self.report = report
        self.refinements: list[tuple[float, int, int]] = []
        self.config = (*self.config, repr(self.criteria), max_refinements)

    def _geometry(self, core: np.ndarray) -> CoupledGeometry:
        return self.problem.geometry(core, blend_width=self.blend_width, growth=self.growth)

    def _build(self, geometry: CoupledGeometry) -> QCModel:
        return self.problem.model_on(geometry, self.method)

    def _relax(self, depth: float, state: np.ndarray) -> tuple[np.ndarray, float]:
        state, u, load = self._relax_or_enlarge(depth, state)
        for _ in range(self.max_refinements):
            g = self.model.geometry
            marked = marked_points(self.model, u, self.criteria)
            core = grown_region(g, marked, self.criteria.grow) | self._contact_disc(depth, u)
            if not (core & (g.region != Region.CORE)).any():
                return u, load
            # the step is repeated on the refined model from where it started, so that what the
            # coarse model did wrong in it (a dislocation nucleated at its interface) is not kept
            state = self._refine(core, state, depth, f"{len(marked)} marked points or the contact")
            state, u, load = self._relax_or_enlarge(depth, state)
        raise ConvergenceError(f"the atomistic region kept growing at depth {depth:.3f} A after "
                               f"{self.max_refinements} rebuilds; raise max_refinements or the criteria")

    def _disc(self, reach: float) -> np.ndarray:
        """Sites within reach + contact_margin + grow (Angstrom) of the contact point."""
        return np.asarray(self.problem.atomistic(reach + self.contact_margin + self.criteria.grow)(
            self.problem.crystal.positions), dtype=bool)

    def _contact_disc(self, depth: float, u: np.ndarray) -> np.ndarray:
        """Sites to add for the contact: none while the core holds a disc around the contact
        point reaching contact_margin beyond the farthest node the indenter touches; else a
        disc reaching contact_margin + grow (a disc, not discs around the touched nodes, whose
        scalloped union leaves a ragged resolved surface beside the contact; the margin of
        grow spares a rebuild at every step)."""
        reach = self.contact_reach(depth, u)
        inside = self.problem.atomistic(reach + self.contact_margin)(self.problem.crystal.positions)
        if not (inside & (self.model.geometry.region != Region.CORE)).any():
            return np.zeros(len(inside), dtype=bool)
        return self._disc(reach)

    def _relax_or_enlarge(self, depth: float, state: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Relax; if a defect escapes into the continuum within the step (the padding breaks or
        an element inverts), enlarge the atomistic region from the step's start and retry.
        Returns the start state on the final model, the relaxed state and the load."""
        for _ in range(self.max_refinements):
            try:
                return (state, *super()._relax(depth, state))
            except (PaddingError, InvertedElementError, ContactOutsideAtomisticError) as exc:
                g = self.model.geometry
                if isinstance(exc, ContactOutsideAtomisticError):
                    core = (g.region == Region.CORE) | self._disc(exc.reach)
                elif isinstance(exc, InvertedElementError):
                    inverted = g.mesh.elements[np.asarray(exc.elements, dtype=np.int64)]
                    points = g.reference_nodes[inverted].reshape(-1, 3)
                    core = grown_region(g, points, 2.0 * self.criteria.grow)
                else:
                    core = grown_region(g, g.crystal.positions[g.region == Region.CORE], self.criteria.grow)
                why = "the contact neared the core's edge" if isinstance(exc, ContactOutsideAtomisticError) else \
                    "a defect left the atomistic region"
                state = self._refine(core, state, depth, f"{why} ({exc})")
        raise ConvergenceError(f"a defect kept leaving the atomistic region at depth {depth:.3f} A after "
                               f"{self.max_refinements} enlargements")

    def _refine(self, core: np.ndarray, u: np.ndarray, depth: float, why: str) -> np.ndarray:
        """Rebuild the model on the atomistic region ``core``; the state carried over."""
        self.model, u_new = rebuilt(self.model, u, self._geometry(core), self._build, self.criteria.memory_budget)
        self.refinements.append((depth, int(core.sum()), self.dofs))
        if self.report is not None:
            self.report(f"depth {depth:.3f} A: {why[:160]}; atomistic region now {int(core.sum())} sites, "
                        f"{self.dofs} DOF")
        return u_new

    def checkpoint_data(self, state: np.ndarray) -> dict[str, np.ndarray]:
        return {"core": self.model.geometry.region == Region.CORE,
                "refinements": np.array(self.refinements, dtype=float).reshape(-1, 3)}

    def restore(self, data: dict[str, np.ndarray]) -> None:
        core = np.asarray(data["core"], dtype=bool)
        if (core != (self.model.geometry.region == Region.CORE)).any():
            geometry = self._geometry(core)  # no state to carry: the checkpoint holds it
            check_budget(geometry, self.problem.potential.cutoff, self.criteria.memory_budget)
            model = self._build(geometry)
            self.model.close()
            self.model = model
        self.refinements = [(float(d), int(n), int(k)) for d, n, k in data["refinements"]]
