"""Random periodic microstructures on voxel grids: inclusions, cell mosaics, Voronoi polycrystals.

Every generator takes a ``numpy.random.Generator`` (or a seed) and returns a phase image of
``intp`` labels with periodic geometry: an inclusion or a grain that crosses the cell's
boundary continues on the opposite side. Lengths are in voxels.

- :func:`boolean_inclusions`: the Boolean model, overlapping spheres (discs in 2D) of one
  radius with Poisson-distributed centres, intensity chosen for an expected volume fraction
  ``f = 1 - exp(-lambda V_sphere)`` (phase 1 inside).
- :func:`random_mosaic`: independent cubic cells of side ``a`` (a random checkerboard),
  phase 1 with probability ``p``; its volume-fraction variance over a cell of volume ``V`` is
  exactly ``p (1 - p) a^d / V``, integral range ``a^d``.
- :func:`voronoi_grains`: a periodic Voronoi tessellation of uniform random seeds, one label
  per grain; :func:`random_orientations` and :func:`fiber_orientations` give the grains'
  crystal orientations and :func:`grain_stiffness` their rotated stiffness.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from ..errors import HomogenizationError
from ..tensors import rotate_tensor4, stiffness_to_voigt, voigt_to_stiffness

__all__ = ["boolean_inclusions", "fiber_orientations", "grain_stiffness", "random_mosaic", "random_orientations",
           "voronoi_grains"]

#: Voigt components kept by a 2D plane-strain stiffness: xx yy xy.
PLANE_STRAIN = [0, 1, 5]


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _shape(size: int, dim: int) -> tuple[int, ...]:
    if dim not in (2, 3) or size < 2:
        raise HomogenizationError(f"a microstructure needs dim 2 or 3 and at least 2 voxels per side, got "
                                  f"dim={dim}, size={size}")
    return (size,) * dim


def _nearest(size: int, dim: int, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Periodic distance (voxels) from every voxel centre to the nearest point, and its index."""
    centres = np.indices(_shape(size, dim)).reshape(dim, -1).T + 0.5
    tree = cKDTree(np.mod(points, size), boxsize=size)
    distance, index = tree.query(centres)
    return distance.reshape((size,) * dim), index.reshape((size,) * dim)


def boolean_inclusions(size: int, dim: int, radius: float, volume_fraction: float,
                       seed: int | np.random.Generator) -> np.ndarray:
    """Overlapping spherical (circular) inclusions with Poisson centres, phase 1 inside.

    Parameters
    ----------
    size : int
        Voxels per side.
    dim : int
        2 or 3.
    radius : float
        Inclusion radius, voxels.
    volume_fraction : float
        Expected volume fraction of the inclusions, in (0, 1).
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray of intp, shape (size,) * dim
    """
    if not 0.0 < volume_fraction < 1.0 or radius <= 0:
        raise HomogenizationError(f"need 0 < volume_fraction < 1 and radius > 0, got {volume_fraction}, {radius}")
    rng = _rng(seed)
    ball = np.pi * radius**2 if dim == 2 else 4.0 / 3.0 * np.pi * radius**3
    intensity = -np.log1p(-volume_fraction) / ball
    count = rng.poisson(intensity * float(size) ** dim)
    if count == 0:
        return np.zeros(_shape(size, dim), dtype=np.intp)
    distance, _ = _nearest(size, dim, rng.uniform(0.0, size, (count, dim)))
    return (distance < radius).astype(np.intp)


def random_mosaic(size: int, dim: int, cell: int, p: float, seed: int | np.random.Generator) -> np.ndarray:
    """Random checkerboard: cubic cells of ``cell`` voxels, each phase 1 with probability ``p``.

    Parameters
    ----------
    size : int
        Voxels per side, a multiple of ``cell``.
    dim : int
        2 or 3.
    cell : int
        Side of a mosaic cell, voxels.
    p : float
        Probability of phase 1.
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray of intp, shape (size,) * dim
    """
    if cell < 1 or size % cell or not 0.0 <= p <= 1.0:
        raise HomogenizationError(f"the mosaic needs size a multiple of cell and 0 <= p <= 1, got size={size}, "
                                  f"cell={cell}, p={p}")
    coarse = (_rng(seed).random((size // cell,) * dim) < p).astype(np.intp)
    for axis in range(dim):
        coarse = np.repeat(coarse, cell, axis=axis)
    return coarse


def voronoi_grains(size: int, dim: int, grains: int, seed: int | np.random.Generator) -> np.ndarray:
    """Periodic Voronoi polycrystal: label ``g`` on the voxels nearest to seed ``g``.

    Parameters
    ----------
    size : int
        Voxels per side.
    dim : int
        2 or 3.
    grains : int
        Number of grains (seeds, uniform in the cell).
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray of intp, shape (size,) * dim
        Grain labels 0 .. grains - 1 (a grain smaller than a voxel may hold none).
    """
    if grains < 1:
        raise HomogenizationError(f"a polycrystal needs at least one grain, got {grains}")
    _, index = _nearest(size, dim, _rng(seed).uniform(0.0, size, (grains, dim)))
    return index.astype(np.intp)


def random_orientations(count: int, seed: int | np.random.Generator) -> np.ndarray:
    """Uniformly random crystal orientations (no texture), rotation matrices ``(count, 3, 3)``."""
    return Rotation.random(count, random_state=_rng(seed)).as_matrix()


def fiber_orientations(count: int, axis: np.ndarray, spread_deg: float,
                       seed: int | np.random.Generator) -> np.ndarray:
    """Fibre texture: crystal [001] along ``axis`` (sample frame) within a Gaussian spread.

    Each grain is rotated about [001] by a uniform angle, then [001] is turned onto ``axis``,
    then tilted by a rotation vector with normal components of standard deviation
    ``spread_deg`` perpendicular to the fibre.

    Parameters
    ----------
    count : int
    axis : ndarray, shape (3,)
        Fibre axis in the sample frame.
    spread_deg : float
        Standard deviation of the tilt, degrees.
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (count, 3, 3)
    """
    rng = _rng(seed)
    axis = np.asarray(axis, dtype=float)
    axis = axis / np.linalg.norm(axis)
    spin = Rotation.from_rotvec(np.outer(rng.uniform(0, 2 * np.pi, count), [0.0, 0.0, 1.0]))
    align, _ = Rotation.align_vectors([axis], [[0.0, 0.0, 1.0]])
    tilt = rng.normal(0.0, np.radians(spread_deg), (count, 3))
    tilt -= np.outer(tilt @ axis, axis)  # perpendicular to the fibre
    return (Rotation.from_rotvec(tilt) * align * spin).as_matrix()


def grain_stiffness(crystal: np.ndarray, rotations: np.ndarray, dim: int = 3) -> np.ndarray:
    """Voigt stiffness of every grain: the crystal's stiffness rotated into the sample frame.

    Parameters
    ----------
    crystal : ndarray, shape (6, 6)
        Voigt stiffness in the crystal axes (any unit).
    rotations : ndarray, shape (G, 3, 3)
        Crystal-to-sample rotations (:func:`random_orientations`).
    dim : int
        3, or 2 for the plane-strain 3x3 blocks (xx yy xy) of a 2D polycrystal.

    Returns
    -------
    ndarray, shape (G, 6, 6) or (G, 3, 3)
    """
    rotated = stiffness_to_voigt(rotate_tensor4(voigt_to_stiffness(crystal), rotations))
    return rotated if dim == 3 else rotated[:, PLANE_STRAIN][:, :, PLANE_STRAIN]
