"""The bond table of a periodic cell: every bond from a basis atom to a translate of a basis
atom within a radius, with what Cauchy-Born needs to contract over it."""

from __future__ import annotations

from itertools import product

import numpy as np

from ..errors import StructureError
from ..structures import cell_heights

__all__ = ["MAX_BONDS", "bond_table"]

#: Largest number of (cell image x basis pair) bond candidates a bond search may build.
MAX_BONDS = 5_000_000


def bond_table(cell: np.ndarray, basis: np.ndarray, radius: float, *, halve: bool) -> tuple[np.ndarray, ...]:
    """Ordered bonds (a, c, X) of a periodic cell with 0 < norm(X) < radius.

    Parameters
    ----------
    cell : ndarray, shape (3, 3)
        Cell vectors (rows, Angstrom).
    basis : ndarray, shape (nb, 3)
        Basis positions (Angstrom).
    radius : float
        Angstrom.
    halve : bool
        Keep one bond of each pair X, -X with weight 2 (a simple lattice with pair or EAM
        terms, where both have the same length).

    Returns
    -------
    a, c : ndarray of int
        Basis atoms at the bond's start and end.
    X : ndarray, shape (n, 3)
        Reference bond vectors (Angstrom).
    weight : ndarray
        Bond multiplicity.
    Aw, AAw, Sw : ndarray
        w A with A = (X, e_c - e_a), w A (x) A flattened, and w S_a (the bonds of each atom).

    Raises
    ------
    StructureError
        The cell is so thin that the search would need too many images.
    """
    nbasis = len(basis)
    heights = cell_heights(cell)
    extent = np.max(np.linalg.norm(basis - basis[0], axis=1)) if nbasis > 1 else 0.0
    n = np.ceil((radius + extent) / heights).astype(int)
    if np.prod(2 * n + 1) * nbasis**2 > MAX_BONDS:
        raise StructureError(
            f"the Cauchy-Born cell is too thin for a {radius:g} A bond search (heights "
            f"{np.round(heights, 4).tolist()} A need {np.prod(2 * n + 1)} cell images); use a cell whose "
            "heights are not far below the cutoff"
        )
    R = np.array(list(product(*[range(-k, k + 1) for k in n]))) @ cell
    a_grid, c_grid = np.meshgrid(np.arange(nbasis), np.arange(nbasis), indexing="ij")
    a, c = a_grid.ravel(), c_grid.ravel()
    X = (basis[c] - basis[a])[:, None, :] + R[None, :, :]
    aa = np.repeat(a, len(R))
    cc = np.repeat(c, len(R))
    X = X.reshape(-1, 3)
    d = np.linalg.norm(X, axis=1)
    keep = (d < radius) & (d > 1e-10)
    weight = np.ones(len(X))
    if halve:
        # bonds X and -X have the same length: keep one of each pair with weight 2
        # (first non-zero component positive)
        first = X[np.arange(len(X)), np.argmax(np.abs(X) > 1e-10, axis=1)]
        keep &= first > 0
        weight = 2.0 * weight
    a, c, X, weight = aa[keep], cc[keep], X[keep], weight[keep]
    onehot = np.eye(nbasis)
    A = np.concatenate([X, onehot[c] - onehot[a]], axis=1)  # dx/dy columns
    M = A.shape[1]
    Aw = weight[:, None] * A
    AAw = (Aw[:, :, None] * A[:, None, :]).reshape(len(X), M * M)
    return a, c, X, weight, Aw, AAw, weight * onehot[a].T
