"""Linear solves of the flexible crack's Newton steps: J d = rhs, with J the Jacobian of the
residual F(z) at z, applied by one-sided differences of F (Knoll & Keyes, J. Comput. Phys.
193, 357 (2004)). The unknowns z are the n node components followed by m extra unknowns
(tip position, K); J = [[A, B], [C, D]] with A the node block. The columns B, D of the
extra unknowns are central differences with a step of 1e-3 of their size (:data:`EXTRA_STEP`).

:func:`augmented_solve` runs GMRES on all of J, right-preconditioned by P = [[M, B], [0, I]]
(M the node preconditioner, B the extra unknowns' columns by differences). For M = A,
J P^-1 = [[I, 0], [C A^-1, D - C A^-1 B]]: an identity block and an m x m block, which GMRES
resolves in about m + 1 iterations; with a rougher M (a graph Laplacian) it needs more. J may
be regular where A is singular, at the folds where the configuration itself snaps (a tip bond
breaks or re-forms). Keller's bordering (GMRES on A alone, then the m x m Schur complement),
used until this was measured against it, needs a regular A: on the BQCF Si crack its GMRES
stopped converging near the upper fold, and on W (100) it took twice the wall time to the same
folds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse.linalg as spla

__all__ = ["EXTRA_STEP", "augmented_solve", "jacobian_product"]

Residual = Callable[[np.ndarray], np.ndarray]
Precondition = Callable[[np.ndarray], np.ndarray]


def jacobian_product(F: Residual, z: np.ndarray, Fz: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """v -> J v by a one-sided difference of F at z (F(z) = ``Fz``), step sqrt(eps) (1 + norm(z))
    along v / norm(v)."""
    h = np.sqrt(np.finfo(float).eps) * (1.0 + np.linalg.norm(z))

    def product(v: np.ndarray) -> np.ndarray:
        vn = float(np.linalg.norm(v))
        return np.zeros(len(z)) if vn == 0 else (F(z + (h / vn) * v) - Fz) * (vn / h)
    return product


#: Relative step of the central differences along the extra unknowns. The tip force is a sum
#: of boundary forces minus the pure field's, which cancel to about 1e-6 when the tip moves
#: at fixed nodes: its round-off (~1e-9 eV/A) swamps a one-sided difference of 1e-7 A.
EXTRA_STEP = 1e-3


def _extra_columns(F: Residual, z: np.ndarray, n: int) -> np.ndarray:
    """J's columns for the extra unknowns z[n:], shape (len(z), m), by central differences
    with steps ``EXTRA_STEP`` max(1, abs(z_j))."""
    cols = []
    for j in range(n, len(z)):
        e = np.zeros(len(z))
        e[j] = EXTRA_STEP * max(1.0, abs(float(z[j])))
        cols.append((F(z + e) - F(z - e)) / (2.0 * e[j]))
    return np.array(cols).reshape(len(z) - n, len(z)).T


def augmented_solve(F: Residual, z: np.ndarray, Fz: np.ndarray, rhs: np.ndarray, eta: float, *, n: int,
                    precondition: Precondition, krylov: int) -> tuple[np.ndarray, int]:
    """Solve J d = rhs by GMRES on all of J, right-preconditioned by [[M, B], [0, I]] (see
    the module docstring).

    Parameters
    ----------
    F, z, Fz : the residual, the point and F(z)
    rhs : ndarray, shape (n + m,)
    eta : float
        Relative tolerance of the solve.
    n : int
        Node components (the leading part of z).
    precondition : callable
        Approximate A^-1 applied to a node vector (n,) -> (n,) or (n / 3, 3).
    krylov : int
        GMRES restart length (three restarts at most).

    Returns
    -------
    d : ndarray, shape (n + m,)
    info : int
        GMRES's info (0: converged).
    """
    m = len(z) - n
    product = jacobian_product(F, z, Fz)
    cols = _extra_columns(F, z, n)
    B = cols[:n]

    def J(v: np.ndarray) -> np.ndarray:  # the extra unknowns by their columns, never by tiny steps
        return product(np.concatenate([v[:n], np.zeros(m)])) + cols @ v[n:]

    def inverse(v: np.ndarray) -> np.ndarray:
        y = v[n:]
        return np.concatenate([np.ravel(precondition(v[:n] - B @ y)), y])

    # right preconditioning by hand (scipy's M preconditions from the left, where the block
    # triangular P does not give the identity block): GMRES on J P^-1, whose residual is J's
    JP = spla.LinearOperator((n + m, n + m), matvec=lambda v: J(inverse(v)), dtype=float)
    x, info = spla.gmres(JP, rhs, rtol=eta, atol=0.0, restart=min(krylov, n + m), maxiter=3)
    return inverse(x), int(info)
