r"""Mori-Zwanzig absorbing boundary of a harmonic chain: the exact memory of the atoms left out.

A chain of masses m and springs k, :math:`m \ddot u_j = k (u_{j+1} - 2 u_j + u_{j-1})`, is cut
after atom N. The atoms j > N, at rest at t = 0 (T = 0), respond linearly to the motion of
atom N; in the Laplace domain :math:`u_{N+1}(s) = \lambda(s) u_N(s)` with
:math:`\lambda + 1/\lambda = 2 + s^2/\omega_0^2`, :math:`|\lambda| < 1`, :math:`\omega_0^2 = k/m`.
Its inverse transform is the displacement kernel (Adelman & Doll 1976; Cai, de Koning, Bulatov
& Yip 2000)

.. math::  u_{N+1}(t) = \int_0^t \theta(t - s)\, u_N(s)\, ds, \qquad
           \theta(t) = \frac{2 J_2(2 \omega_0 t)}{t},

so the force on atom N from the cut-off chain, :math:`k (u_{N+1} - u_N)`, carries the exact
memory of the eliminated atoms; integrated by parts it is the velocity kernel
:math:`k J_1(2\omega_0 t)/(\omega_0 t)` of the chain's free end. :math:`\theta(0) = 0`, so the
trapezoid convolution over the stored history is explicit; it is truncated after
``memory_time`` (the kernel decays as :math:`t^{-3/2}`).

At temperature T the eliminated atoms are not at rest: the boundary adds their free motion,
:math:`u_{N+1}(t) = \int_0^t \theta(t - s) u_N(s) ds + R(t)`, where R is the displacement of
the first eliminated atom of a thermal half-chain clamped at atom N (:class:`ChainBathNoise`).
Drawn from the half-chain's own normal modes, R has exactly the covariance the kernel's
fluctuation-dissipation relation asks for, :math:`\langle R(t) R(0)\rangle = (k_B T/k)
(2/\pi)\int_0^\pi \cos^2(q/2) \cos(2\omega_0 t \sin(q/2))\, dq`.

References: S. A. Adelman and J. D. Doll, J. Chem. Phys. 64, 2375 (1976); W. Cai, M. de Koning,
V. V. Bulatov and S. Yip, Phys. Rev. Lett. 85, 3213 (2000).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import jv

from ..errors import KernelError

__all__ = ["ChainBathNoise", "ChainBoundary", "chain_displacement_kernel"]


def chain_displacement_kernel(t: np.ndarray, omega0: float = 1.0) -> np.ndarray:
    """theta(t) = 2 J_2(2 omega0 t) / t (1/time), with theta(0) = 0.

    Parameters
    ----------
    t : ndarray
        Times >= 0.
    omega0 : float
        sqrt(k / m) of the chain (1/time).
    """
    t = np.asarray(t, dtype=float)
    safe = np.where(t > 0, t, 1.0)
    return np.where(t > 0, 2.0 * jv(2, 2.0 * omega0 * safe) / safe, 0.0)


class ChainBoundary:
    """The displacement of the first eliminated atom, u_{N+1}(t), from the history of u_N.

    Parameters
    ----------
    dt : float
        Time step (time).
    omega0 : float
        sqrt(k / m) (1/time).
    memory_time : float
        Length of history kept (time); the kernel beyond it is dropped.
    width : int
        Number of independent boundaries (e.g. 2 for both ends of a chain).
    noise : ChainBathNoise, optional
        The eliminated atoms' thermal motion, added to every returned displacement (T > 0).
    """

    def __init__(self, dt: float, omega0: float = 1.0, memory_time: float = 100.0, width: int = 1,
                 noise: ChainBathNoise | None = None):
        if not (math.isfinite(dt) and dt > 0 and math.isfinite(memory_time) and memory_time > dt):
            raise KernelError(f"the boundary needs dt > 0 and memory_time > dt, got {dt} and {memory_time}")
        n = int(round(memory_time / dt))
        self.dt = float(dt)
        self.weights = dt * chain_displacement_kernel(dt * np.arange(n + 1), omega0)[::-1]  # oldest first
        self.weights[0] *= 0.5  # trapezoid end (theta(0) = 0 at the other end)
        self.history = np.zeros((n + 1, width))
        self.noise = noise

    def push(self, u_edge: np.ndarray) -> np.ndarray:
        """Record u_N at the new time and return u_{N+1} there, shape (width,)."""
        self.history[:-1] = self.history[1:]
        self.history[-1] = u_edge
        out = self.weights @ self.history
        return out if self.noise is None else out + self.noise()


class ChainBathNoise:
    """Free motion R(t) of the first eliminated atom of a thermal half-chain (the boundary's random part).

    The half-chain of ``modes`` atoms, clamped where the region ends, is drawn from its Gibbs
    distribution at kT and evolved exactly in its normal modes q_n (sin(k_n j) with k_n =
    pi n / (modes + 1), omega_n = 2 omega0 sin(k_n / 2)); R repeats only after the time sound
    needs to cross it twice, 2 ``modes`` / omega0.

    Parameters
    ----------
    kT : float
        Thermal energy (energy; the chain's units).
    spring : float
        Spring constant k (energy / length^2): <R^2> = kT / k.
    dt : float
        Time step (time).
    omega0 : float
        sqrt(k / m) (1/time).
    width : int
        Independent boundaries.
    modes : int
        Atoms of the thermal half-chain.
    rng : numpy.random.Generator or int
        Random source or seed.
    """

    def __init__(self, kT: float, dt: float, *, spring: float = 1.0, omega0: float = 1.0, width: int = 1,
                 modes: int = 4096, rng: np.random.Generator | int | None = None):
        if not (math.isfinite(kT) and kT >= 0 and spring > 0 and dt > 0 and modes >= 16):
            raise KernelError(f"the bath noise needs kT >= 0, spring > 0, dt > 0 and modes >= 16, got "
                              f"{kT}, {spring}, {dt}, {modes}")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        k = np.pi * np.arange(1, modes + 1) / (modes + 1)
        omega = 2.0 * omega0 * np.sin(k / 2)
        shape = math.sqrt(2.0 / (modes + 1)) * np.sin(k)  # mode shape at the first eliminated atom
        sigma = math.sqrt(kT / spring) * omega0 / omega  # q_n and qdot_n / omega_n, each N(0, kT / (m omega_n^2))
        self._z = shape[:, None] * sigma[:, None] * (gen.standard_normal((modes, width))
                                                     - 1j * gen.standard_normal((modes, width)))
        self._turn = np.exp(1j * omega * dt)[:, None]

    def __call__(self) -> np.ndarray:
        """R at the current time, shape (width,); then advance by dt."""
        out = self._z.real.sum(axis=0)
        self._z *= self._turn
        return out
