"""Far-field boundary conditions of coupled models: displacement fields on the outer nodes,
or free surfaces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import DeformationError

__all__ = ["Boundary", "DisplacementField", "FreeSurface", "HomogeneousDeformation"]


class Boundary:
    """Base class. ``fixes_outer`` says whether the outer mesh nodes are prescribed;
    ``carries_inner_shift`` whether the displacement already holds the inner shifts of a
    multilattice's other sublattices (the predictor then adds none)."""

    fixes_outer: bool = True
    carries_inner_shift: bool = False

    def check(self, dim: int) -> None:
        """Raise a named error if this boundary condition cannot act on a model of mesh
        dimension ``dim`` (2: slab periodic along z; 3: block). Default: any."""

    def displacement(self, X: np.ndarray) -> np.ndarray:
        """Prescribed displacement (Angstrom, (n, 3)) at reference positions X."""
        raise NotImplementedError

    def cut_elements(self, Xv: np.ndarray) -> np.ndarray:
        """Which elements (vertex positions Xv, shape (m, d+1, 3)) are crossed by a cut
        surface across which the displacement jumps by a lattice vector (a dislocation's
        Burgers vector). Default: none."""
        return np.zeros(len(Xv), dtype=bool)

    def slip_side(self, X: np.ndarray) -> np.ndarray:
        """The lattice vector to subtract from the displacement of points X on the far side of
        the cut (Angstrom, (n, 3)); used only inside cut elements, where the vertices' slips
        then make the element see a continuous, slip-free field. Default 0."""
        return np.zeros_like(np.asarray(X, dtype=float))


@dataclass(frozen=True)
class HomogeneousDeformation(Boundary):
    """u(X) = (F - I) X.

    Attributes
    ----------
    F : ndarray, shape (3, 3)
        Deformation gradient (det F > 0).
    """

    F: np.ndarray

    def __post_init__(self) -> None:
        F = np.asarray(self.F, dtype=float).reshape(3, 3)
        if not np.all(np.isfinite(F)) or np.linalg.det(F) <= 0:
            raise DeformationError(f"F must be finite with det F > 0, got det = {np.linalg.det(F):.4g}")
        object.__setattr__(self, "F", F)

    def check(self, dim: int) -> None:
        if dim == 2 and np.abs(self.F[:, 2] - [0, 0, 1]).max() > 1e-14:
            raise DeformationError("a slab is periodic along z: F must leave the z axis unchanged "
                                   f"(third column (0, 0, 1)), got {self.F[:, 2].tolist()}")

    def displacement(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X) @ (self.F - np.eye(3)).T


@dataclass(frozen=True)
class DisplacementField(Boundary):
    """Any displacement field u(X) (e.g. a dislocation's or a crack tip's elastic field).

    Attributes
    ----------
    field : callable
        ``field(X) -> u`` for X of shape (n, 3), Angstrom.
    cut, side : callable, optional
        ``cut(Xv) -> mask`` of elements crossed by the field's cut and ``side(X) -> s``, the
        lattice vector u jumps by for points beyond the cut (see :meth:`Boundary.cut_elements`).
    carries_inner_shift : bool
        The field already moves a multilattice's other sublattices by their inner shift (a
        crack's field, :meth:`~qcbridge.fracture.problem.CrackProblem.unit_field`).
    """

    field: Callable[[np.ndarray], np.ndarray]
    cut: Callable[[np.ndarray], np.ndarray] | None = None
    side: Callable[[np.ndarray], np.ndarray] | None = None
    carries_inner_shift: bool = False

    def cut_elements(self, Xv: np.ndarray) -> np.ndarray:
        return super().cut_elements(Xv) if self.cut is None else np.asarray(self.cut(Xv), dtype=bool)

    def slip_side(self, X: np.ndarray) -> np.ndarray:
        return super().slip_side(X) if self.side is None else np.asarray(self.side(np.asarray(X, float)), float)

    def displacement(self, X: np.ndarray) -> np.ndarray:
        u = np.asarray(self.field(np.asarray(X, dtype=float)), dtype=float)
        if u.shape != np.shape(X) or not np.all(np.isfinite(u)):
            raise DeformationError(f"the displacement field must return finite values of shape {np.shape(X)}")
        return u


@dataclass(frozen=True)
class FreeSurface(Boundary):
    """No prescribed nodes: the outer boundary is a free surface."""

    fixes_outer = False

    def displacement(self, X: np.ndarray) -> np.ndarray:
        return np.zeros_like(np.asarray(X, dtype=float))
