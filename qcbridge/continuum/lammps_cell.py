"""Cauchy-Born material evaluated by LAMMPS on the periodic unit cell.

For any potential LAMMPS evaluates (:class:`~qcbridge.potentials.lammps_style.LammpsPairStyle`:
MEAM, SNAP, ADP, Tersoff, ...; EAM and pair potentials too), one LAMMPS instance holds the
periodic unit cell with reference cell vectors A (rows) and basis X_a, volume V0. A
deformation gradient F maps them to the cell A F^T and positions F X_a; for multilattices
the basis atoms then relax at fixed cell (LAMMPS's minimizer, CG then FIRE, from F X_a). With
E the energy and Wv = sum r (x) f the virial LAMMPS reports for that cell (volume V = J V0),

    W(F) = E / V0,        P(F) = J sigma F^-T = -(1/V0) Wv F^-T

(eV per A^3 of reference volume; sigma = -Wv / V the Cauchy stress; P = dW/dF by the
envelope theorem when the basis is relaxed). The tangent dP/dF is the central difference of
P with step h in each F_kL (relaxed P for multilattices, which includes the inner
relaxation; Tadmor & Miller, *Modeling Materials* (2011), ch. 11), symmetrized over
(iJ) <-> (kL). Its error is O(h^2) plus the round-off of P (and, relaxed, the residual of
the relaxation) over h: for h = 1e-6, 1e-10 to 1e-9 of the tangent for Cu_u3.eam and
Al_jnp.eam fcc, 1e-7 (median) for relaxed hcp Mg_mm.eam.fs, against the analytic tangent of
:class:`~qcbridge.continuum.CauchyBorn`; MEAM Cu elastic constants equal LAMMPS's own stress
differences to 2e-10. Tabulated
potentials are cubic splines with a second derivative that jumps at the table knots, so W is
only once continuously differentiable there: where a bond length lies within the stencil
of a knot, the difference averages both sides and can differ from a one-sided analytic
tangent by up to the jump (2e-4 of the tangent for Mg_mm.eam.fs at some F; smaller h makes
that rarer, larger h more frequent).

Every F goes to LAMMPS once: results are kept in an LRU cache keyed by F rounded to 1e-12
(and are those of the rounded F, so they never depend on what was evaluated before), so the
many equal element gradients of a homogeneous state, repeated quadrature points and the
finite-difference stencils cost a dictionary look-up. A batch of F is reduced to its
distinct members with numpy; only the LAMMPS evaluations loop in Python.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Literal, overload

import numpy as np
from ase import Atoms
from ase.units import GPa

from ..engines.checks import close_pairs
from ..engines.lammps import LammpsEngine
from ..errors import ConvergenceError, DeformationError, NonFiniteError, StructureError
from ..potentials import Potential
from ..tensors import min_eigenvalue_sym3, stiffness_to_voigt
from .cauchy_born import DUPLICATE_DISTANCE, MIN_STRETCH, check_deformation

__all__ = ["LammpsCauchyBorn"]

#: Decimals to which F is rounded for the cache key.
KEY_DECIMALS = 12

_Result = tuple[float, np.ndarray, np.ndarray]  # W (eV/A^3), P (3, 3), shifts (nb, 3)


class LammpsCauchyBorn:
    """Cauchy-Born continuum model of a periodic crystal, evaluated by LAMMPS.

    The same interface as :class:`~qcbridge.continuum.CauchyBorn` (batches of F of shape
    (..., 3, 3), or (..., 2, 2) acting in the xy plane), for any potential LAMMPS evaluates.

    Parameters
    ----------
    cell_atoms : ase.Atoms
        A periodic unit cell in its reference state (any number of basis atoms).
    potential : Potential
        Anything LAMMPS evaluates (:func:`~qcbridge.potentials.lammps_style.lammps_potential`,
        EAM files, LennardJones, ...).
    relax : bool, optional
        Relax the basis atoms at fixed cell for every F (default: when the cell holds
        more than one atom). The relaxation starts from F X and ends in the minimum LAMMPS's
        minimizer reaches from there (the numpy :class:`~qcbridge.continuum.CauchyBorn`
        also tries shifted starts and keeps the lowest minimum; the two agree unless a
        sheared multilattice has several minima).
    relax_tol : float
        Convergence of the relaxation: 2-norm of the force vector of the cell (eV/A).
    step : float
        Finite-difference step h of the tangent (in F, dimensionless); see the module
        docstring for the accuracy it gives.
    cache_size : int
        Most deformation gradients whose results are kept.

    Attributes
    ----------
    cell : ndarray, shape (3, 3)
        Reference cell (rows, Angstrom).
    volume : float
        Reference volume V0 (Angstrom^3).
    basis : ndarray, shape (nbasis, 3)
        Reference positions (Angstrom).
    nbasis : int
    evaluations : int
        LAMMPS evaluations so far (cache misses).

    Examples
    --------
    >>> from ase.build import bulk
    >>> from qcbridge.potentials.lammps_style import lammps_potential
    >>> pot = lammps_potential("pair_style meam", "pair_coeff * * library.meam Cu Cu.meam Cu", ["Cu"])
    >>> with LammpsCauchyBorn(bulk("Cu", "fcc", a=3.62), pot) as cb:
    ...     C = cb.elastic_constants_GPa()
    """

    def __init__(self, cell_atoms: Atoms, potential: Potential, *, relax: bool | None = None,
                 relax_tol: float = 1e-12, step: float = 1e-6, cache_size: int = 65536):
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
        if not (step > 0 and relax_tol > 0 and cache_size >= 1):
            raise ValueError(f"step, relax_tol and cache_size must be positive, got {step}, {relax_tol}, {cache_size}")
        self.potential = potential
        self.basis = cell_atoms.positions.copy()
        self.nbasis = len(cell_atoms)
        self.relax = self.nbasis > 1 if relax is None else bool(relax)
        self.relax_tol = float(relax_tol)
        self.step = float(step)
        self.cache_size = int(cache_size)
        self.evaluations = 0
        self._cache: OrderedDict[bytes, _Result] = OrderedDict()
        self._minimize = [
            "min_style cg", "min_modify line quadratic", f"minimize 0 {max(self.relax_tol, 1e-10)!r} 1000 10000",
            "min_style fire", "timestep 0.005", f"minimize 0 {self.relax_tol!r} 10000 100000",
        ]
        self.engine = LammpsEngine(cell_atoms, potential, min_distance=0.0)

    # ------------------------------------------------------------ LAMMPS
    def _evaluate(self, F: np.ndarray) -> _Result:
        """W, P and the inner shifts of one F (3, 3) from LAMMPS."""
        eng = self.engine
        X = self.basis @ F.T
        eng.set_cell(self.cell @ F.T, X)
        if self.relax and np.linalg.norm(eng.forces()) > self.relax_tol:
            eng.commands(self._minimize)
            residual = float(np.linalg.norm(eng.forces()))
            if residual > 10.0 * self.relax_tol:
                raise ConvergenceError(
                    f"LAMMPS's relaxation of the basis atoms ended with a residual force of {residual:.3g} eV/A "
                    f"(tolerance {self.relax_tol:g}) at F = {np.round(F, 6).tolist()}; the crystal is probably "
                    "unstable there, or relax_tol is below LAMMPS's round-off for this cell"
                )
        shifts = eng.positions() - X if self.relax else np.zeros((self.nbasis, 3))
        shifts = shifts - shifts[0]
        W = eng.energy() / self.volume
        P = -eng.virial() @ np.linalg.inv(F).T / self.volume
        self.evaluations += 1
        return W, P, shifts

    def _results(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[_Result]]:
        """W (m,) and P (m, 3, 3) of a flat batch F (m, 3, 3), through the cache; also the
        results of the distinct members."""
        keys = np.round(F.reshape(-1, 9), KEY_DECIMALS) + 0.0  # + 0.0: -0.0 and 0.0 are one key
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        found: list[_Result] = []
        for row in distinct:
            key = row.tobytes()
            hit = self._cache.get(key)
            if hit is None:
                hit = self._evaluate(row.reshape(3, 3))
                self._cache[key] = hit
                if len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            found.append(hit)
        W = np.array([r[0] for r in found])
        P = np.array([r[1] for r in found]).reshape(-1, 3, 3)
        inverse = inverse.reshape(-1)
        return W[inverse], P[inverse], found

    def cache_clear(self) -> None:
        """Forget every cached result."""
        self._cache.clear()

    # ------------------------------------------------------------ batches
    @overload
    def _batched(self, F: np.ndarray, order: Literal[1]) -> tuple[np.ndarray, np.ndarray, None]: ...
    @overload
    def _batched(self, F: np.ndarray, order: Literal[2]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def _batched(self, F: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        F = np.asarray(F, dtype=float)
        two_d = F.shape[-2:] == (2, 2)
        if two_d:
            F3 = np.zeros(F.shape[:-2] + (3, 3))
            F3[..., :2, :2] = F
            F3[..., 2, 2] = 1.0
            F = F3
        F = check_deformation(F)
        shape = F.shape[:-2]
        flat = F.reshape(-1, 3, 3)
        if flat.size:
            smin = float(np.sqrt(min_eigenvalue_sym3(np.einsum("bki,bkj->bij", flat, flat)).min()))
            if not smin >= MIN_STRETCH:
                raise DeformationError(f"F compresses some direction to {smin:.3g} of its length (limit "
                                       f"{MIN_STRETCH}): no crystal survives that")
        W, P, _ = self._results(flat)
        C = self._tangent(flat, 2 if two_d else 3) if order >= 2 else None
        W, P = W.reshape(shape), P.reshape(shape + (3, 3))
        if C is not None:
            C = C.reshape(shape + (3, 3, 3, 3))
        if two_d:
            P = P[..., :2, :2]
            C = None if C is None else C[..., :2, :2, :2, :2]
        return W, P, C

    def _tangent(self, F: np.ndarray, dim: int) -> np.ndarray:
        """Central differences of P in the first ``dim`` x ``dim`` entries of F, (m, 3, 3, 3, 3)."""
        m, h = len(F), self.step
        F = np.round(F, KEY_DECIMALS)  # the stencil's members are then their own cache keys to round-off
        kl = [(k, L) for k in range(dim) for L in range(dim)]
        E = np.zeros((len(kl), 3, 3))
        E[np.arange(len(kl)), [k for k, _ in kl], [L for _, L in kl]] = h
        stencil = np.concatenate([F[:, None] + E[None], F[:, None] - E[None]], axis=1)  # (m, 2 n_kl, 3, 3)
        _, P, _ = self._results(stencil.reshape(-1, 3, 3))
        P = P.reshape(m, 2, len(kl), 3, 3)
        dP = (P[:, 0] - P[:, 1]) / (2.0 * h)  # [b, kl, i, J]
        C = np.zeros((m, 3, 3, 3, 3))
        C[:, :, :, [k for k, _ in kl], [L for _, L in kl]] = dP.transpose(0, 2, 3, 1)
        # major symmetry of a Hessian, over the block that was computed (all of it in 3D)
        block = C[:, :dim, :dim, :dim, :dim]
        C[:, :dim, :dim, :dim, :dim] = 0.5 * (block + block.transpose(0, 3, 4, 1, 2))
        return C

    # ------------------------------------------------------------ public
    def inner_shifts(self, F: np.ndarray) -> np.ndarray:
        """Relaxed displacements of the basis atoms (Angstrom) on top of F X_a.

        Parameters
        ----------
        F : ndarray, shape (3, 3)

        Returns
        -------
        ndarray, shape (nbasis, 3)
            Zero for basis atom 0, and for all atoms without relaxation.
        """
        F = check_deformation(np.asarray(F, dtype=float).reshape(1, 3, 3))
        return self._results(F)[2][0][2].copy()

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
        """dP/dF in eV/A^3, shape F.shape[:-2] + (3, 3, 3, 3), indices [i, J, k, L]
        (central differences of P, step :attr:`step`)."""
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

    # ------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Close the LAMMPS instance (idempotent); cached results stay readable."""
        self.engine.close()

    def __enter__(self) -> LammpsCauchyBorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
