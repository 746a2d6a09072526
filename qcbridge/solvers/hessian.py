"""Sparse Hessian of a short-ranged force field by finite differences of coloured moves.

The force on a site depends only on the sites within the potential's reach r (2 cutoffs for
EAM and three-body potentials), so the Hessian H_ij = -df_i/dx_j is zero beyond r. Sites
further apart than 2 r can move together in one finite difference: every site i then feels
at most one moved site j within r, and the change of f_i is that column's entry
(Curtis, Powell & Reid, IMA J. Appl. Math. 13, 117 (1974); Coleman & Moré, SIAM J. Numer.
Anal. 20, 187 (1983)). The colours come from a grid: cells of size 2r / (p - 1) in the plane,
coloured by (cell x mod p, cell y mod p, rank of the site within its cell), so sites of one
colour are at least 2r apart. A slab one period thick along z is coloured by its in-plane
positions (its periodic images along z are the site itself). One Hessian costs 3 x colours
force evaluations.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ..errors import SolverError

__all__ = ["colour_sites", "coloured_hessian"]


def colour_sites(positions: np.ndarray, separation: float, *, period: int = 4) -> np.ndarray:
    """Colours (int, (n,)) such that two sites of one colour are at least ``separation`` (A)
    apart in the xy plane.

    Parameters
    ----------
    positions : ndarray, shape (n, 2) or (n, 3)
        Only x and y are used (A).
    separation : float
        Smallest in-plane distance between two sites of one colour (A).
    period : int
        Cells per colour period along x and y (p - 1 >= 1); more gives smaller cells and
        fewer sites per cell.
    """
    if not (np.isfinite(separation) and separation > 0):
        raise SolverError(f"the colouring's separation must be a positive distance in A, got {separation}")
    xy = np.asarray(positions, dtype=float)[:, :2]
    width = separation / period
    cell = np.floor((xy - xy.min(axis=0)) / width).astype(np.int64)
    key = cell[:, 0] * (cell[:, 1].max() + 1) + cell[:, 1]
    order = np.argsort(key, kind="stable")
    first = np.searchsorted(key[order], key[order])
    rank = np.empty(len(xy), dtype=np.int64)
    rank[order] = np.arange(len(xy)) - first
    block = (cell[:, 0] % (period + 1)) * (period + 1) + cell[:, 1] % (period + 1)
    return rank * (period + 1) ** 2 + block


def coloured_hessian(forces: Callable[[np.ndarray], np.ndarray], u: np.ndarray, positions: np.ndarray,
                     moving: np.ndarray, reach: float, *, step: float = 1e-4) -> sp.csr_matrix:
    """Hessian block -df_i/du_j (eV/A^2) over the ``moving`` sites, by one-sided differences of
    coloured moves.

    Parameters
    ----------
    forces : callable
        ``forces(u)`` -> forces (eV/A) on every site, shape (n, 3), at displacements u (n, 3).
    u : ndarray, shape (n, 3)
        Displacements (A) at which to take the Hessian.
    positions : ndarray, shape (n, 3)
        Positions (A) that decide which sites interact (reference or current).
    moving : ndarray of bool, shape (n,)
        The sites whose rows and columns are wanted (the free ones).
    reach : float
        Distance (A) beyond which a site's move does not change another's force (2 cutoffs for
        EAM and three-body potentials; a little more where sites move towards each other).
    step : float
        Finite-difference move (A).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (3 m, 3 m)
        m = moving.sum(); rows and columns in the order of the moving sites, (site, x y z);
        symmetrized.
    """
    u = np.asarray(u, dtype=float)
    X = np.asarray(positions, dtype=float)
    moving = np.asarray(moving, dtype=bool)
    index = np.full(len(X), -1)
    index[moving] = np.arange(int(moving.sum()))
    colour = colour_sites(X[moving], 2.0 * reach)
    columns = np.flatnonzero(moving)
    pairs = cKDTree(X[moving, :2]).query_pairs(reach, output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(len(columns))])  # rows (moving order)
    j = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(len(columns))])  # their moved neighbour
    f0 = np.asarray(forces(u), dtype=float)
    rows, cols, vals = [], [], []
    for c in range(int(colour.max()) + 1):
        mine = colour[j] == c
        if not mine.any():
            continue
        moved = columns[colour == c]
        for d in range(3):
            trial = u.copy()
            trial[moved, d] += step
            df = (np.asarray(forces(trial), dtype=float) - f0)[columns[i[mine]]]  # (pairs, 3)
            rows.append(3 * i[mine][:, None] + np.arange(3))
            cols.append(np.broadcast_to(3 * j[mine][:, None] + d, df.shape))
            vals.append(-df / step)
    m = 3 * len(columns)
    H = sp.coo_matrix((np.concatenate(vals).ravel(), (np.concatenate(rows).ravel(), np.concatenate(cols).ravel())),
                      shape=(m, m)).tocsr()
    if not np.all(np.isfinite(H.data)):
        raise SolverError("the finite-difference Hessian is not finite: the forces left the potential's range")
    return (0.5 * (H + H.T)).tocsr()
