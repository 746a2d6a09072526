r"""FFT solvers of periodic cell problems: the Moulinec–Suquet basic scheme and Fourier–Galerkin CG.

A periodic cell problem asks for the local field ``e`` (the temperature gradient of a
conductivity problem, the small strain of an elasticity problem) whose mean is a given
``E`` and whose flux ``s = L(x) e`` (heat flux ``K e``, stress ``C : e``) is in equilibrium,
``div s = 0``, on a periodic voxel image. Compatible fields (gradients of periodic
potentials plus a constant) are characterised in Fourier space by an orthogonal projection
``G``; with unit wave vector ``n = xi / |xi|`` and ``G(0) = 0``::

    conductivity:  G(t) = n (n . t)
    elasticity:    G(T) = n (x) (T n) + (T n) (x) n - (n . T . n) n (x) n

The second is the Green operator of an isotropic reference medium with lambda0 = 0 and
mu0 = 1/2; both are homogeneous of degree zero in ``xi``. Two schemes solve the problem:

- **basic** (Moulinec & Suquet 1998, CMAME 157, 69): the fixed point
  ``e <- e - G(L e) / c0`` with the reference medium ``c0 I`` midway between the extreme
  eigenvalues of the phases; it contracts with factor (c_max - c_min) / (c_max + c_min),
  so its iteration count grows with the contrast.
- **cg** (Zeman et al. 2010, J. Comput. Phys. 229, 8065; de Geus et al. 2017, CMAME 318,
  412): the linear system ``G(L de) = -G(L E)`` for the fluctuation, symmetric positive on
  the compatible subspace, solved by conjugate gradients; its count grows like the square
  root of the contrast.

Both stop when the equilibrium residual ``||G(s)|| / |<L> E|`` (root mean square over the
voxels) is below ``tol``; ``G(s)`` is the part of the flux that is not divergence-free. Fields
are arrays ``(m, n1, n2[, n3])`` in Mandel notation (see :mod:`.phases`); every operation is
vectorized over the voxels, the FFTs are scipy's real transforms on all cores.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ..errors import CellProblemConvergenceError
from .fft import RealFFT

__all__ = ["CellField", "PhaseLaw", "Projection", "Scheme", "project_gradient", "project_in_slabs", "project_strain",
           "solve_cell", "wave_directions"]

log = logging.getLogger(__name__)

#: A projection onto compatible fields in Fourier space, ``(t, n) -> G(t)``.
Projection = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Fourier coefficients per component projected at once (a slab small enough for the cache).
_SLAB_ELEMENTS = 1 << 15


class Scheme(Enum):
    """Iterative scheme of the FFT cell solver."""

    #: Moulinec–Suquet fixed point with a reference medium.
    BASIC = "basic"
    #: Fourier–Galerkin projection solved by conjugate gradients.
    CG = "cg"


@dataclass(frozen=True)
class CellField:
    """Solution of one cell problem.

    Attributes
    ----------
    field : ndarray, shape (m, n1, n2[, n3])
        Local gradient or strain (Mandel), mean equal to the imposed one.
    mean_flux : ndarray, shape (m,)
        Volume average of the flux or stress (Mandel), in the unit of the phase data.
    iterations : int
        Iterations to convergence.
    residuals : ndarray
        Relative equilibrium residual before the first and after every iteration.
    """

    field: np.ndarray
    mean_flux: np.ndarray
    iterations: int
    residuals: np.ndarray


def wave_directions(shape: tuple[int, ...]) -> np.ndarray:
    """Unit wave vectors ``n`` of a real FFT of a periodic image with cubic voxels.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(n1, n2[, n3])``.

    Returns
    -------
    ndarray, shape (d, n1, ..., n_d // 2 + 1)
        ``xi / |xi|``; zero at the zero frequency. On an axis of even length the Nyquist
        component has no sign; where it pairs with a non-zero component along another axis
        it is taken as zero (keeping -1/2 there breaks the mirror symmetries of the image
        and gives spurious off-diagonal terms), alone it is kept (a laminate needs it).
    """
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    xi = np.stack(np.broadcast_arrays(*np.meshgrid(*freqs, indexing="ij", sparse=True)))
    drop = [(np.abs(xi[i]) == 0.5) & np.any(np.delete(xi, i, axis=0) != 0.0, axis=0) if n % 2 == 0 else None
            for i, n in enumerate(shape)]  # a Nyquist component has no sign: drop it where it pairs with others
    for i, mask in enumerate(drop):
        if mask is not None:
            xi[i][mask] = 0.0
    norm = np.sqrt(np.einsum("i...,i...->...", xi, xi))
    np.divide(xi, norm, out=xi, where=norm > 0)
    return xi


def project_gradient(t: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Compatible (curl-free, zero-mean) part of a vector field in Fourier space, ``n (n . t)``.

    Parameters
    ----------
    t : ndarray, shape (d, ...)
        Fourier coefficients of the field.
    n : ndarray, shape (d, ...)
        Unit wave vectors (:func:`wave_directions`).
    """
    return n * np.einsum("i...,i...->...", n, t)[None]


def project_strain(t: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Compatible (symmetric-gradient, zero-mean) part of a Mandel tensor field in Fourier space.

    ``n (x) (T n) + (T n) (x) n - (n . T . n) n (x) n`` in Mandel form.

    Parameters
    ----------
    t : ndarray, shape (m, ...)
        Fourier coefficients, Mandel components (m = 3 in 2D, 6 in 3D).
    n : ndarray, shape (d, ...)
        Unit wave vectors.
    """
    d = n.shape[0]
    root2 = np.sqrt(2.0)
    if d == 2:
        xx, yy, xy = t[0], t[1], t[2] / root2
        tn: tuple[np.ndarray, ...] = (xx * n[0] + xy * n[1], xy * n[0] + yy * n[1])
    else:
        xx, yy, zz, yz, xz, xy = t[0], t[1], t[2], t[3] / root2, t[4] / root2, t[5] / root2
        tn = (xx * n[0] + xy * n[1] + xz * n[2], xy * n[0] + yy * n[1] + yz * n[2], xz * n[0] + yz * n[1] + zz * n[2])
    ntn = sum(n[k] * tn[k] for k in range(d))
    pairs = ((0, 0), (1, 1), (0, 1)) if d == 2 else ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
    out = np.empty_like(t)
    for c, (i, j) in enumerate(pairs):
        out[c] = n[i] * tn[j] + n[j] * tn[i] - ntn * n[i] * n[j]
        if i != j:
            out[c] *= root2
    return out


class PhaseLaw:
    """The local law ``L(x) e(x)`` of a phase image: phase matrix times field at every voxel.

    Built once per image and reused by every iteration and load case.

    The most frequent phase is applied to the whole field as one matrix product; the voxels
    of every other phase (indices found once, here) are gathered, multiplied and scattered.

    Parameters
    ----------
    phases : ndarray of int, shape (n1, n2[, n3])
    matrices : ndarray, shape (P, m, m)
    """

    def __init__(self, phases: np.ndarray, matrices: np.ndarray):
        self.shape = phases.shape
        self.matrices = matrices
        flat = phases.ravel()
        counts = np.bincount(flat, minlength=len(matrices))
        self.base = int(np.argmax(counts))
        order = np.argsort(flat, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(counts)])
        self.voxels = [(p, order[bounds[p]:bounds[p + 1]].copy()) for p in range(len(matrices))
                       if p != self.base and counts[p]]  # copies: the full ordering is not kept

    def __call__(self, field: np.ndarray) -> np.ndarray:
        """``L e`` for a field of shape ``(m, *shape)``."""
        flat = field.reshape(field.shape[0], -1)
        out = self.matrices[self.base] @ flat
        for p, idx in self.voxels:
            out[:, idx] = self.matrices[p] @ flat[:, idx]
        return out.reshape(field.shape)


def project_in_slabs(spectrum: np.ndarray, n: np.ndarray,
                     projection: Projection) -> np.ndarray:
    """Apply ``projection`` in place, slab by slab along the first spatial axis, so that its
    temporaries stay in cache.

    Parameters
    ----------
    spectrum : ndarray, shape (m, k1, ...)
        Fourier coefficients (overwritten).
    n : ndarray, shape (d, k1, ...)
        Unit wave vectors.
    """
    planes = max(1, _SLAB_ELEMENTS // int(np.prod(spectrum.shape[2:])))
    for start in range(0, spectrum.shape[1], planes):
        part = slice(start, start + planes)
        spectrum[:, part] = projection(spectrum[:, part], n[:, part])
    return spectrum


def solve_cell(phases: np.ndarray, matrices: np.ndarray, mean_field: np.ndarray,
               projection: Projection, *, scheme: Scheme = Scheme.CG,
               tol: float = 1e-8, max_iter: int = 1000, directions: np.ndarray | None = None,
               fft: RealFFT | None = None) -> CellField:
    """Solve one periodic cell problem with imposed mean field.

    Parameters
    ----------
    phases : ndarray of int, shape (n1, n2[, n3])
        Checked phase image (:func:`.phases.check_phases`).
    matrices : ndarray, shape (P, m, m)
        Symmetric positive-definite phase matrices (conductivity tensors, or Mandel
        stiffnesses), any unit.
    mean_field : ndarray, shape (m,)
        Imposed mean gradient or strain (Mandel).
    projection : callable
        :func:`project_gradient` or :func:`project_strain`.
    scheme : Scheme
    tol : float
        Relative equilibrium residual to reach.
    max_iter : int
    directions : ndarray, optional
        Precomputed :func:`wave_directions` of the image (reused across load cases).
    fft : RealFFT, optional
        The transforms of this image shape (planned once, reused across load cases).

    Returns
    -------
    CellField

    Raises
    ------
    CellProblemConvergenceError
        ``max_iter`` reached; the error carries the residual history.
    """
    shape: tuple[int, ...] = tuple(phases.shape)
    axes = tuple(range(1, phases.ndim + 1))
    n = wave_directions(shape) if directions is None else directions
    transform = RealFFT(matrices.shape[1], shape) if fft is None else fft

    def compatible(t: np.ndarray) -> np.ndarray:
        return transform.inverse(project_in_slabs(transform.forward(t), n, projection))

    law = PhaseLaw(phases, matrices)

    mean = np.asarray(mean_field, dtype=float).reshape((-1,) + (1,) * phases.ndim)
    m = matrices.shape[1]
    uniform = np.broadcast_to(mean, (m, *shape))
    flux0 = law(np.ascontiguousarray(uniform))
    scale = float(np.linalg.norm(flux0.mean(axis=axes)))
    if scale == 0.0:
        return CellField(np.zeros_like(flux0), np.zeros(m), 0, np.zeros(1))

    def rms(t: np.ndarray) -> float:
        return float(np.sqrt(np.vdot(t, t) / np.prod(shape))) / scale

    if scheme is Scheme.BASIC:
        eig = np.linalg.eigvalsh(matrices)
        c0 = 0.5 * (eig.min() + eig.max())
        field = np.array(uniform)
        r = compatible(flux0)
        del flux0
        history = [rms(r)]
        while history[-1] > tol and len(history) <= max_iter:
            field -= r / c0
            r = compatible(law(field))
            history.append(rms(r))
    else:
        field = np.zeros_like(flux0)
        r = -compatible(flux0)
        del flux0
        p = r.copy()
        rr = float(np.vdot(r, r))
        history = [rms(r)]
        while history[-1] > tol and len(history) <= max_iter:
            ap = compatible(law(p))
            alpha = rr / float(np.vdot(p, ap))
            field += alpha * p
            r -= alpha * ap
            rr_new = float(np.vdot(r, r))
            history.append(rms(r))
            p *= rr_new / rr
            p += r
            rr = rr_new
        field += uniform
    iterations = len(history) - 1
    if history[-1] > tol:
        raise CellProblemConvergenceError(
            f"the {scheme.value} FFT scheme did not reach the residual {tol:g} in {max_iter} iterations "
            f"(last {history[-1]:.3g}, best {min(history):.3g}); the phase contrast is too high for it: "
            + ("use Scheme.CG" if scheme is Scheme.BASIC else "raise max_iter or tol"), history)
    log.info("cell problem (%s, %s): %d iterations, residual %.3g", scheme.value, "x".join(map(str, shape)),
             iterations, history[-1])
    return CellField(field, law(field).mean(axis=axes), iterations, np.array(history))
