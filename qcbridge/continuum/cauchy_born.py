"""Cauchy-Born strain energy density, stress and tangent from an interatomic potential.

A crystal with reference cell volume V0 and basis atoms Z_a deforms homogeneously by F;
basis atom a also moves by an inner shift s_a (s_0 = 0). Each ordered bond b from atom a
to atom c of a lattice translate R has reference vector X_b = Z_c + R - Z_a and deformed
vector x_b = F X_b + s_c - s_a. With the potential's energy per cell

    E(F, s) = sum_a F_a(rho_a) + 1/2 sum_b phi(r_b),  rho_a = sum_{b from a} rho_{c->a}(r_b),  r_b = norm(x_b)

the Cauchy-Born energy density is W(F) = min_s E(F, s) / V0 (eV per A^3 of reference
volume), the first Piola-Kirchhoff stress P = dW/dF (envelope theorem: at relaxed s), and
the tangent dP/dF = (E_FF - E_Fs E_ss^-1 E_sF) / V0 (Schur complement of the inner
relaxation). See e.g. Tadmor & Miller, *Modeling Materials* (2011), ch. 11.

Everything is vectorized over a batch of F of shape (..., 3, 3); the bond set covers the
cutoff for the most compressed F of the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ConvergenceError, SolverError
from ..potentials import Potential
from ..potentials.functions import numpy_functions
from ..potentials.manybody import StillingerWeber, Tersoff
from ..potentials.threebody import ThreeBodyFunctions, threebody_functions
from ..tensors import pinv_sym
from .bonds import bond_table
from .hyperelastic import HyperelasticCrystal, check_deformation, check_stretch
from .inner_relaxation import condense, minimize_shifts
from .threebody_terms import threebody_energy_terms

__all__ = ["CauchyBorn", "check_deformation"]

_EnergyTerms = tuple[np.ndarray, np.ndarray | None, np.ndarray | None]  # E, G, H; None below the order asked for


def _material_functions(potential: Potential) -> Any:
    """The numpy evaluator Cauchy-Born uses: three-body functions for Stillinger-Weber and
    Tersoff, pair/EAM/table functions otherwise."""
    if isinstance(potential, (StillingerWeber, Tersoff)):
        return threebody_functions(potential)
    return numpy_functions(potential)



class CauchyBorn(HyperelasticCrystal):
    """Cauchy-Born continuum model of a periodic crystal.

    Parameters
    ----------
    cell_atoms : ase.Atoms
        A periodic unit cell (primitive or conventional, any orientation, any number of
        basis atoms) in its reference state.
    potential : Potential
        Any potential with a numpy evaluator (EAM files, LennardJones, Morse).
    relax_tol : float
        Inner-relaxation tolerance on the force on basis atoms (eV/A).
    relax : bool
        Relax the inner shifts of multilattices (False: keep the reference basis, the
        unrelaxed Cauchy-Born rule).
    start_step : float
        Size (Angstrom) of the extra starting displacements of the inner relaxation; 0
        relaxes from the unshifted basis only (a local minimum, as a LAMMPS minimization
        from the deformed cell finds: 7 times cheaper for a two-atom basis).

    Examples
    --------
    >>> from ase.build import bulk
    >>> from qcbridge import load_potential
    >>> cb = CauchyBorn(bulk("Cu", "fcc", a=3.615), load_potential("Cu_u3.eam"))
    >>> C = cb.elastic_constants_GPa()  # 6x6, Voigt
    """

    def __init__(
        self, cell_atoms: Atoms, potential: Potential, *, relax_tol: float = 1e-11, relax: bool = True,
        start_step: float = 0.3,
    ):
        super().__init__(cell_atoms)
        self.functions = _material_functions(potential)
        symbols = cell_atoms.get_chemical_symbols()  # type: ignore[no-untyped-call]  # unannotated in ase
        potential.check_species(symbols)
        self.species = np.array([self.functions.species.index(s) for s in symbols])
        self.cutoff = self.functions.cutoff
        self.relax_tol = relax_tol
        self.relax = relax
        self.start_step = start_step
        self.max_step = 0.2
        self._bond_cache: dict[int, tuple[np.ndarray, ...]] = {}

    # ------------------------------------------------------------------ bonds
    def _bonds(self, radius: float) -> tuple[np.ndarray, ...]:
        """Ordered bonds (a, c, X) with norm(X) < radius; cached per rounded radius."""
        key = int(np.ceil(radius * 4))
        if key not in self._bond_cache:
            self._bond_cache[key] = bond_table(self.cell, self.basis, key / 4.0,
                                               halve=self.nbasis == 1 and not isinstance(self.functions,
                                                                                          ThreeBodyFunctions))
        return self._bond_cache[key]

    def _radius(self, F: np.ndarray, shift_norm: float) -> float:
        """Reference radius whose bonds cover the cutoff for every F of the batch."""
        smin = check_stretch(F)
        return (self.cutoff + 2.0 * shift_norm) / (smin * (1.0 - 1e-9)) + 1e-6

    # ------------------------------------------------------------- evaluation
    def _shift_terms(self) -> Callable[[np.ndarray, np.ndarray, int], _EnergyTerms] | None:
        """Cheaper energy terms for the inner relaxation's iterations (three-body potentials,
        whose Hessian is a finite difference: only its shift block), or None."""
        fn = self.functions
        if not isinstance(fn, ThreeBodyFunctions):
            return None

        def terms(F: np.ndarray, s: np.ndarray, order: int) -> _EnergyTerms:
            a, c, X, _, Aw, _, _ = self._bonds(self._radius(F, np.linalg.norm(s, axis=-1).max(initial=0.0)))
            return threebody_energy_terms(fn, (a, c, X, Aw), F, s, self.species, order, shifts_only=True)
        return terms

    def _energy_terms(self, F: np.ndarray, s: np.ndarray, order: int) -> _EnergyTerms:
        """Energy per cell, gradient and Hessian in y = (F columns, shifts).

        F : (B, 3, 3), s : (B, nb, 3). Returns E (B,), G (B, 3, 3+nb), H (B, 3, 3+nb, 3, 3+nb).
        """
        # weighted bond tables: w (bond multiplicity), Aw = w A, AAw = w A (x) A, Sw = w S_a
        a, c, X, w, Aw, AAw, Sw = self._bonds(self._radius(F, np.linalg.norm(s, axis=-1).max(initial=0.0)))
        fn = self.functions
        if isinstance(fn, ThreeBodyFunctions):  # every bond once, weight 1: Aw = A
            return threebody_energy_terms(fn, (a, c, X, Aw), F, s, self.species, order)
        B, nbond, M = F.shape[0], len(X), Aw.shape[1]
        lean = self.nbasis == 1 and order < 2
        if lean:
            # simple lattice, no Hessian: never form the bond vectors; r^2 = X^T (F^T F) X
            # for all bonds and F at once (one GEMM), and later P = F (sum_n q_n X_n (x) A_n)
            Cm = np.einsum("bki,bkj->bij", F, F)
            c6 = np.stack([Cm[:, 0, 0], Cm[:, 1, 1], Cm[:, 2, 2],
                           2 * Cm[:, 0, 1], 2 * Cm[:, 0, 2], 2 * Cm[:, 1, 2]], axis=1)
            XX6 = np.stack([X[:, 0] ** 2, X[:, 1] ** 2, X[:, 2] ** 2,
                            X[:, 0] * X[:, 1], X[:, 0] * X[:, 2], X[:, 1] * X[:, 2]], axis=0)
            r = np.sqrt(c6 @ XX6)
        else:
            # x[b, n, i] = F[b, i, j] X[n, j] (+ shifts): one GEMM over the whole batch
            x = (X @ F.transpose(2, 0, 1).reshape(3, B * 3)).reshape(nbond, B, 3).transpose(1, 0, 2)
            if self.nbasis > 1:
                x = x + (s[:, c] - s[:, a])
            r = np.sqrt(np.einsum("bni,bni->bn", x, x))
            nvec = x / r[..., None]
        sa, sc = self.species[a], self.species[c]
        if fn.is_eam:
            deriv = max(order, 1)
            (phi, dphi, *d2phi), (rho, drho, *d2rho) = fn.bond_terms(r, sa, sc, deriv)  # rho at a from c
            rhobar = rho @ Sw.T  # (B, nb)
            Femb, dF, *d2F = fn.embed(rhobar, np.broadcast_to(self.species, rhobar.shape), deriv)
            E = 0.5 * (phi @ w) + Femb.sum(axis=1)
            e = 0.5 * dphi + dF[:, a] * drho
        else:
            phi, dphi, *d2phi = fn.pair(r, sa, sc, derivatives=max(order, 1))
            E = 0.5 * (phi @ w)
            e = 0.5 * dphi
        if order == 0:
            return E, None, None
        if lean:
            XA = (X[:, :, None] * Aw[:, None, :]).reshape(nbond, 3 * M)
            T = ((e / r) @ XA).reshape(B, 3, M)
            return E, np.matmul(F, T), None
        g = e[..., None] * nvec  # dE/dx_b
        G = (g.transpose(0, 2, 1).reshape(B * 3, nbond) @ Aw).reshape(B, 3, M)
        if order < 2:
            return E, G, None
        s2 = 0.5 * d2phi[0]
        if fn.is_eam:
            s2 = s2 + dF[:, a] * d2rho[0]
        eye = np.eye(3)
        K = (s2 - e / r)[..., None, None] * nvec[..., :, None] * nvec[..., None, :] + (e / r)[..., None, None] * eye
        H = np.matmul(K.reshape(B, nbond, 9).transpose(0, 2, 1), AAw)  # BLAS: sum over bonds
        H = H.reshape(B, 3, 3, M, M).transpose(0, 1, 3, 2, 4)  # [b, i, m, k, l]
        if fn.is_eam:
            t = (drho[..., None] * nvec).transpose(0, 2, 1)  # (B, 3, nbond)
            V = np.matmul(t[:, None] * Sw[None, :, None, :], Aw / w[:, None])  # (B, nb, 3, M)
            H = H + np.einsum("ba,baim,bakl->bimkl", d2F[0], V, V, optimize=True)
        return E, G, H

    def _relaxed(self, F: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """Minimize over the inner shifts; returns E, dE/dF, the condensed Hessian (or
        None) and the shifts (:meth:`_relaxed_terms`)."""
        E, G, H, s = self._relaxed_terms(F, order)
        return *condense(E, G, H, order, relaxed=self.nbasis > 1 and self.relax), s

    def _relaxed_terms(self, F: np.ndarray, order: int, *,
                       predict: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
        """E, its gradient and Hessian in (F, s) at the relaxed shifts, and the shifts. The
        Hessian is None below order 2 where it is a finite difference (three-body potentials).

        W(F) = min_s E / V0 is a global minimum, and a sheared multilattice can have
        several local minima over s. Local minimizations start from the shifts linearized
        about the rest state (:meth:`_predicted_shifts`; s = 0 if not ``predict``) and from
        displacements F d of each basis atom, with d = +-``start_step`` A along the
        reference axes, all in one batch; the lowest end point wins (ties: the earliest
        start). The starts are mapped by F, so that for QF they are the rotated starts of F
        and W(QF) = W(F) holds even where the minima differ.
        """
        nb = self.nbasis
        if nb == 1 or not self.relax:
            s = np.zeros((F.shape[0], nb, 3))
            E, G, H = self._energy_terms(F, s, max(order, 1))
            if G is None:  # order >= 1 always yields the gradient
                raise SolverError("the Cauchy-Born energy terms returned no gradient")
            return E, G, H, s
        B = F.shape[0]
        starts = [np.zeros((nb, 3))]
        for atom in range(1, nb if self.start_step > 0 else 1):
            for k in range(3):
                for sign in (1.0, -1.0):
                    s0 = np.zeros((nb, 3))
                    s0[atom, k] = sign * self.start_step
                    starts.append(s0)
        S = len(starts)
        FF = np.repeat(F, S, axis=0)
        s0 = np.einsum("bij,baj->bai", FF, np.tile(np.array(starts), (B, 1, 1)))
        if predict:  # the first start: the shifts linearized about the rest state
            s0[::S] = self._predicted_shifts(F)
        s_all, E_all, G_all, H_all = minimize_shifts(self._energy_terms, FF, s0, relax_tol=self.relax_tol,
                                                     max_step=self.max_step, shift_terms=self._shift_terms(),
                                                     order=order, strict=False)
        # best start per F; among minima equal to round-off (mirror images) the first start,
        # s = 0 before the others, wins -- the minimum a relaxation from the unshifted basis finds
        E = E_all.reshape(B, S)
        lowest = E.min(axis=1, keepdims=True)
        pick = np.arange(B) * S + np.argmax(E <= lowest + 1e-12 * np.abs(lowest), axis=1)
        if not np.all(np.isfinite(lowest)):  # no start converged for some F
            worst = int(np.flatnonzero(~np.isfinite(lowest[:, 0]))[0])
            raise ConvergenceError(f"inner relaxation of the basis atoms did not converge from any of {S} starts in "
                                   f"100 steps at F = {np.round(F[worst], 4).tolist()} (tolerance "
                                   f"{self.relax_tol:g} eV/A); the crystal is probably unstable there (a phase "
                                   "change); loosen relax_tol or use smaller deformations")
        return E_all[pick], G_all[pick], None if H_all is None else H_all[pick], s_all[pick]

    def _flat(self, F: np.ndarray, order: int, dim: int,
              chunk: int = 1024) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        same = np.arange(len(F))
        if self.nbasis > 1 and self.relax:  # an inner relaxation per distinct F only (a homogeneous state: one)
            F, same = np.unique(F.reshape(-1, 9), axis=0, return_inverse=True)
            F, same = F.reshape(-1, 3, 3), same.ravel()
        out = [self._relaxed(F[i : i + chunk], order)[:3] for i in range(0, len(F), chunk)]
        E = np.concatenate([o[0] for o in out])[same] / self.volume
        P = np.concatenate([o[1] for o in out])[same] / self.volume
        C = np.concatenate([o[2] for o in out])[same] / self.volume if order >= 2 else None
        return E, P, C

    # ------------------------------------------------------------------ public
    def _shifts(self, F: np.ndarray) -> np.ndarray:
        return self._relaxed(F, 1)[3][0]

    def relaxed_shifts(self, F: np.ndarray) -> np.ndarray:
        """Relaxed inner shifts s_k (Angstrom) of a batch F, shape (B, nb, 3): what
        :meth:`shift_derivatives` gives without the derivatives' Hessian (zero for basis
        atom 0 and for simple lattices)."""
        F = check_deformation(np.asarray(F, dtype=float).reshape(-1, 3, 3))
        if self.nbasis == 1 or not self.relax or len(F) == 0:
            return np.zeros((len(F), self.nbasis, 3))
        return self._relaxed_terms(F, 1)[3]

    def shift_derivatives(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Relaxed inner shifts s_k (Angstrom) of a batch F, shape (B, nb, 3), and their
        derivatives ds_k,m / dF_iJ (Angstrom), shape (B, nb, 3, 3, 3) [b, k, m, i, J], from
        the stationarity of the relaxed shifts: ds/dF = -E_ss^+ E_sF (zero for basis atom 0
        and for simple lattices)."""
        F = check_deformation(np.asarray(F, dtype=float).reshape(-1, 3, 3))
        B, nb = F.shape[0], self.nbasis
        if nb == 1 or not self.relax or B == 0:
            return np.zeros((B, nb, 3)), np.zeros((B, nb, 3, 3, 3))
        return self._shift_derivatives(F, predict=True)

    def _shift_derivatives(self, F: np.ndarray, *, predict: bool) -> tuple[np.ndarray, np.ndarray]:
        B, nb = F.shape[0], self.nbasis
        ds = np.zeros((B, nb, 3, 3, 3))
        _, _, H, s = self._relaxed_terms(F, 2, predict=predict)
        if H is None:  # relaxed multilattices always carry the Hessian
            raise SolverError("the inner relaxation returned no Hessian")
        m = 3 * (nb - 1)
        HsF = H[:, :, 4:, :, :3].transpose(0, 2, 1, 3, 4).reshape(B, m, 3, 3)  # [b, (k, m), i, J]
        Hss = H[:, :, 4:, :, 4:].transpose(0, 2, 1, 4, 3).reshape(B, m, m)
        ds[:, 1:] = -np.einsum("bmn,bnij->bmij", pinv_sym(Hss), HsF).reshape(B, nb - 1, 3, 3, 3)
        return s, ds

    @cached_property
    def _rest_shifts(self) -> tuple[np.ndarray, np.ndarray]:
        """Relaxed shifts (nb, 3) and ds/dF (nb, 3, 3, 3) at F = I, relaxed from s = 0."""
        s, ds = self._shift_derivatives(np.eye(3)[None], predict=False)
        return s[0], ds[0]

    def _predicted_shifts(self, F: np.ndarray) -> np.ndarray:
        """Shifts (B, nb, 3) linearized about the rest state in the stretch U of F = R U and
        rotated by R: R (s_I + ds/dF : (U - I)), the start from which the inner relaxation
        of a small strain converges in a step or two, and as objective as the relaxation."""
        W, sigma, Vt = np.linalg.svd(F)
        R = W @ Vt
        U = np.einsum("bki,bk,bkj->bij", Vt, sigma, Vt)
        s_rest, ds = self._rest_shifts
        return np.einsum("bij,baj->bai", R, s_rest + np.einsum("amiJ,biJ->bam", ds, U - np.eye(3)))
