"""Relaxation of a multilattice's inner shifts and the condensation of its Hessian.

For energy terms E(F, s) of a crystal with basis atoms shifted by s (basis atom 0 fixed),
:func:`minimize_shifts` finds a local minimum over s by saddle-free Newton with a line search,
and :func:`condense` turns E's Hessian in (F, s) at relaxed shifts into the Cauchy-Born
tangent, the Schur complement E_FF - E_Fs E_ss^+ E_sF (Tadmor & Miller, *Modeling
Materials*, 2011, ch. 11).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import ConvergenceError, SolverError
from ..tensors import pinv_sym

__all__ = ["EnergyTerms", "condense", "minimize_shifts"]

#: A residual within this factor of the tolerance that has stopped decreasing (by half over
#: five iterations) is accepted: Newton has reached the floor set by round-off and by the
#: near-zero shift modes the pseudo-inverse leaves out (Tersoff zincblende: 1.8e-11 eV/A
#: against a 1e-11 tolerance under some strains).
STAGNATION_FACTOR = 10.0

#: ``energy_terms(F, s, order) -> (E, G, H)``: energy per cell (B,), gradient (B, 3, 3 + nb) and
#: Hessian (B, 3, 3 + nb, 3, 3 + nb) in y = (F columns, shifts), or None beyond ``order``.
EnergyTerms = Callable[[np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]


def minimize_shifts(energy_terms: EnergyTerms, F: np.ndarray, s: np.ndarray, *, relax_tol: float, max_step: float,
                    shift_terms: EnergyTerms | None = None, order: int = 2,
                    strict: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Saddle-free Newton (step -V abs(Lambda)^+ V^T g, a descent direction even where the
    shift Hessian is indefinite) with a backtracking line search on each member's
    energy. Once converged, one more step polishes the shifts to round-off so that
    finite differences of P see no relaxation noise.

    Parameters
    ----------
    energy_terms : callable
        ``energy_terms(F, s, order) -> (E, G, H)`` in y = (F columns, shifts) (eV, eV/A, eV/A^2).
    F : ndarray, shape (B, 3, 3)
    s : ndarray, shape (B, nb, 3)
        Starting shifts (Angstrom).
    relax_tol : float
        Largest force on a basis atom at convergence (eV/A).
    max_step : float
        Largest move of a basis atom per iteration (Angstrom).
    shift_terms : callable, optional
        Like ``energy_terms`` at order 2 but with only the shift block of the Hessian (of
        basis atoms 1..nb-1) computed, used in the iterations when the full Hessian is
        costly; ``energy_terms`` is then called once at the relaxed shifts, to ``order``.
    strict : bool
        Raise when a member has not converged in 100 iterations (default); otherwise return
        with an infinite energy for it (for a caller that takes the lowest of several starts).
    order : int
        What the caller needs at the relaxed shifts when ``shift_terms`` is given: 2 for the
        full Hessian (the tangent), 1 for E and G only (W and P need no Hessian there).

    Returns
    -------
    s, E, G, H at the relaxed shifts (H None if ``shift_terms`` is given and ``order`` < 2).

    Raises
    ------
    ConvergenceError
        No convergence in 100 iterations (the message gives the residual and F).
    SolverError
        ``energy_terms`` returned None for the gradient or Hessian at order 2.
    """
    B, nb = s.shape[0], s.shape[1]
    m = 3 * (nb - 1)
    s = s.copy()
    terms = energy_terms if shift_terms is None else shift_terms
    # each member iterates until its own residual is small; converged members leave the batch
    # (in a strained body most F converge in a few steps, and only a few need many)
    active = np.arange(B)
    history = np.full((100, B), np.inf)  # residual of each member at each iteration
    residual = np.full(B, np.inf)
    for it in range(100):
        if len(active) == 0:
            break
        Fa, sa = F[active], s[active]
        E, G, H = terms(Fa, sa, 2)
        if G is None or H is None:
            raise SolverError("energy_terms(F, s, 2) must return the gradient and the Hessian, got None")
        n = len(active)
        gs = G[:, :, 4:].transpose(0, 2, 1).reshape(n, m)  # dE/ds of basis atoms 1..nb-1
        residual[active] = history[it, active] = np.abs(gs).max(axis=1)
        stalled = (history[it - 5, active] if it >= 5 else np.inf) < 2.0 * residual[active]
        done = (residual[active] < relax_tol) | (stalled & (residual[active] < STAGNATION_FACTOR * relax_tol))
        Hss = H[:, :, 4:, :, 4:].transpose(0, 2, 1, 4, 3).reshape(n, m, m)
        step = -np.einsum("bmn,bn->bm", pinv_sym(Hss, absolute=True), gs).reshape(n, nb - 1, 3)
        # converged: one full Newton step polishes the shifts to round-off, and the member leaves
        s[active[done], 1:] += step[done]
        keep = ~done
        active, Fa, sa, E, gs, step = active[keep], Fa[keep], sa[keep], E[keep], gs[keep], step[keep]
        if len(active) == 0:
            break
        # trust region: no basis atom moves more than max_step per iteration (keeps
        # the shared bond list of the batch small when curvature is tiny or negative)
        norm = np.linalg.norm(step, axis=-1).max(axis=-1)
        step *= np.minimum(1.0, max_step / np.maximum(norm, 1e-300))[:, None, None]
        alpha = np.ones(len(active))
        slope = np.einsum("bm,bm->b", gs, step.reshape(len(active), m))
        for _ in range(30):
            trial = sa.copy()
            trial[:, 1:] += alpha[:, None, None] * step
            bad = energy_terms(Fa, trial, 0)[0] > E + 1e-4 * alpha * slope + 1e-14 * np.abs(E)
            if not bad.any():
                break
            alpha = np.where(bad, 0.5 * alpha, alpha)
        s[active] = trial
    E, G, H = energy_terms(F, s, max(order, 1) if shift_terms is not None else 2)
    if G is None or (order >= 2 and H is None):
        raise SolverError(f"energy_terms(F, s, {max(order, 1)}) returned None for the gradient or the Hessian")
    if len(active) == 0:
        return s, E, G, H
    if not strict:  # the members that did not converge get an infinite energy: never the chosen minimum
        return s, np.where(residual < STAGNATION_FACTOR * relax_tol, E, np.inf), G, H
    worst = int(active[np.argmax(residual[active])])
    raise ConvergenceError(
        f"inner relaxation of the basis atoms did not converge in 100 steps: residual force "
        f"{residual[worst]:.3g} eV/A (tolerance {relax_tol:g}) at F = {np.round(F[worst], 4).tolist()}; the "
        "crystal is probably unstable there (a phase change); loosen relax_tol or use smaller deformations"
    )


def condense(E: np.ndarray, G: np.ndarray, H: np.ndarray | None, order: int,
             relaxed: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """E, P = dE/dF and, for order 2, the Hessian in F condensed over the shifts when they
    are ``relaxed`` (Schur complement E_FF - E_Fs E_ss^+ E_sF), else E_FF; order 2 needs H."""
    B = E.shape[0]
    PF = G[:, :, :3]
    if order < 2:
        return E, PF, None
    if H is None:
        raise SolverError("condensing to order 2 needs the Hessian H, got None")
    HFF = H[:, :, :3, :, :3]
    if relaxed and H is not None and H.shape[2] > 4:
        m = 3 * (H.shape[2] - 4)  # shift components of basis atoms 1 .. nb-1
        HFs = H[:, :, :3, :, 4:].transpose(0, 1, 2, 4, 3).reshape(B, 3, 3, m)
        Hss = H[:, :, 4:, :, 4:].transpose(0, 2, 1, 4, 3).reshape(B, m, m)
        corr = np.einsum("bijm,bmn,bkln->bijkl", HFs, pinv_sym(Hss), HFs, optimize=True)
        HFF = HFF - corr
    return E, PF, HFF
