r"""Mori-Zwanzig absorbing boundary of a crystal: the matrix memory kernel of an eliminated harmonic bath.

The atoms outside an atomistic region (the bath, B) are harmonic: :math:`M \ddot u_B = -K_{BB} u_B
- K_{BI} u_I`, driven by the displacements u_I of the region's atoms within reach of the bath
(the interface, I). Eliminated exactly, the bath turns into a memory: the displacements of the
bath atoms the region's forces see (the ghosts, G) are a convolution of the interface's history,

.. math::  u_G^n = \sum_{k=1}^{L} \Theta_k\, u_I^{n-k},

(Adelman & Doll 1976; Cai, de Koning, Bulatov & Yip 2000; Wagner & Liu 2003 for the lattice form).
Here the kernel is that of the *time-discrete* bath: :math:`\Theta_k` is the displacement of the
ghosts k Stormer-Verlet steps after a unit displacement of one interface degree of freedom, the
bath at rest, computed by running the sparse bath (:func:`bath_response`). An atomistic region
integrated by velocity Verlet with the same step and these ghosts moves exactly as the whole
harmonic crystal would, up to the truncation of the kernel after L steps (time) and the finite
bath used to compute it (space). The region's own forces may stay anharmonic (LAMMPS).

A boundary that repeats along one periodic direction (n_cells copies of a cell of interface and
ghost degrees of freedom) has a block-circulant kernel; :class:`PeriodicLatticeBoundary` stores
one block column and convolves in Fourier space along the repeat, so its cost per step is
L x n_cells x (ghost dofs per cell) x (interface dofs per cell), not its square.

At temperature T the bath is not at rest: the ghosts move by the bath's own free motion as
well, u_G^n = sum_k Theta_k u_I^{n-k} + R^n. :class:`LatticeBathNoise` draws the bath (with the
interface held) from its Gibbs distribution at kT and moves it in its normal modes at the
time-discrete Verlet frequencies, so R has exactly the covariance of the bath whose response
is Theta: the fluctuation-dissipation pair of the same eliminated atoms.

References: S. A. Adelman and J. D. Doll, J. Chem. Phys. 64, 2375 (1976); W. Cai, M. de Koning,
V. V. Bulatov and S. Yip, Phys. Rev. Lett. 85, 3213 (2000); G. J. Wagner and W. K. Liu,
J. Comput. Phys. 190, 249 (2003).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

from ..errors import KernelError

__all__ = ["LatticeBathNoise", "PeriodicLatticeBoundary", "bath_response"]


def bath_response(k_bb: sp.spmatrix, k_bi: sp.spmatrix | np.ndarray, inv_mass: np.ndarray, dt: float,
                  steps: int, rows: np.ndarray) -> np.ndarray:
    """Discrete impulse response Theta_k (k = 1 .. steps) of a harmonic bath under Stormer-Verlet.

    Parameters
    ----------
    k_bb : sparse (nb, nb)
        Bath stiffness (energy / length^2).
    k_bi : sparse or ndarray (nb, ni)
        Coupling of the bath to the interface degrees of freedom whose responses are wanted.
    inv_mass : ndarray (nb,)
        1 / mass of every bath degree of freedom (1 / mass).
    dt : float
        Time step (time; the units of mass, energy and length must make
        ``dt**2 * inv_mass * k`` dimensionless, e.g. ASE units).
    steps : int
        Kernel length L.
    rows : ndarray of int
        Bath degrees of freedom to record (the ghosts).

    Returns
    -------
    ndarray (steps, len(rows), ni)
        Theta_k for k = 1 .. steps (length / length).
    """
    if not (np.isfinite(dt) and dt > 0) or steps < 1:
        raise KernelError(f"the bath response needs dt > 0 and steps >= 1, got {dt} and {steps}")
    k_bi = sp.csr_matrix(k_bi).toarray() if sp.issparse(k_bi) else np.asarray(k_bi, dtype=float)
    inv_mass = np.asarray(inv_mass, dtype=float)
    root = np.sqrt(inv_mass)
    top = float(eigsh(sp.diags(root) @ sp.csr_matrix(k_bb) @ sp.diags(root), k=1, which="LA",
                      return_eigenvectors=False, tol=1e-6)[0])
    if dt * dt * top >= 4.0:
        raise KernelError(f"dt = {dt:g} is beyond the bath's Verlet stability limit 2/omega_max = "
                          f"{2.0 / np.sqrt(top):.4g} (omega_max = {np.sqrt(top):.4g} per time unit)")
    scale = (dt * dt) * inv_mass[:, None]
    out = np.empty((steps, len(rows), k_bi.shape[1]))
    prev = np.zeros_like(k_bi)
    x = -scale * k_bi  # one step after the unit displacement, the bath at rest before it
    for k in range(steps):
        out[k] = x[rows]
        x, prev = 2.0 * x - prev - scale * (k_bb @ x), x
    return out


class PeriodicLatticeBoundary:
    """Ghost displacements from the interface's history, for a boundary repeated along a periodic direction.

    Parameters
    ----------
    theta : ndarray (L, n_cells, n_ghost, n_interface)
        ``theta[k - 1, j]``: response of the ghosts of cell j, k steps after a unit displacement
        of each interface degree of freedom of cell 0 (from :func:`bath_response`).
    noise : LatticeBathNoise, optional
        The bath's thermal motion at the ghosts (T > 0), rows ordered as theta's (cell, ghost).

    Notes
    -----
    Call :meth:`push` once per step with the interface displacements of that step, shape
    (n_cells, n_interface); it returns the ghost displacements of the next step, shape
    (n_cells, n_ghost). The first call is the initial state: velocity Verlet starts the bath
    with half the first Stormer step, so it is recorded with weight 1/2.
    """

    def __init__(self, theta: np.ndarray, noise: LatticeBathNoise | None = None):
        theta = np.asarray(theta, dtype=float)
        if theta.ndim != 4 or not np.isfinite(theta).all():
            raise KernelError("theta must be a finite (L, n_cells, n_ghost, n_interface) array, "
                              f"got shape {theta.shape}")
        self.n_cells = theta.shape[1]
        self.n_interface = theta.shape[3]
        spectra = np.fft.rfft(theta, axis=1)  # (L, nq, ng, ni); newest history first
        n_lags, nq, ng, ni = spectra.shape
        self.spectra = np.ascontiguousarray(spectra.transpose(1, 2, 0, 3).reshape(nq, ng, n_lags * ni))
        self.history = np.zeros((nq, n_lags, ni), dtype=complex)
        self._started = False
        self.noise = noise

    def push(self, u_interface: np.ndarray) -> np.ndarray:
        """Record this step's interface displacements; return the ghosts' for the next step."""
        u = np.asarray(u_interface, dtype=float)
        if u.shape != (self.n_cells, self.n_interface):
            raise KernelError(f"interface displacements must have shape {(self.n_cells, self.n_interface)}, "
                              f"got {u.shape}")
        weight = 1.0 if self._started else 0.5
        self._started = True
        self.history[:, 1:] = self.history[:, :-1]
        self.history[:, 0] = weight * np.fft.rfft(u, axis=0)
        nq = self.history.shape[0]
        ghosts = np.matmul(self.spectra, self.history.reshape(nq, -1, 1))[:, :, 0]  # (nq, ng)
        out = np.fft.irfft(ghosts, n=self.n_cells, axis=0)
        return out if self.noise is None else out + self.noise().reshape(out.shape)


class LatticeBathNoise:
    """Free thermal motion of a harmonic bath at some of its degrees of freedom (the ghosts).

    The bath, its interface held at rest, is drawn from its Gibbs distribution at kT and moved
    exactly in its normal modes, at the frequencies of the Stormer-Verlet recursion
    (cos(w dt) = 1 - (omega dt)^2 / 2) that :func:`bath_response` runs, so the random
    displacements and the kernel belong to the same bath.

    Parameters
    ----------
    k_bb : sparse (nb, nb)
        Bath stiffness (energy / length^2).
    inv_mass : ndarray (nb,)
        1 / mass per degree of freedom.
    rows : ndarray of int
        Bath degrees of freedom returned (the ghosts, in the kernel's order).
    kT : float
        Thermal energy (energy).
    dt : float
        Time step (time; units as for :func:`bath_response`).
    rng : numpy.random.Generator or int
        Random source or seed.
    max_dofs : int
        Largest bath diagonalised (dense eigenproblem); a larger one raises KernelError.
    coherence_time : float, optional
        Each mode's phase diffuses so that the covariance is multiplied by exp(-abs(t) / tau)
        (time); window the kernel by the same exp(-t / tau) to keep the two a
        fluctuation-dissipation pair. A finite bath's noise keeps its echoes, which a truncated
        kernel lacks; without the window the pair drifts apart and the region heats up.
    """

    def __init__(self, k_bb: sp.spmatrix, inv_mass: np.ndarray, rows: np.ndarray, kT: float, dt: float, *,
                 rng: np.random.Generator | int | None = None, max_dofs: int = 8000,
                 coherence_time: float | None = None):
        n = k_bb.shape[0]
        if n > max_dofs:
            raise KernelError(f"the bath has {n} degrees of freedom, more than max_dofs = {max_dofs} that its "
                              "thermal modes are diagonalised for; use a narrower bath (a shorter memory)")
        if not (np.isfinite(kT) and kT >= 0 and np.isfinite(dt) and dt > 0):
            raise KernelError(f"the bath noise needs kT >= 0 and dt > 0, got {kT} and {dt}")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        root = np.sqrt(np.asarray(inv_mass, dtype=float))
        dynamical = (sp.diags(root) @ sp.csr_matrix(k_bb) @ sp.diags(root)).toarray()
        w2, modes = np.linalg.eigh(dynamical)
        if w2.min() <= 0 or dt * dt * w2.max() >= 4.0:
            raise KernelError("the bath is not stable: a mode with omega^2 <= 0 (an unpinned bath) or beyond the "
                              f"Verlet limit at dt = {dt:g}")
        omega = np.sqrt(w2)
        discrete = np.arccos(1.0 - 0.5 * dt * dt * w2) / dt
        amplitude = np.sqrt(kT) / omega  # mass-weighted q_n and qdot_n / omega_n, each N(0, kT / omega_n^2)
        z = amplitude * (gen.standard_normal(n) - 1j * gen.standard_normal(n))
        self._shapes = root[rows, None] * modes[rows] * z[None, :]  # (rows, modes), displacement per mode
        self._phase = np.ones(n, dtype=complex)
        self._turn = np.exp(1j * discrete * dt)
        self._rng = gen
        self._kick = 0.0 if coherence_time is None else float(np.sqrt(2.0 * dt / coherence_time))

    def __call__(self) -> np.ndarray:
        """The ghosts' thermal displacement now (length), shape (len(rows),); then advance by dt."""
        out = (self._shapes @ self._phase).real
        self._phase *= self._turn
        if self._kick:  # phase diffusion: <e^{i(phi(t) - phi(0))}> = exp(-t / tau)
            self._phase *= np.exp(1j * self._kick * self._rng.standard_normal(self._phase.shape))
        return out
