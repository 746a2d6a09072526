"""Elastic fields of defects used as boundary conditions and predictors.

A straight dislocation along z with any Burgers vector and glide plane y = y_c has the
anisotropic (Stroh) field of the crystal's elastic constants (:class:`StrohDislocation`,
:mod:`qcbridge.defects.stroh`). The isotropic edge dislocation (Burgers vector b along x;
Hirth & Lothe eq. 3-45) remains as :class:`EdgeDislocation`:

    u_x = b / 2pi [theta + x y / (2 (1 - nu) r^2)]
    u_y = -b / 2pi [(1 - 2 nu) / (4 (1 - nu)) ln r^2 + (x^2 - y^2) / (4 (1 - nu) r^2)]

with x, y relative to the core and theta = atan2(y, x) in (-pi, pi]: u_x jumps by b across
the cut {y = y_c, x < x_c}. For both, elements crossed by the cut subtract b from their
vertices above it (b is a lattice vector, so the lattice they describe is unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .stroh import StrohSolution, dislocation_displacement, stroh_solutions

__all__ = ["DislocationDipole", "EdgeDislocation", "StrohDislocation", "voigt_poisson_ratio"]


def voigt_poisson_ratio(C: np.ndarray) -> float:
    """Poisson ratio of the Voigt average of a 6x6 (Voigt) elasticity matrix."""
    C = np.asarray(C, dtype=float)
    c11 = np.mean(np.diag(C)[:3])
    c12 = np.mean([C[0, 1], C[0, 2], C[1, 2]])
    c44 = np.mean(np.diag(C)[3:])
    mu = (c11 - c12 + 3 * c44) / 5
    lam = (c11 + 4 * c12 - 2 * c44) / 5
    return float(lam / (2 * (lam + mu)))


class _GlidePlaneCut:
    """The cut {y = y_c, x < x_c} of a dislocation along z at ``core`` = (x_c, y_c), across
    which its displacement jumps by ``jump`` (Angstrom, (3,))."""

    core: tuple[float, float]

    @property
    def jump(self) -> np.ndarray:
        raise NotImplementedError

    def cut(self, Xv: np.ndarray) -> np.ndarray:
        """Elements (vertices Xv, (m, d+1, 3)) crossed by the cut {y = y_c, x < x_c}."""
        above = Xv[:, :, 1] > self.core[1]
        return above.any(axis=1) & ~above.all(axis=1) & (Xv[:, :, 0].mean(axis=1) < self.core[0])

    def side(self, X: np.ndarray) -> np.ndarray:
        """The Burgers vector above the glide plane: u jumps by it across the cut."""
        s = np.zeros_like(X, dtype=float)
        s[X[:, 1] > self.core[1]] = self.jump
        return s

    def displacement(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def fields(self) -> dict:
        """Keyword arguments for :class:`~qcbridge.coupling.boundary.DisplacementField`."""
        return {"field": self.displacement, "cut": self.cut, "side": self.side}


@dataclass(frozen=True)
class StrohDislocation(_GlidePlaneCut):
    """Straight dislocation along z with the anisotropic field of its crystal.

    Attributes
    ----------
    burgers : ndarray, shape (3,)
        Burgers vector in the slab frame (Angstrom): along x for an edge, z for a screw.
    core : (float, float)
        Core position (x_c, y_c) in Angstrom; put it between atomic planes.
    solutions : tuple of StrohSolution
        Stroh solution of the elastic constants in the slab frame.
    """

    burgers: np.ndarray
    core: tuple[float, float]
    solutions: tuple[StrohSolution, ...]

    @classmethod
    def of(cls, C: np.ndarray, burgers: ArrayLike, core: tuple[float, float]) -> StrohDislocation:
        """From the Voigt elastic constants C (any stress unit) in the slab frame."""
        return cls(np.asarray(burgers, dtype=float).reshape(3), core, stroh_solutions(C))

    @property
    def b(self) -> float:
        """Length of the Burgers vector (Angstrom)."""
        return float(np.linalg.norm(self.burgers))

    @property
    def jump(self) -> np.ndarray:
        return self.burgers

    def displacement(self, X: np.ndarray) -> np.ndarray:
        """u(X), shape (n, 3), Angstrom."""
        X = np.asarray(X, dtype=float)
        return dislocation_displacement(self.solutions, self.burgers, X[:, :2] - np.asarray(self.core))


@dataclass(frozen=True)
class DislocationDipole:
    """Two straight dislocations along z on one glide plane: ``first`` at x_1 with Burgers
    vector b, ``second`` at x_2 > x_1 with -b. Their cuts cancel left of x_1, so the
    displacement jumps by -b across the glide plane between the cores only.

    Attributes
    ----------
    first, second : StrohDislocation
    """

    first: StrohDislocation
    second: StrohDislocation

    @classmethod
    def of(cls, C: np.ndarray, burgers: ArrayLike, y: float, x1: float, x2: float) -> DislocationDipole:
        """Dipole of Burgers vector ``burgers`` (A, slab frame) at (x1, y) and -burgers at
        (x2, y); C: Voigt elastic constants in the slab frame."""
        if not x1 < x2:
            raise ValueError(f"the dipole's cores must satisfy x1 < x2, got {x1}, {x2}")
        first = StrohDislocation.of(C, burgers, (x1, y))
        return cls(first, StrohDislocation(-first.burgers, (x2, y), first.solutions))

    def displacement(self, X: np.ndarray) -> np.ndarray:
        """u(X), shape (n, 3), Angstrom."""
        return self.first.displacement(X) + self.second.displacement(X)

    def cut(self, Xv: np.ndarray) -> np.ndarray:
        """Elements (vertices Xv, (m, d+1, 3)) crossed by the glide plane between the cores."""
        x = Xv[:, :, 0].mean(axis=1)
        return self.second.cut(Xv) & (x > self.first.core[0])

    def side(self, X: np.ndarray) -> np.ndarray:
        """-b above the glide plane: u jumps by it between the cores."""
        return self.second.side(X)

    @property
    def fields(self) -> dict:
        """Keyword arguments for :class:`~qcbridge.coupling.boundary.DisplacementField`."""
        return {"field": self.displacement, "cut": self.cut, "side": self.side}


@dataclass(frozen=True)
class EdgeDislocation(_GlidePlaneCut):
    """Isotropic edge dislocation along z.

    Attributes
    ----------
    b : float
        Burgers vector length along x (Angstrom).
    nu : float
        Poisson ratio.
    core : (float, float)
        Core position (x_c, y_c) in Angstrom; put it between atomic planes.
    """

    b: float
    nu: float
    core: tuple[float, float]

    def displacement(self, X: np.ndarray) -> np.ndarray:
        """u(X), shape (n, 3), Angstrom."""
        x = X[:, 0] - self.core[0]
        y = X[:, 1] - self.core[1]
        r2 = x * x + y * y
        nu, b = self.nu, self.b
        u = np.zeros_like(X, dtype=float)
        u[:, 0] = b / (2 * np.pi) * (np.arctan2(y, x) + x * y / (2 * (1 - nu) * r2))
        u[:, 1] = -b / (2 * np.pi) * ((1 - 2 * nu) / (4 * (1 - nu)) * np.log(r2)
                                      + (x * x - y * y) / (4 * (1 - nu) * r2))
        return u

    @property
    def jump(self) -> np.ndarray:
        return np.array([self.b, 0.0, 0.0])
