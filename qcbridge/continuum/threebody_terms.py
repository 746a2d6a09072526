"""Cauchy-Born energy terms of three-body potentials (Stillinger-Weber, Tersoff).

The cell's ordered bonds b (from basis atom a to a translate of basis atom c, reference
vector X_b) deform to x_b = F X_b + s_c - s_a. The potential's numpy evaluator gives the
energy per cell E = sum_a E_a and its gradient g_b = dE/dx_b; then

    dE/dF_iJ = sum_b g_bi X_bJ,    dE/ds_k = sum_b g_b (delta_ck - delta_ak),

the same contraction with A_b = (X_b, e_c - e_a) as for pair and EAM potentials. The
Hessian in y = (F columns, shifts), needed for the tangent, is the central difference of that
analytic gradient (step 1e-5 in F and Angstrom; symmetrized); the inner relaxation's Newton
steps need only its shift block, and to no more than ~1e-5 relative, so they take forward
differences (one gradient per shift component instead of two).
"""

from __future__ import annotations

import numpy as np

from ..potentials.threebody import ThreeBodyFunctions

__all__ = ["FD_STEP", "threebody_energy_terms"]

#: Step of the central differences of the gradient (dimensionless in F, Angstrom in s).
FD_STEP = 1e-5


def _row_sets(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a boolean array (n, m) and each row's index among them: what
    ``np.unique(rows, axis=0, return_inverse=True)`` gives, from the rows packed into 64-bit
    words and sorted lexicographically (the generic row sort of np.unique took half the time
    of a diamond Cauchy-Born evaluation)."""
    if rows.shape[1] == 0:  # no bonds at all: one (empty) set
        return rows[:1], np.zeros(len(rows), dtype=np.int64)
    packed = np.packbits(rows, axis=1)
    words = np.zeros((len(rows), -(-packed.shape[1] // 8) * 8), dtype=np.uint8)
    words[:, :packed.shape[1]] = packed
    keys = words.view(np.uint64)
    order = np.lexsort(keys.T[::-1])
    ordered = keys[order]
    starts = np.concatenate([[True], np.any(ordered[1:] != ordered[:-1], axis=1)])
    group = np.empty(len(rows), dtype=np.int64)
    group[order] = np.cumsum(starts) - 1
    return rows[order[starts]], group


def _gradient(fn: ThreeBodyFunctions, bonds: tuple[np.ndarray, ...], F: np.ndarray, s: np.ndarray,
              species: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, c, X, A = bonds
    x = np.einsum("bij,nj->bni", F, X) + (s[:, c] - s[:, a])
    # only bonds inside the cutoff take part (the search radius covers compression and shifts;
    # the others would only multiply zeros in the triplets, whose number grows as the square
    # of the bonds per atom): members of the batch are grouped by their set of such bonds
    inside = np.einsum("bni,bni->bn", x, x) < fn.cutoff**2
    sets, group = _row_sets(inside)
    B, M = F.shape[0], A.shape[1]
    E, G = np.empty(B), np.empty((B, 3, M))
    for k, active in enumerate(sets):
        members = np.flatnonzero(group == k)
        near = np.flatnonzero(active)
        if len(near) == 0:  # stretched beyond the cutoff (an element across an opened crack): no energy
            E[members], G[members] = 0.0, 0.0
            continue
        E_sites, g = fn.site_energies(x[members][:, near], a[near], c[near], species, s.shape[1])
        E[members] = E_sites.sum(axis=1)
        G[members] = (g.transpose(0, 2, 1).reshape(-1, len(near)) @ A[near]).reshape(-1, 3, M)
    return E, G


def threebody_energy_terms(fn: ThreeBodyFunctions, bonds: tuple[np.ndarray, ...], F: np.ndarray, s: np.ndarray,
                           species: np.ndarray, order: int, *, shifts_only: bool = False
                           ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Energy per cell (eV, (B,)), its gradient (B, 3, 3 + nb) and, for order 2, Hessian
    (B, 3, 3 + nb, 3, 3 + nb) in y = (F columns, shifts).

    Parameters
    ----------
    fn : ThreeBodyFunctions
    bonds : (a, c, X, A)
        Every ordered bond of the cell within the search radius: basis atoms, reference
        vectors (Angstrom) and A_b = (X_b, e_c - e_a).
    F : ndarray, shape (B, 3, 3)
    s : ndarray, shape (B, nb, 3)
        Inner shifts (Angstrom).
    species : ndarray of int, shape (nb,)
    order : int
    shifts_only : bool
        Differentiate only along the shifts of basis atoms 1..nb-1, by forward differences
        (the rest of H is zero): what the inner relaxation's Newton steps need, at a fraction
        of the cost.
    """
    E, G = _gradient(fn, bonds, F, s, species)
    if order < 2:
        return E, G, None
    B, M = G.shape[0], G.shape[2]
    H = np.zeros((B, 3, M, 3, M))
    for i in range(3):
        for m in range(4 if shifts_only else 0, M):  # y component (i, m): F[:, i, m] for m < 3, s[:, m - 3, i] else
            Fp, Fm, sp, sm = F.copy(), F.copy(), s.copy(), s.copy()
            if shifts_only:
                sp[:, m - 3, i] += FD_STEP
                H[:, :, :, i, m] = (_gradient(fn, bonds, Fp, sp, species)[1] - G) / FD_STEP
                continue
            if m < 3:
                Fp[:, i, m] += FD_STEP
                Fm[:, i, m] -= FD_STEP
            else:
                sp[:, m - 3, i] += FD_STEP
                sm[:, m - 3, i] -= FD_STEP
            H[:, :, :, i, m] = (_gradient(fn, bonds, Fp, sp, species)[1]
                                - _gradient(fn, bonds, Fm, sm, species)[1]) / (2.0 * FD_STEP)
    H = 0.5 * (H + H.transpose(0, 3, 4, 1, 2))
    return E, G, H
