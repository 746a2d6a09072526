"""Any ASE optimizer as a :func:`~qcbridge.solvers.relax` method.

``AseOptimizer(ase.optimize.BFGS)`` runs the optimizer on an ASE ``Optimizable`` over the
problem's free degrees of freedom; ``AseOptimizer(PreconLBFGS, on_atoms=True)`` runs it on
the problem's ASE ``Atoms`` face (``problem.atoms(u)``, with a calculator), for optimizers
that need atoms (preconditioners look at neighbours). The optimizer's internal state lives
in the ASE object, so a checkpoint resumes such a run from its positions only
(``exact_state`` is False).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from ase import Atoms
from ase.utils.abc import Optimizable

from ..errors import SolverError
from .methods import State, Step
from .problem import DofView

__all__ = ["AseOptimizer"]


class _ViewOptimizable(Optimizable):
    """The free degrees of freedom of a :class:`DofView` as an ASE Optimizable, with the
    last evaluation cached so that an ASE step costs one evaluation."""

    def __init__(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray):
        self.view = view
        self.x = x.copy()
        self.cache: tuple[float | None, np.ndarray, np.ndarray] | None = (e, g, np.zeros(0))

    def ndofs(self) -> int:
        return len(self.x)

    def get_x(self) -> np.ndarray:
        return self.x.copy()

    def set_x(self, x: np.ndarray) -> None:
        self.x = np.array(x, dtype=float)
        self.cache = None

    def evaluate(self) -> tuple[float | None, np.ndarray, np.ndarray]:
        if self.cache is None:
            self.cache = self.view.evaluate(self.x)
        return self.cache

    def get_gradient(self) -> np.ndarray:
        return self.evaluate()[1]

    def get_value(self) -> float:
        e = self.evaluate()[0]
        return float("nan") if e is None else e

    def iterimages(self) -> Iterator[Atoms]:
        yield from ()


@dataclass(frozen=True)
class AseOptimizer:
    """An ASE optimizer class with its keyword arguments.

    Attributes
    ----------
    optimizer : type
        E.g. ``ase.optimize.BFGS``, ``ase.optimize.precon.PreconLBFGS``.
    on_atoms : bool
        Run on ``problem.atoms(u)`` (needs an energy-based coupled model) instead of an
        Optimizable over the free degrees of freedom.
    kwargs : dict
        Passed to the optimizer (``logfile=None`` unless given).
    """

    optimizer: Any
    on_atoms: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)

    exact_state: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return f"ase:{getattr(self.optimizer, '__name__', str(self.optimizer))}"

    def init(self, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        return {}

    def _start(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray) -> State:
        kwargs = {"logfile": None, **self.kwargs}
        if self.on_atoms:
            make_atoms = getattr(view.problem, "atoms", None)
            if make_atoms is None:
                raise SolverError(f"{type(view.problem).__name__} has no ASE Atoms face; use on_atoms=False")
            atoms = make_atoms(view.u)
            return {"atoms": atoms, "ase": self.optimizer(atoms, **kwargs)}
        target = _ViewOptimizable(view, x, e, g)
        return {"target": target, "ase": self.optimizer(target, **kwargs)}

    def step(self, view: DofView, x: np.ndarray, e: float | None, g: np.ndarray, state: State) -> Step:
        if "ase" not in state:
            state = self._start(view, x, e, g)
        state["ase"].step()
        if self.on_atoms:
            atoms = state["atoms"]
            f_new = atoms.get_forces()
            e_new = atoms.get_potential_energy() if "energy" in atoms.calc.implemented_properties else None
            view.u = view.problem.displacements(atoms)  # type: ignore[attr-defined]
            return view.get_x(), e_new, -f_new[view.free].ravel(), f_new, state
        target = state["target"]
        e_new, g_new, f_new = target.evaluate()
        return target.get_x(), e_new, g_new, f_new, state
