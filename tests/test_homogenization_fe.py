"""The periodic finite-element cell solver against closed forms: laminates (exact, the layered
solution is piecewise linear and lies in the Q1 space), homogeneous cells, the Rayleigh formula
for a square array of discs, bounds and symmetries, and its input errors."""

import numpy as np
import pytest

from qcbridge.errors import HomogenizationError, PhaseDataError, PhaseMapError
from qcbridge.homogenization.fe import fe_effective_conductivity, fe_effective_stiffness
from qcbridge.homogenization.phases import MANDEL_PAIRS
from qcbridge.tensors import stiffness_to_voigt, voigt_to_stiffness

# --- phase data -------------------------------------------------------------------------------------------------


def _cubic_rotated_z(c11: float, c12: float, c44: float, degrees: float) -> np.ndarray:
    """6x6 Voigt stiffness of a cubic crystal rotated about z."""
    c = np.zeros((6, 6))
    c[:3, :3] = c12
    c[np.arange(3), np.arange(3)] = c11
    c[np.arange(3, 6), np.arange(3, 6)] = c44
    t = np.radians(degrees)
    r = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
    tensor = np.einsum("ia,jb,kc,ld,abcd->ijkl", r, r, r, r, voigt_to_stiffness(c))
    return stiffness_to_voigt(tensor)


def _isotropic(young: float, poisson: float) -> np.ndarray:
    lam = young * poisson / ((1 + poisson) * (1 - 2 * poisson))
    mu = young / (2 * (1 + poisson))
    c = np.zeros((6, 6))
    c[:3, :3] = lam
    c[np.arange(3), np.arange(3)] = lam + 2 * mu
    c[np.arange(3, 6), np.arange(3, 6)] = mu
    return c


def _plane_strain(c: np.ndarray) -> np.ndarray:
    return c[np.ix_([0, 1, 5], [0, 1, 5])]


CU_30 = _cubic_rotated_z(168.4, 121.4, 75.4, 30.0)  # copper, GPa, rotated 30 degrees about z
STEEL = _isotropic(210.0, 0.3)
SOFT = _isotropic(3.0, 0.4)
K_ANISO_2D = np.array([[3.0, 1.2], [1.2, 2.0]])
K_ANISO_3D = np.array([[3.0, 1.2, -0.4], [1.2, 2.0, 0.3], [-0.4, 0.3, 1.5]])

# --- closed form of a laminate ----------------------------------------------------------------------------------


def _laminate(tensors: list[np.ndarray], fractions: list[float], continuous_flux: list[int]) -> np.ndarray:
    """Exact effective tensor of a laminate (Voigt form, engineering shears, or a conductivity).

    ``continuous_flux`` indexes the components continuous across the layer planes in the flux
    (traction: the stress components with the normal index; the normal flux); the others are
    continuous in the gradient (the in-plane strains; the tangential gradient). Per layer
    ``e_N = C_NN^-1 (s_N - C_NT e_T)``; averaging over the layers gives
    ``C*_NN = A^-1``, ``C*_NT = A^-1 B``, ``C*_TT = <C_TT - C_TN C_NN^-1 C_NT> + B^T A^-1 B``
    with ``A = <C_NN^-1>``, ``B = <C_NN^-1 C_NT>``.
    """
    m = tensors[0].shape[0]
    n = np.array(continuous_flux)
    t = np.array([i for i in range(m) if i not in continuous_flux])
    a = sum(f * np.linalg.inv(c[np.ix_(n, n)]) for c, f in zip(tensors, fractions, strict=True))
    b = sum(f * np.linalg.solve(c[np.ix_(n, n)], c[np.ix_(n, t)]) for c, f in zip(tensors, fractions, strict=True))
    s = sum(f * (c[np.ix_(t, t)] - c[np.ix_(t, n)] @ np.linalg.solve(c[np.ix_(n, n)], c[np.ix_(n, t)]))
            for c, f in zip(tensors, fractions, strict=True))
    a_inv = np.linalg.inv(a)
    out = np.empty((m, m))
    out[np.ix_(n, n)] = a_inv
    out[np.ix_(n, t)] = a_inv @ b
    out[np.ix_(t, n)] = (a_inv @ b).T
    out[np.ix_(t, t)] = s + b.T @ a_inv @ b
    return out


def _layers(shape: tuple[int, ...], axis: int, thicknesses: list[int]) -> tuple[np.ndarray, list[float]]:
    """Image of layers normal to ``axis``, phase p over ``thicknesses[p]`` voxels; and the fractions."""
    assert sum(thicknesses) == shape[axis]
    labels = np.repeat(np.arange(len(thicknesses)), thicknesses)
    image = np.moveaxis(np.broadcast_to(labels, shape[:axis] + shape[axis + 1:] + (shape[axis],)), -1, axis)
    return np.ascontiguousarray(image), [h / shape[axis] for h in thicknesses]


def _traction_components(dim: int, axis: int) -> list[int]:
    return [k for k, pair in enumerate(MANDEL_PAIRS[dim]) if axis in pair]


# --- laminates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(10, 3), (10, 3, 3)])
def test_isotropic_laminate_conductivity_is_harmonic_across_and_arithmetic_along(shape):
    image, (f0, f1) = _layers(shape, 0, [7, 3])
    k0, k1 = 1.0, 25.0
    k = fe_effective_conductivity(image, [k0, k1])
    expected = np.diag([1.0 / (f0 / k0 + f1 / k1)] + [f0 * k0 + f1 * k1] * (len(shape) - 1))
    np.testing.assert_allclose(k, expected, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_anisotropic_laminate_conductivity_is_exact(axis):
    shape = [3, 3, 3]
    shape[axis] = 9
    image, fractions = _layers(tuple(shape), axis, [2, 4, 3])
    phases = [K_ANISO_3D, 0.7, np.diag([5.0, 0.5, 2.0])]
    tensors = [np.asarray(k) * np.eye(3) if np.ndim(k) == 0 else np.asarray(k) for k in phases]
    k = fe_effective_conductivity(image, phases)
    np.testing.assert_allclose(k, _laminate(tensors, fractions, [axis]), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("axis", [0, 1])
def test_plane_strain_laminate_of_a_rotated_cubic_crystal_and_an_isotropic_phase_is_exact(axis):
    shape = [4, 4]
    shape[axis] = 10
    image, fractions = _layers(tuple(shape), axis, [6, 4])
    tensors = [_plane_strain(CU_30), _plane_strain(STEEL)]
    c = fe_effective_stiffness(image, tensors)
    expected = _laminate(tensors, fractions, _traction_components(2, axis))
    np.testing.assert_allclose(c, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    assert abs(c[0, 2]) > 1.0  # the rotated crystal couples shear and normal strains: the check is not trivial


@pytest.mark.parametrize("axis", [0, 2])
def test_3d_laminate_of_three_phases_is_exact(axis):
    shape = [3, 3, 3]
    shape[axis] = 8
    image, fractions = _layers(tuple(shape), axis, [3, 2, 3])
    tensors = [CU_30, SOFT, STEEL]
    c = fe_effective_stiffness(image, tensors)
    expected = _laminate(tensors, fractions, _traction_components(3, axis))
    np.testing.assert_allclose(c, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())


# --- homogeneous cells ------------------------------------------------------------------------------------------


def test_a_homogeneous_cell_returns_the_phase_tensor():
    np.testing.assert_allclose(fe_effective_conductivity(np.zeros((5, 4), int), [K_ANISO_2D]), K_ANISO_2D,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fe_effective_conductivity(np.ones((3, 4, 5), int), [1.0, K_ANISO_3D]), K_ANISO_3D,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fe_effective_stiffness(np.zeros((4, 6), int), [_plane_strain(CU_30)]),
                               _plane_strain(CU_30), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(fe_effective_stiffness(np.zeros((3, 3, 4), int), [CU_30]), CU_30,
                               rtol=1e-12, atol=1e-10)


# --- a square array of discs: Rayleigh's formula ----------------------------------------------------------------


def _disc(n: int, radius: float) -> np.ndarray:
    x = (np.arange(n) + 0.5) / n - 0.5
    return (x[:, None] ** 2 + x[None, :] ** 2 < radius**2).astype(int)


def test_square_array_of_discs_converges_to_rayleigh():
    s1, s2 = 1.0, 10.0
    b = (s2 - s1) / (s2 + s1)
    errors = []
    for n in (16, 32, 64):
        image = _disc(n, 0.2)
        f = image.mean()  # the voxel fraction, not pi r^2
        rayleigh = s1 * (1 + 2 * b * f / (1 - b * f - 0.3058 * b**2 * f**4))
        k = fe_effective_conductivity(image, [s1, s2])
        assert abs(k[0, 1]) < 1e-12 and k[0, 0] == pytest.approx(k[1, 1], rel=1e-12)  # square symmetry
        errors.append(abs(k[0, 0] / rayleigh - 1))
    # measured 1.17 %, 0.74 %, 0.44 %: the staircase boundary converges at first order
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.006


def test_checkerboard_conductivity_decreases_to_the_keller_dykhne_value():
    # a 2D two-phase checkerboard has sigma* = sqrt(s1 s2) exactly; conforming elements bound it from above and
    # refining the image refines the (nested) element space, so the estimate decreases; the corner
    # singularities make the convergence slow (measured: +30 %, +16 %, +8.9 %, +5.1 %, +2.9 %)
    s1, s2 = 1.0, 10.0
    previous = np.inf
    for r in (2, 4, 8, 16, 32):
        k = fe_effective_conductivity(np.kron([[0, 1], [1, 0]], np.ones((r, r), int)), [s1, s2])
        assert abs(k[0, 1]) < 1e-12 and k[0, 0] == pytest.approx(k[1, 1], rel=1e-12)
        assert np.sqrt(s1 * s2) < k[0, 0] < previous
        previous = k[0, 0]
    assert previous / np.sqrt(s1 * s2) - 1 < 0.035


def test_refining_an_image_gives_a_lower_stiffness_above_the_reuss_bound():
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2, size=(5, 6))
    tensors = [_plane_strain(CU_30), _plane_strain(SOFT)]
    estimates = [fe_effective_stiffness(np.kron(base, np.ones((r, r), int)), tensors) for r in (1, 2, 4)]
    fractions = [np.mean(base == p) for p in range(2)]
    reuss = np.linalg.inv(sum(f * np.linalg.inv(t) for f, t in zip(fractions, tensors, strict=True)))
    for coarse, fine in zip(estimates, estimates[1:] + [reuss], strict=True):
        assert np.linalg.eigvalsh(coarse - fine).min() > 0


# --- bounds and symmetries --------------------------------------------------------------------------------------


def test_random_3d_stiffness_is_symmetric_and_between_the_reuss_and_voigt_bounds():
    rng = np.random.default_rng(7)
    image = rng.integers(0, 2, size=(5, 4, 6))
    tensors = [CU_30, SOFT]
    c = fe_effective_stiffness(image, tensors)
    fractions = [np.mean(image == p) for p in range(2)]
    voigt = sum(f * t for f, t in zip(fractions, tensors, strict=True))
    # with engineering shears e.C.e is twice the energy density and C^-1 the Voigt compliance
    reuss = np.linalg.inv(sum(f * np.linalg.inv(t) for f, t in zip(fractions, tensors, strict=True)))
    np.testing.assert_allclose(c, c.T, rtol=0, atol=0)
    assert np.linalg.eigvalsh(voigt - c).min() > 0
    assert np.linalg.eigvalsh(c - reuss).min() > 0


def test_periodic_shifts_do_not_change_and_transposes_permute_the_result():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 3, size=(4, 5, 6))
    values = [1.0, 30.0, K_ANISO_3D]
    k = fe_effective_conductivity(image, values)
    np.testing.assert_allclose(fe_effective_conductivity(np.roll(image, (1, -2, 3), axis=(0, 1, 2)), values), k,
                               rtol=1e-11)
    order = (2, 0, 1)
    permuted = [np.asarray(v) if np.ndim(v) == 0 else np.asarray(v)[np.ix_(order, order)] for v in values]
    np.testing.assert_allclose(fe_effective_conductivity(image.transpose(order), permuted), k[np.ix_(order, order)],
                               rtol=1e-11)


def test_the_result_is_in_the_units_of_the_phase_data():
    rng = np.random.default_rng(11)
    image = rng.integers(0, 2, size=(6, 7))
    tensors = [_plane_strain(CU_30), _plane_strain(SOFT)]
    c = fe_effective_stiffness(image, tensors)
    np.testing.assert_allclose(fe_effective_stiffness(image, [1e9 * t for t in tensors]), 1e9 * c, rtol=1e-11)


# --- input errors -----------------------------------------------------------------------------------------------


def test_bad_input_raises_the_named_errors():
    image = np.array([[0, 1], [2, 1]])
    with pytest.raises(PhaseMapError, match="label"):
        fe_effective_conductivity(image, [1.0, 2.0])  # label 2 has no data
    with pytest.raises(PhaseMapError):
        fe_effective_conductivity(np.zeros(8, int), [1.0])  # 1D
    with pytest.raises(PhaseMapError):
        fe_effective_conductivity(np.full((3, 3), 0.5), [1.0, 2.0])  # non-integer labels
    with pytest.raises(PhaseDataError, match="positive definite"):
        fe_effective_stiffness(image, [STEEL[:3, :3], np.diag([1.0, -1.0, 1.0]), _plane_strain(SOFT)])
    with pytest.raises(PhaseDataError, match="positive definite"):
        fe_effective_conductivity(image, [1.0, 0.0, 2.0])
    with pytest.raises(PhaseDataError, match="symmetric"):
        fe_effective_conductivity(image, [1.0, np.array([[1.0, 0.5], [0.0, 1.0]]), 2.0])
    with pytest.raises(PhaseDataError):
        fe_effective_stiffness(image, [STEEL, STEEL, STEEL])  # 6x6 on a 2D image
    with pytest.raises(PhaseDataError):
        fe_effective_conductivity(image, 3.0)  # type: ignore[arg-type]  # not a sequence
    assert issubclass(PhaseDataError, HomogenizationError) and issubclass(PhaseMapError, HomogenizationError)
