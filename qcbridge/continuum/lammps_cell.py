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
distinct, uncached members with numpy and their LAMMPS boxes are computed at once
(:func:`lammps_frame`); each then costs one call into LAMMPS, a block of input lines
(``change_box``, ``set atom``, ``run 0``, the relaxation, and ``print`` of energy, virial,
forces and positions to full precision into a file read back with numpy), with no Python
round trip per command: 0.2 ms per F for a one-atom MEAM cell, 4x faster than driving each
command from Python.
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
from ase import Atoms

from ..engines.lammps import LammpsEngine
from ..errors import ConvergenceError
from ..potentials import Potential
from .hyperelastic import HyperelasticCrystal, check_stretch

__all__ = ["LammpsCauchyBorn"]

#: Decimals to which F is rounded for the cache key.
KEY_DECIMALS = 12

_Result = tuple[float, np.ndarray, np.ndarray]  # W (eV/A^3), P (3, 3), shifts (nb, 3)


def lammps_frame(cell: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The deformed cells A F^T of a batch F (m, 3, 3) as LAMMPS boxes.

    Parameters
    ----------
    cell : ndarray, shape (3, 3)
        Reference cell A, rows are vectors (Angstrom).
    F : ndarray, shape (m, 3, 3)

    Returns
    -------
    L : ndarray, shape (m, 3, 3)
        Rows: the deformed cell vectors in LAMMPS's frame (lower triangular, positive
        diagonal; Angstrom), L = A F^T Q.
    Q : ndarray, shape (m, 3, 3)
        Proper rotations from the ASE into the LAMMPS frame, for row vectors.
    """
    M = np.einsum("ij,bkj->bik", cell, F)
    Q, R = np.linalg.qr(np.swapaxes(M, 1, 2))  # M^T = Q R, so M Q = R^T is lower triangular
    sign = np.where(np.einsum("bii->bi", R) < 0, -1.0, 1.0)
    Q = Q * sign[:, None, :]
    L = M @ Q
    L[:, 0, 1:] = L[:, 1, 2] = 0.0  # zero to round-off already
    return L, Q


def _change_box(L: np.ndarray) -> str:
    """``change_box`` line for box rows L (3, 3), lower triangular, Angstrom."""
    return (f"change_box all x final 0 {L[0, 0]:.17g} y final 0 {L[1, 1]:.17g} z final 0 {L[2, 2]:.17g} "
            f"xy final {L[1, 0]:.17g} xz final {L[2, 0]:.17g} yz final {L[2, 1]:.17g} units box")


class LammpsCauchyBorn(HyperelasticCrystal):
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
        super().__init__(cell_atoms)
        if not (step > 0 and relax_tol > 0 and cache_size >= 1):
            raise ValueError(f"step, relax_tol and cache_size must be positive, got {step}, {relax_tol}, {cache_size}")
        self.potential = potential
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
        self._engine = LammpsEngine(cell_atoms, potential, min_distance=0.0)
        self._instance = self._engine.instance
        self._instance.command("change_box all triclinic")
        self._nktv2p = float(self._instance.lmp.extract_global("nktv2p"))  # eV/A^3 -> bar
        frac = self.basis @ np.linalg.inv(self.cell)
        self._fractional = frac - np.floor(frac)  # wrapped: F X_a then lies in the deformed box
        self._workdir = tempfile.TemporaryDirectory(prefix="qcbridge-cell-")
        self._output = Path(self._workdir.name) / "results.txt"
        per_atom = [f"$({q}[{k + 1}]:%.17g)" for k in range(self.nbasis) for q in ("fx", "fy", "fz", "x", "y", "z")]
        self._values = " ".join(["$(pe:%.17g)", *(f"$(c_qcb_virial[{i}]:%.17g)" for i in range(1, 7)),
                                 *(per_atom if self.relax else [])])

    # ------------------------------------------------------------ LAMMPS
    def _script(self, L: np.ndarray, X: np.ndarray) -> list[str]:
        """Input lines that evaluate one deformed cell: box rows L (3, 3) and positions X
        (nbasis, 3), LAMMPS frame, Angstrom; the results are appended to the output file."""
        place = [f"set atom {k + 1} x {x:.17g} y {y:.17g} z {z:.17g}" for k, (x, y, z) in enumerate(X)]
        lines = [_change_box(L), *place, "run 0 post no"]
        if self.relax:
            lines += self._minimize
        return [*lines, f'print "{self._values}" append {self._output} screen no']

    def _evaluate(self, F: np.ndarray) -> list[_Result]:
        """W, P and the inner shifts of a batch F (m, 3, 3) from LAMMPS, one input block per F."""
        L, Q = lammps_frame(self.cell, F)
        X = self._fractional @ L  # the basis follows the cell: positions F X_a in LAMMPS's frame
        self._output.unlink(missing_ok=True)
        for b in range(len(F)):
            self._instance.block(self._script(L[b], X[b]))
        out = np.loadtxt(self._output, ndmin=2)
        self.evaluations += len(F)
        volume = np.linalg.det(L)
        t = out[:, 1:7][:, [[0, 3, 4], [3, 1, 5], [4, 5, 2]]] * (volume / self._nktv2p)[:, None, None]  # virial
        virial = np.einsum("bij,bjk,blk->bil", Q, t, Q)  # LAMMPS -> ASE frame
        W = out[:, 0] / self.volume
        P = -np.einsum("bij,bkj->bik", virial, np.linalg.inv(F)) / self.volume
        shifts = np.zeros((len(F), self.nbasis, 3))
        if self.relax:
            per_atom = out[:, 7:].reshape(len(F), self.nbasis, 6)  # fx fy fz x y z, LAMMPS frame
            residual = np.linalg.norm(per_atom[:, :, :3].reshape(len(F), -1), axis=1)
            if (bad := np.flatnonzero(residual > 10.0 * self.relax_tol)).size:
                b = bad[0]
                raise ConvergenceError(
                    f"LAMMPS's relaxation of the basis atoms ended with a residual force of {residual[b]:.3g} eV/A "
                    f"(tolerance {self.relax_tol:g}) at F = {np.round(F[b], 6).tolist()}; the crystal is probably "
                    "unstable there, or relax_tol is below LAMMPS's round-off for this cell"
                )
            d = per_atom[:, :, 3:] - X
            d -= np.einsum("bkj,bjl->bkl", np.round(np.einsum("bkj,bjl->bkl", d, np.linalg.inv(L))), L)  # min. image
            shifts = np.einsum("bkj,bij->bki", d, Q)  # back to the ASE frame
            shifts -= shifts[:, :1]
        return [(float(W[b]), P[b], shifts[b]) for b in range(len(F))]

    def _results(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[_Result]]:
        """W (m,) and P (m, 3, 3) of a flat batch F (m, 3, 3), through the cache; also the
        results of the distinct members."""
        keys = np.round(F.reshape(-1, 9), KEY_DECIMALS) + 0.0  # + 0.0: -0.0 and 0.0 are one key
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        rows = [row.tobytes() for row in distinct]
        missing = [i for i, key in enumerate(rows) if key not in self._cache]
        new = dict(zip(missing, self._evaluate(distinct[missing].reshape(-1, 3, 3)) if missing else [], strict=True))
        found: list[_Result] = []
        for i, key in enumerate(rows):
            if i in new:
                self._cache[key] = new[i]
            else:
                self._cache.move_to_end(key)
            found.append(self._cache[key])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        W = np.array([r[0] for r in found])
        P = np.array([r[1] for r in found]).reshape(-1, 3, 3)
        inverse = inverse.reshape(-1)
        return W[inverse], P[inverse], found

    def cache_clear(self) -> None:
        """Forget every cached result."""
        self._cache.clear()

    # ------------------------------------------------------------ batches
    def _flat(self, F: np.ndarray, order: int, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        check_stretch(F)
        W, P, _ = self._results(F)
        return W, P, self._tangent(F, dim) if order >= 2 else None

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
    def _shifts(self, F: np.ndarray) -> np.ndarray:
        return self._results(F)[2][0][2].copy()

    # ------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Close the LAMMPS instance (idempotent); cached results stay readable."""
        self._engine.close()
        self._workdir.cleanup()

    def __enter__(self) -> LammpsCauchyBorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
