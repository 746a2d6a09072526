"""Finite-element assembly of a hyperelastic continuum.

For nodal displacements u (n_nodes x 3, Angstrom) on a P1 mesh, element deformation
gradients are F_e = I + grad u (in 2D slabs the z column of F stays e_z). With a strain
energy density W(F) (eV/A^3 of reference volume; e.g. :class:`~qcbridge.continuum.CauchyBorn`):

    E(u) = sum_e V_e W(F_e)                                   (eV)
    f_a  = -dE/du_a = -sum_e V_e P(F_e) grad N_a              (eV/A)
    K    = d^2E/du^2, K_(a i)(b k) = sum_e V_e grad N_a,J C_iJkL(F_e) grad N_b,L

all assembled at once through the mesh's sparse gradient operator and scipy.sparse --
no Python loop over elements. Solve with :func:`qcbridge.solvers.relax` on a
:class:`~qcbridge.solvers.ContinuumProblem` (Newton with this stiffness).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from ..errors import DeformationError, InvertedElementError, MeshError
from .mesh import Mesh

log = logging.getLogger(__name__)

__all__ = ["ContinuumModel", "LinearElastic"]


class Material(Protocol):
    """What :class:`ContinuumModel` asks of a material, for a batch F of shape (m, 3, 3)."""

    def energy_and_stress(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """W (eV/A^3) and P (eV/A^3)."""
        ...

    def tangent(self, F: np.ndarray) -> np.ndarray:
        """dP/dF (eV/A^3), shape (m, 3, 3, 3, 3)."""
        ...


@dataclass(frozen=True)
class LinearElastic:
    """The linearized material W(F) = 1/2 (F - I) : C : (F - I).

    Attributes
    ----------
    C : ndarray, shape (3, 3, 3, 3)
        Elasticity tensor C_iJkL in eV/A^3 with major symmetry, e.g.
        ``CauchyBorn.tangent(np.eye(3))``.
    """

    C: np.ndarray

    def energy_and_stress(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        H = F - np.eye(3)
        P = np.einsum("iJkL,...kL->...iJ", self.C, H)
        return 0.5 * np.einsum("...iJ,...iJ->...", H, P), P

    def tangent(self, F: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.C, F.shape[:-2] + (3, 3, 3, 3))


class ContinuumModel:
    """Energy, forces and stiffness of a mesh with a strain energy density.

    Parameters
    ----------
    mesh : Mesh
        Reference configuration.
    material : object
        Provides ``energy_and_stress(F) -> (W, P)`` and ``tangent(F) -> C`` for a batch
        F of shape (m, 3, 3); units eV/A^3 (e.g. :class:`~qcbridge.continuum.CauchyBorn`).
    weights : ndarray, shape (n_elements,), optional
        Fraction of each element's volume that counts (coupled models blend elements out
        where atoms carry the energy); default 1.
    eigen_gradient : ndarray, shape (n_elements, 3, 3), optional
        Constant added to every element's F (a lattice-invariant slip inside elements that a
        dislocation's cut crosses); default 0.
    """

    def __init__(self, mesh: Mesh, material: Material, weights: np.ndarray | None = None,
                 eigen_gradient: np.ndarray | None = None):
        self.mesh = mesh
        self.material = material
        self._D = mesh.gradient_operator  # rows e*dim + J
        w = np.ones(mesh.n_elements) if weights is None else np.asarray(weights, dtype=float)
        if w.shape != (mesh.n_elements,):
            raise MeshError(f"element weights have shape {w.shape}, expected ({mesh.n_elements},) for this mesh")
        self.volumes = mesh.volumes * w  # effective volumes (A^3)
        self._counts = w != 0  # elements that count
        self._active = None if self._counts.all() else np.flatnonzero(self._counts)
        self.eigen_gradient = None if eigen_gradient is None else np.asarray(eigen_gradient, dtype=float)

    def deformation_gradients(self, u: np.ndarray) -> np.ndarray:
        """F_e = I + grad u, shape (m, 3, 3); raises InvertedElementError if det F <= 0 in an
        element that counts (non-zero weight)."""
        u = np.asarray(u, dtype=float)
        if u.shape != (self.mesh.n_nodes, 3):
            raise MeshError(f"displacements have shape {u.shape}, expected ({self.mesh.n_nodes}, 3) for this mesh")
        m, d = self.mesh.n_elements, self.mesh.dim
        grad = (self._D @ u).reshape(m, d, 3)  # [e, J, i] = d u_i / d X_J
        F = np.broadcast_to(np.eye(3), (m, 3, 3)).copy()
        F[:, :, :d] += np.swapaxes(grad, 1, 2)
        if self.eigen_gradient is not None:
            F += self.eigen_gradient
        # a zero-weight element (inside an atomistic region) may fold with its atoms
        bad = ~(np.linalg.det(F) > 0) & self._counts
        if bad.any():
            raise InvertedElementError(np.flatnonzero(bad))
        return F

    def energy_forces(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        """Total energy (eV) and nodal forces (eV/A, shape (n_nodes, 3))."""
        F = self.deformation_gradients(u)
        act = self._active
        try:
            if act is None:
                W, P = self.material.energy_and_stress(F)
            else:  # zero-weight elements (e.g. inside an atomistic region) are not evaluated
                W, P = np.zeros(len(F)), np.zeros_like(F)
                if len(act):
                    W[act], P[act] = self.material.energy_and_stress(F[act])
        except DeformationError as exc:
            raise _distorted(F, exc) from None
        V = self.volumes
        return float(V @ W), -self._nodal(V[:, None, None] * P)

    def _nodal(self, VP: np.ndarray) -> np.ndarray:
        d = self.mesh.dim
        flux = np.swapaxes(VP[:, :, :d], 1, 2).reshape(-1, 3)  # [e*d + J, i]
        return self._D.T @ flux

    def stiffness(self, u: np.ndarray) -> sp.csr_matrix:
        """Sparse Hessian of the energy, shape (3 n_nodes, 3 n_nodes), eV/A^2; dof 3a+i."""
        F = self.deformation_gradients(u)
        act = np.arange(len(F)) if self._active is None else self._active
        C = np.zeros((len(F), 3, 3, 3, 3))
        try:
            if len(act):
                C[act] = self.material.tangent(F[act])
        except DeformationError as exc:
            raise _distorted(F, exc) from None
        mesh = self.mesh
        d, m = mesh.dim, mesh.n_elements
        g = mesh.shape_gradients  # (m, d+1, d)
        # ke[e, a, i, b, k] = V_e g[e, a, J] C[e, i, J, k, L] g[e, b, L], as two batched GEMMs
        CJ = np.ascontiguousarray(C[:, :, :d, :, :d].transpose(0, 2, 1, 3, 4)).reshape(m, d, 3 * 3 * d)
        t = np.matmul(g, CJ).reshape(m, (d + 1) * 9, d)  # [e, (a, i, k), L]
        ke = np.matmul(t, np.swapaxes(g, 1, 2)).reshape(m, d + 1, 3, 3, d + 1)  # [e, a, i, k, b]
        ke = (ke * self.volumes[:, None, None, None, None]).transpose(0, 1, 2, 4, 3)
        indices, indptr, scatter = self._pattern
        data = np.bincount(scatter, weights=ke.ravel(), minlength=len(indices))
        n = 3 * mesh.n_nodes
        return sp.csr_matrix((data, indices, indptr), shape=(n, n))

    @cached_property
    def _pattern(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR structure of the stiffness and where each element entry is summed into it
        (computed once per mesh; assembly is then a single bincount)."""
        mesh = self.mesh
        dofs = (3 * mesh.elements[:, :, None] + np.arange(3)).reshape(mesh.n_elements, -1)
        k = dofs.shape[1]
        rows = np.repeat(dofs, k, axis=1).ravel()
        cols = np.tile(dofs, (1, k)).ravel()
        n = 3 * mesh.n_nodes
        keys, scatter = np.unique(rows * n + cols, return_inverse=True)
        indices = keys % n
        indptr = np.concatenate([[0], np.cumsum(np.bincount(keys // n, minlength=n))])
        return indices, indptr, scatter.ravel()


def _distorted(F: np.ndarray, exc: Exception) -> InvertedElementError:
    """The material refused some F: name the elements (smallest principal stretch < 0.3)."""
    smin = np.linalg.svd(F, compute_uv=False)[:, -1]
    bad = np.flatnonzero(smin < 0.3)
    return InvertedElementError(bad, f"{len(bad)} element(s) too distorted for the material ({exc}): "
                                f"{bad[:20].tolist()}")
