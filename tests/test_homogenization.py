"""FFT cell problems against closed forms: laminates (exact), the checkerboard's sqrt(k1 k2)
with its convergence rate, Rayleigh's square array, the dilute sphere, Hashin-Shtrikman bounds,
cubic polycrystals (exact bulk modulus), and the named errors of bad input."""

import numpy as np
import pytest

from qcbridge.errors import CellProblemConvergenceError, HomogenizationError, PhaseDataError, PhaseMapError
from qcbridge.homogenization import (
    Scheme,
    effective_conductivity,
    effective_stiffness,
    homogenize_conductivity,
    homogenize_stiffness,
)
from qcbridge.homogenization.analytic import (
    checkerboard_conductivity,
    dilute_bulk_modulus,
    hashin_shtrikman_conductivity,
    hashin_shtrikman_moduli,
    laminate_conductivity,
    laminate_stiffness,
    rayleigh_square_array,
)
from qcbridge.homogenization.microstructures import (
    boolean_inclusions,
    fiber_orientations,
    grain_stiffness,
    random_mosaic,
    random_orientations,
    voronoi_grains,
)
from qcbridge.homogenization.rve import rve_study
from qcbridge.tensors import cubic_stiffness, rotate_tensor4, stiffness_to_voigt, voigt_to_stiffness

PLANE = np.ix_([0, 1, 5], [0, 1, 5])


def turned(C, degrees):
    t = np.radians(degrees)
    R = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
    return stiffness_to_voigt(rotate_tensor4(voigt_to_stiffness(C), R))


def isotropic(K, G):
    return cubic_stiffness(K + 4 * G / 3, K - 2 * G / 3, G)


#: Two anisotropic phases: cubic crystals (GPa, Al-like and W-like) turned about z.
SOFT = turned(cubic_stiffness(108.0, 62.0, 28.0), 30.0)
HARD = turned(cubic_stiffness(523.0, 204.0, 161.0), -10.0)


def layers(shape, axis, start):
    phases = np.zeros(shape, dtype=int)
    index = [slice(None)] * len(shape)
    index[axis] = slice(start, None)
    phases[tuple(index)] = 1
    return phases


def test_laminate_conductivity_is_exact_in_2d_and_3d():
    k1 = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 3.0]])
    k2 = 7.0 * np.eye(3)
    for shape in ((8, 8), (6, 6, 6)):
        d = len(shape)
        for axis in range(d):
            phases = layers(shape, axis, 2)
            f = [2 / shape[axis], 1 - 2 / shape[axis]]
            exact = laminate_conductivity([k1[:d, :d], k2[:d, :d]], f, axis)
            assert np.allclose(effective_conductivity(phases, [k1[:d, :d], k2[:d, :d]]), exact, rtol=1e-10,
                               atol=1e-12)
    # the closed form itself: harmonic mean across isotropic layers, arithmetic along
    assert np.allclose(laminate_conductivity([np.eye(2), 3 * np.eye(2)], [0.5, 0.5], 0), np.diag([1.5, 2.0]))


@pytest.mark.parametrize("scheme,rtol", [(Scheme.CG, 1e-10), (Scheme.BASIC, 1e-6)])
def test_laminate_stiffness_of_anisotropic_layers_is_exact(scheme, rtol):
    for axis in range(3):
        phases = layers((8, 8, 8), axis, 3)
        exact = laminate_stiffness([SOFT, HARD], [3 / 8, 5 / 8], axis)
        got = homogenize_stiffness(phases, [SOFT, HARD], scheme=scheme).tensor
        assert np.allclose(got, exact, rtol=rtol, atol=rtol * 500)
    for axis in range(2):  # plane strain
        exact = laminate_stiffness([SOFT[PLANE], HARD[PLANE]], [3 / 8, 5 / 8], axis)
        assert np.allclose(effective_stiffness(layers((8, 8), axis, 3), [SOFT[PLANE], HARD[PLANE]]), exact,
                           rtol=1e-10, atol=1e-8)


def test_laminate_closed_form_reduces_to_reuss_and_voigt_for_proportional_phases():
    # for C2 = c C1 the layer-normal block is the harmonic and the in-plane block the arithmetic mean
    got = laminate_stiffness([SOFT, 3.0 * SOFT], [0.25, 0.75], 0)
    harmonic, arithmetic = 1.0 / (0.25 + 0.75 / 3.0), 0.25 + 0.75 * 3.0
    normal = [0, 4, 5]  # xx, xz, xy carry the tractions on planes normal to x
    assert np.allclose(got[np.ix_(normal, normal)], harmonic * SOFT[np.ix_(normal, normal)])
    assert np.isclose(got[1, 1], harmonic * SOFT[1, 1] + (arithmetic - harmonic) * (
        SOFT[1, 1] - SOFT[1, normal] @ np.linalg.solve(SOFT[np.ix_(normal, normal)], SOFT[normal, 1])))


def test_a_homogeneous_cell_returns_its_own_tensor():
    assert np.allclose(effective_stiffness(np.zeros((4, 4, 4), int), [HARD]), HARD, rtol=1e-12)
    assert np.allclose(effective_stiffness(np.ones((4, 6), int), [SOFT[PLANE], HARD[PLANE]]), HARD[PLANE])


def test_checkerboard_converges_to_sqrt_k1_k2_at_first_order():
    sizes = np.array([16, 32, 64, 128, 256])
    errors = []
    for n in sizes:
        i, j = np.indices((n, n)) // (n // 2)
        result = homogenize_conductivity((i + j) % 2, [1.0, 10.0])
        k = result.tensor
        assert abs(k[0, 1]) < 1e-12 and abs(k[0, 0] - k[1, 1]) < 1e-9  # the checkerboard's symmetries
        assert max(result.iterations) < 40  # CG: independent of the resolution
        errors.append(abs(k[0, 0] / checkerboard_conductivity(1.0, 10.0) - 1.0))
    slope = np.polyfit(np.log(sizes), np.log(errors), 1)[0]
    assert slope < -1.0, errors
    assert errors[-1] < 1e-3


def test_square_array_of_discs_matches_rayleigh_and_converges():
    errors = []
    for n in (32, 64, 128):
        x = (np.indices((n, n)) + 0.5) / n - 0.5
        phases = ((x**2).sum(0) < 0.3**2).astype(int)
        k = effective_conductivity(phases, [1.0, 10.0])
        errors.append(abs(k[0, 0] / rayleigh_square_array(1.0, 10.0, phases.mean()) - 1.0))
    assert errors[0] > errors[1] > errors[2]
    assert errors[-1] < 3e-3


def test_dilute_sphere_bulk_modulus_matches_eshelby_to_first_order():
    n = 32
    x = (np.indices((n, n, n)) + 0.5) / n - 0.5
    phases = ((x**2).sum(0) < 0.1**2).astype(int)  # f = 0.4 %
    f = phases.mean()
    C = effective_stiffness(phases, [isotropic(1.0, 0.5), isotropic(10.0, 5.0)])
    K = C[:3, :3].sum() / 9.0  # bulk modulus of the (cubic-symmetric) cell
    increment = (K - 1.0) / (dilute_bulk_modulus(1.0, 0.5, 10.0, f) - 1.0)
    assert 1.0 < increment < 1.05  # interactions between the periodic images add O(f^2)
    assert K >= hashin_shtrikman_moduli(1.0, 0.5, 10.0, 5.0, f)[0][0]


def test_random_inclusions_respect_hashin_shtrikman_bounds():
    for dim, n in ((2, 96), (3, 24)):
        for seed in range(2):
            phases = boolean_inclusions(n, dim, n / 12, 0.4, seed)
            f = phases.mean()
            lower, upper = hashin_shtrikman_conductivity(1.0, 20.0, f, dim)
            k = np.linalg.eigvalsh(effective_conductivity(phases, [1.0, 20.0]))
            assert lower < k.min() and k.max() < upper
    phases = boolean_inclusions(24, 3, 2.5, 0.3, 0)
    f = phases.mean()
    C = effective_stiffness(phases, [isotropic(1.0, 0.5), isotropic(10.0, 5.0)])
    K = C[:3, :3].sum() / 9.0
    G = (np.trace(C[:3, :3]) - C[0, 1] - C[0, 2] - C[1, 2] + 3.0 * np.trace(C[3:, 3:])) / 15.0
    (k_lo, k_hi), (g_lo, g_hi) = hashin_shtrikman_moduli(1.0, 0.5, 10.0, 5.0, f)
    assert k_lo < K < k_hi and g_lo < G < g_hi


def test_cubic_polycrystal_keeps_the_crystal_bulk_modulus_and_sits_between_reuss_and_voigt():
    crystal = cubic_stiffness(168.4, 121.4, 75.4)  # Cu, GPa
    grains = voronoi_grains(20, 3, 12, seed=3)
    stiffness = grain_stiffness(crystal, random_orientations(12, seed=4))
    C = effective_stiffness(grains, list(stiffness))
    bulk = (168.4 + 2 * 121.4) / 3.0
    # a uniform hydrostatic strain is in equilibrium in every grain: K is exact
    assert np.isclose(C[:3, :3].sum() / 9.0, bulk, rtol=1e-7)
    shear_voigt = (168.4 - 121.4 + 3 * 75.4) / 5.0
    shear_reuss = 5.0 / (4.0 / (168.4 - 121.4) + 3.0 / 75.4)
    G = (np.trace(C[:3, :3]) - C[0, 1] - C[0, 2] - C[1, 2] + 3.0 * np.trace(C[3:, 3:])) / 15.0
    assert shear_reuss < G < shear_voigt


def test_fiber_texture_points_the_cube_axis_along_the_fiber():
    rotations = fiber_orientations(200, [0.0, 0.0, 1.0], 5.0, seed=1)
    tilt = np.degrees(np.arccos(np.clip(rotations[:, 2, 2], -1, 1)))
    assert np.allclose(rotations @ rotations.transpose(0, 2, 1), np.eye(3), atol=1e-12)
    assert 4.0 < np.sqrt(np.mean(tilt**2)) / np.sqrt(2.0) < 6.0  # two perpendicular components of 5 deg


def test_cg_needs_far_fewer_iterations_than_the_basic_scheme_at_high_contrast():
    phases = boolean_inclusions(48, 2, 5.0, 0.3, 7)
    basic = homogenize_conductivity(phases, [1.0, 1000.0], scheme=Scheme.BASIC, tol=1e-6, max_iter=20000)
    cg = homogenize_conductivity(phases, [1.0, 1000.0], scheme=Scheme.CG, tol=1e-6)
    assert np.allclose(basic.tensor, cg.tensor, rtol=1e-4)
    assert max(cg.iterations) * 10 < min(basic.iterations)


def test_random_mosaic_variance_law_gives_its_integral_range():
    cell = 4
    stats = rve_study(lambda size, rng: random_mosaic(size, 2, cell, 0.3, rng), np.mean, [16, 32, 64], 300, seed=0,
                      dim=2)
    assert abs(stats.alpha - 1.0) < 0.15
    per_size = stats.std**2 * stats.volumes / (0.3 * 0.7)  # exact value: cell**2 at every size
    assert np.allclose(per_size, cell**2, rtol=0.25)
    # 1 % precision on the volume fraction from one realisation: V = 4 D^2 A / (eps^2 p^2)
    expected = 4 * 0.21 * cell**2 / (0.01**2 * 0.3**2)
    assert 0.5 < stats.rve_volume(0.01) / expected < 2.0


def test_bad_input_raises_named_errors():
    with pytest.raises(PhaseMapError, match=r"label\(s\) \[2\]"):
        effective_conductivity(np.array([[0, 1], [2, 1]]), [1.0, 2.0])
    with pytest.raises(PhaseMapError, match="label"):
        effective_conductivity(-np.ones((4, 4), int), [1.0])
    with pytest.raises(PhaseMapError, match="integer"):
        effective_conductivity(np.full((4, 4), 0.5), [1.0])
    with pytest.raises(PhaseMapError, match="2D"):
        effective_conductivity(np.zeros(8, int), [1.0])
    with pytest.raises(PhaseDataError, match="not positive definite"):
        effective_stiffness(np.zeros((4, 4, 4), int), [cubic_stiffness(100.0, 120.0, 50.0)])  # C11 < C12
    with pytest.raises(PhaseDataError, match="not positive definite"):
        effective_conductivity(np.zeros((4, 4), int), [0.0])
    with pytest.raises(PhaseDataError, match="6x6"):
        effective_stiffness(np.zeros((4, 4, 4), int), [SOFT[PLANE]])
    with pytest.raises(CellProblemConvergenceError) as info:
        homogenize_conductivity(boolean_inclusions(32, 2, 4.0, 0.3, 0), [1.0, 1e6], scheme=Scheme.BASIC,
                                max_iter=50)
    assert len(info.value.history) == 51 and info.value.history[-1] > 1e-8
    assert "Scheme.CG" in str(info.value)
    with pytest.raises(HomogenizationError):
        boolean_inclusions(16, 2, 2.0, 1.5, 0)


def test_fft_and_periodic_finite_elements_bracket_a_disc_and_close_in_on_each_other():
    from qcbridge.homogenization.fe import fe_effective_stiffness

    phases_data = [isotropic(1.0, 0.5)[PLANE], isotropic(10.0, 5.0)[PLANE]]
    gaps = []
    for n in (32, 64):
        x = (np.indices((n, n)) + 0.5) / n - 0.5
        phases = ((x**2).sum(0) < 0.3**2).astype(int)
        fft, fe = effective_stiffness(phases, phases_data), fe_effective_stiffness(phases, phases_data)
        assert np.all(np.diag(fe) > np.diag(fft))  # conforming FE from above, FFT from below
        gaps.append(np.abs(fe - fft).max() / np.abs(fft).max())
    assert gaps[1] < 0.6 * gaps[0] and gaps[1] < 0.01


def test_fftw_and_scipy_transforms_give_the_same_cell_solution():
    from qcbridge.homogenization.fft import FFTBackend, RealFFT
    from qcbridge.homogenization.phases import stiffness_mandel
    from qcbridge.homogenization.spectral import project_strain, solve_cell

    phases = boolean_inclusions(16, 3, 3.0, 0.3, 2)
    matrices = stiffness_mandel([SOFT, HARD], 3)
    mean = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    fields = [solve_cell(phases, matrices, mean, project_strain, fft=RealFFT(6, phases.shape, backend=backend))
              for backend in FFTBackend]
    assert fields[0].iterations == fields[1].iterations
    assert np.allclose(fields[0].field, fields[1].field, rtol=0, atol=1e-12)
    field = np.random.default_rng(0).random((6, 70, 64))  # odd and even axes, round trip
    for backend in FFTBackend:
        fft = RealFFT(6, (70, 64), backend=backend)
        assert np.allclose(fft.inverse(fft.forward(field)), field, atol=1e-13)
