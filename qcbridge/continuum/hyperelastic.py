"""The public face of a Cauchy-Born material: W, P, dP/dF and elastic constants of a batch of F.

A subclass supplies one method, :meth:`HyperelasticCrystal._flat`, that evaluates a flat,
validated batch of 3x3 deformation gradients; this base class accepts any batch shape
(..., 3, 3) or, for plane problems, (..., 2, 2) acting in the xy plane (F_zz = 1, the
returned P and tangent restricted to the in-plane block), and derives the elastic
constants from the tangent at F = I. It also holds the checks every Cauchy-Born material
makes: of the reference cell (periodic, finite, non-degenerate, no overlapping basis atoms)
and of the deformation gradients (finite, det F > 0, no principal stretch below
:data:`MIN_STRETCH`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Literal, overload

import numpy as np
from ase import Atoms
from ase.units import GPa

from ..engines.checks import close_pairs
from ..errors import DeformationError, NonFiniteError, StructureError
from ..tensors import min_eigenvalue_sym3, stiffness_to_voigt

__all__ = ["HyperelasticCrystal", "check_deformation", "check_stretch"]

#: Smallest principal stretch a Cauchy-Born evaluation accepts.
MIN_STRETCH = 0.3

#: Basis atoms closer than this (Angstrom, periodic images included) overlap.
DUPLICATE_DISTANCE = 0.5


def check_deformation(F: np.ndarray) -> np.ndarray:
    """Validate a batch of deformation gradients, shape (..., 3, 3).

    Raises
    ------
    DeformationError
        Non-finite entries or det F <= 0 (names the first offending batch index).
    """
    F = np.asarray(F, dtype=float)
    if F.shape[-2:] != (3, 3):
        raise DeformationError(f"deformation gradients must have shape (..., 3, 3), got {F.shape}")
    bad = ~np.isfinite(F).all(axis=(-2, -1))
    if bad.any():
        raise DeformationError(f"non-finite deformation gradient at batch index {np.argwhere(bad)[0].tolist()}")
    det = np.linalg.det(F)
    if (det <= 0).any():
        idx = np.argwhere(det <= 0)[0].tolist()
        where = f" at batch index {idx}" if idx else ""
        raise DeformationError(f"det F = {det[tuple(idx)]:.4g} <= 0{where}: F inverts the crystal")
    return F


def check_stretch(F: np.ndarray) -> float:
    """Smallest principal stretch of a batch F (m, 3, 3) (1 for an empty batch).

    Raises
    ------
    DeformationError
        Below :data:`MIN_STRETCH`: no crystal survives that, and the bonds that would
        cover the cutoff would not fit in memory.
    """
    smin = float(np.sqrt(min_eigenvalue_sym3(np.einsum("bki,bkj->bij", F, F)).min())) if F.size else 1.0
    if not smin >= MIN_STRETCH:
        raise DeformationError(f"F compresses some direction to {smin:.3g} of its length (limit {MIN_STRETCH}): "
                               "no crystal survives that, and its bonds would not fit in memory")
    return smin


def _embed_plane(F: np.ndarray) -> np.ndarray:
    """(..., 2, 2) in-plane deformation gradients as (..., 3, 3) with F_zz = 1."""
    F3 = np.zeros(F.shape[:-2] + (3, 3))
    F3[..., :2, :2] = F
    F3[..., 2, 2] = 1.0
    return F3


class HyperelasticCrystal(ABC):
    """W(F), P(F) = dW/dF and dP/dF of a crystal, per A^3 of reference volume (eV/A^3).

    Parameters
    ----------
    cell_atoms : ase.Atoms
        The periodic unit cell in its reference state; sets :attr:`cell` (rows, Angstrom),
        :attr:`volume` (Angstrom^3), :attr:`basis` (Angstrom) and :attr:`nbasis`.
    """

    def __init__(self, cell_atoms: Atoms):
        if not np.all(cell_atoms.pbc):
            raise StructureError("the Cauchy-Born cell must be periodic in all three directions")
        self.cell = np.array(cell_atoms.cell)
        if not (np.all(np.isfinite(self.cell)) and np.all(np.isfinite(cell_atoms.positions))):
            raise NonFiniteError("the Cauchy-Born cell or its basis positions contain NaN or infinity")
        self.volume = abs(float(np.linalg.det(self.cell)))
        if self.volume < 1e-8:
            raise StructureError("the Cauchy-Born cell has zero volume")
        pairs, dist = close_pairs(cell_atoms, DUPLICATE_DISTANCE)
        if len(pairs):
            raise StructureError(f"basis atoms {pairs[0].tolist()} of the Cauchy-Born cell sit {dist[0]:.3g} A apart "
                                 "(periodic images included): remove duplicate atoms or enlarge the cell")
        self.basis = cell_atoms.positions.copy()
        self.nbasis = len(cell_atoms)

    @abstractmethod
    def _flat(self, F: np.ndarray, order: int, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """W (m,), P (m, 3, 3) and, for order 2, dP/dF (m, 3, 3, 3, 3) of F (m, 3, 3), eV/A^3.

        ``dim`` is 2 when only the in-plane block of the tangent will be read.
        """

    @abstractmethod
    def _shifts(self, F: np.ndarray) -> np.ndarray:
        """Relaxed inner shifts (nbasis, 3) of one validated F (1, 3, 3), Angstrom."""

    @overload
    def _batched(self, F: np.ndarray, order: Literal[1]) -> tuple[np.ndarray, np.ndarray, None]: ...
    @overload
    def _batched(self, F: np.ndarray, order: Literal[2]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def _batched(self, F: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        F = np.asarray(F, dtype=float)
        plane = F.shape[-2:] == (2, 2)
        F = check_deformation(_embed_plane(F) if plane else F)
        shape = F.shape[:-2]
        W, P, C = self._flat(F.reshape(-1, 3, 3), order, 2 if plane else 3)
        W, P = W.reshape(shape), P.reshape(shape + (3, 3))
        if C is not None:
            C = C.reshape(shape + (3, 3, 3, 3))
        if plane:
            P = P[..., :2, :2]
            C = None if C is None else C[..., :2, :2, :2, :2]
        return W, P, C

    def inner_shifts(self, F: np.ndarray) -> np.ndarray:
        """Relaxed displacements of the basis atoms (Angstrom) on top of F X_a.

        Parameters
        ----------
        F : ndarray, shape (3, 3)

        Returns
        -------
        ndarray, shape (nbasis, 3)
            Zero for basis atom 0, for simple lattices and without relaxation.
        """
        return self._shifts(check_deformation(np.asarray(F, dtype=float).reshape(1, 3, 3)))

    def energy_density(self, F: np.ndarray) -> np.ndarray:
        """W(F) in eV per A^3 of reference volume, shape F.shape[:-2]."""
        return self._batched(F, 1)[0]

    def first_piola(self, F: np.ndarray) -> np.ndarray:
        """First Piola-Kirchhoff stress P = dW/dF in eV/A^3, shape F.shape."""
        return self._batched(F, 1)[1]

    def energy_and_stress(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """W (eV/A^3) and P (eV/A^3) in one pass."""
        W, P, _ = self._batched(F, 1)
        return W, P

    def tangent(self, F: np.ndarray) -> np.ndarray:
        """dP/dF in eV/A^3, shape F.shape[:-2] + (3, 3, 3, 3), indices [i, J, k, L]."""
        return self._batched(F, 2)[2]

    def elastic_constants(self) -> np.ndarray:
        """Voigt 6x6 elastic constants at the reference state in eV/A^3.

        The tangent at F = I with the residual-stress term removed
        (c_iJkL = A_iJkL - delta_ik sigma_JL); the reference should be stress free.
        """
        _, P, A = self._batched(np.eye(3), 2)
        return stiffness_to_voigt(A - np.einsum("ik,jl->ijkl", np.eye(3), P))

    def elastic_constants_GPa(self) -> np.ndarray:
        """:meth:`elastic_constants` in GPa."""
        return self.elastic_constants() / GPa
