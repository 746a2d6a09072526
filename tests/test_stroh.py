"""Anisotropic (Stroh) fields of dislocations and cracks against closed forms: the isotropic
solutions, the Sih-Paris-Irwin energy release rate of orthotropic media, equilibrium and
traction-free faces by finite differences, and the Burgers-vector jump."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import sih_paris_irwin_modulus

from qcbridge.defects import EdgeDislocation
from qcbridge.defects.stroh import (
    crack_displacement,
    crack_opening,
    defect_axes,
    dislocation_displacement,
    dislocation_energy_factor,
    energy_release_rate,
    mode_one_modulus,
    rotate_stiffness,
    stroh_solutions,
)
from qcbridge.errors import DefectGeometryError, ElasticConstantsError
from qcbridge.tensors import voigt_to_stiffness


def cubic(c11: float, c12: float, c44: float) -> np.ndarray:
    C = np.zeros((6, 6))
    C[:3, :3] = c12
    C[np.arange(3), np.arange(3)] = c11
    C[np.arange(3, 6), np.arange(3, 6)] = c44
    return C


MU, NU = 0.3, 0.28  # eV/A^3
LAM = 2 * MU * NU / (1 - 2 * NU)
ISO = cubic(LAM + 2 * MU, LAM, MU)
W = cubic(3.26, 1.27, 1.00)  # bcc W-like, A = 1.0
FE = cubic(1.51, 0.86, 0.75)  # bcc Fe-like, A = 2.3


def ring(n: int = 40, radius: float = 7.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = radius * (0.3 + rng.random(n))
    t = rng.uniform(-0.97 * np.pi, 0.97 * np.pi, n)
    return np.stack([r * np.cos(t), r * np.sin(t), np.zeros(n)], axis=1)


def rigid_difference(u: np.ndarray, v: np.ndarray) -> float:
    """Largest deviation of u - v from a constant vector."""
    d = u - v
    return float(np.abs(d - d.mean(axis=0)).max())


def test_isotropic_limit_equals_the_edge_and_screw_closed_forms():
    sols = stroh_solutions(ISO)
    assert len(sols) == 4  # degenerate sextic: split and extrapolated
    x, b = ring(), 2.86
    iso = EdgeDislocation(b, NU, (0.0, 0.0)).displacement(x)
    assert rigid_difference(dislocation_displacement(sols, [b, 0, 0], x), iso) < 1e-12 * b
    screw = b * np.arctan2(x[:, 1], x[:, 0]) / (2 * np.pi)
    assert rigid_difference(dislocation_displacement(sols, [0, 0, b], x)[:, 2:], screw[:, None]) < 1e-12 * b
    # prelogarithmic energy factors: mu b^2 / (4 pi (1 - nu)) and mu b^2 / 4 pi
    assert dislocation_energy_factor(sols, [b, 0, 0]) == pytest.approx(MU * b * b / (4 * np.pi * (1 - NU)), rel=1e-10)
    assert dislocation_energy_factor(sols, [0, 0, b]) == pytest.approx(MU * b * b / (4 * np.pi), rel=1e-10)


def test_isotropic_limit_equals_the_williams_crack_fields():
    sols = stroh_solutions(rotate_stiffness(ISO, defect_axes([1, 1, 0], [1, -1, 1])))
    x = ring(seed=1)
    r, t = np.hypot(x[:, 0], x[:, 1]), np.arctan2(x[:, 1], x[:, 0])
    K1, K2, K3, kappa = 0.7, 0.3, 0.2, 3 - 4 * NU
    s = np.sqrt(r / (2 * np.pi)) / (2 * MU)
    ux = s * (K1 * np.cos(t / 2) * (kappa - 1 + 2 * np.sin(t / 2) ** 2)
              + K2 * np.sin(t / 2) * (kappa + 1 + 2 * np.cos(t / 2) ** 2))
    uy = s * (K1 * np.sin(t / 2) * (kappa + 1 - 2 * np.cos(t / 2) ** 2)
              - K2 * np.cos(t / 2) * (kappa - 1 - 2 * np.sin(t / 2) ** 2))
    uz = 2 * K3 / MU * np.sqrt(r / (2 * np.pi)) * np.sin(t / 2)
    u = crack_displacement(sols, [K2, K1, K3], x)
    assert np.abs(u - np.stack([ux, uy, uz], axis=1)).max() < 1e-11 * np.abs(u).max()
    Eprime = 2 * MU / (1 - NU)
    # round-off of the split degenerate sextic: 2.5e-12 with numpy 2.4's LAPACK, 1e-11 like the fields
    assert mode_one_modulus(sols) == pytest.approx(Eprime, rel=1e-11)
    assert energy_release_rate(sols, [K2, K1, K3]) == pytest.approx(
        (K1**2 + K2**2) / Eprime + K3**2 / (2 * MU), rel=1e-11)


@pytest.mark.parametrize("plane, front", [((0, 0, 1), (0, 1, 0)), ((1, 1, 0), (0, 0, 1)), ((1, 1, 0), (1, -1, 0)),
                                          ((0, 1, 1), (1, 0, 0))])
@pytest.mark.parametrize("C", [FE, cubic(1.66, 0.64, 0.80)], ids=["Fe", "Si"])
def test_cubic_energy_release_rate_is_k_squared_over_the_sih_paris_irwin_modulus(C, plane, front):
    axes = defect_axes(plane, front)
    sols = stroh_solutions(rotate_stiffness(C, axes))
    assert len(sols) == 1
    Eprime = sih_paris_irwin_modulus(C, axes)
    assert mode_one_modulus(sols) == pytest.approx(Eprime, rel=1e-12)
    assert energy_release_rate(sols, [0, 0.9, 0]) == pytest.approx(0.81 / Eprime, rel=1e-12)


def random_stiffness(seed: int) -> np.ndarray:
    """Triclinic, positive definite, of the size of a metal's (eV/A^3)."""
    M = np.random.default_rng(seed).normal(size=(6, 6))
    return FE + 0.05 * M @ M.T


def stress(c: np.ndarray, field, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    grad = np.zeros((len(x), 3, 3))
    for j in range(2):
        d = np.zeros(3)
        d[j] = h
        grad[:, :, j] = (field(x + d) - field(x - d)) / (2 * h)
    return np.einsum("ijkl,nkl->nij", c, grad)


def divergence(c: np.ndarray, field, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    out = np.zeros((len(x), 3))
    for j in range(2):
        d = np.zeros(3)
        d[j] = h
        out += (stress(c, field, x + d) - stress(c, field, x - d))[:, :, j] / (2 * h)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_triclinic_dislocation_is_in_equilibrium_and_jumps_by_b(seed):
    c = voigt_to_stiffness(random_stiffness(seed))
    sols = stroh_solutions(c)
    b = np.array([1.3, -0.7, 2.1])
    x = ring(seed=seed)
    field = lambda y: dislocation_displacement(sols, b, y)  # noqa: E731
    scale = np.abs(stress(c, field, x)).max() / 7.0  # stress / length
    assert np.abs(divergence(c, field, x)).max() < 1e-5 * scale
    xs = np.array([[-3.0, 1e-9, 0], [-3.0, -1e-9, 0], [3.0, 1e-9, 0], [3.0, -1e-9, 0]])
    u = field(xs)
    assert np.abs(u[0] - u[1] - b).max() < 1e-8
    assert np.abs(u[2] - u[3]).max() < 1e-8


@pytest.mark.parametrize("seed", [0, 1])
def test_triclinic_crack_faces_are_traction_free_and_open_as_predicted(seed):
    c = voigt_to_stiffness(random_stiffness(seed))
    sols = stroh_solutions(c)
    k = np.array([0.2, 1.0, 0.3])
    field = lambda y: crack_displacement(sols, k, y)  # noqa: E731
    r = np.array([0.5, 2.0, 8.0])
    ahead = np.stack([r, np.zeros(3), np.zeros(3)], axis=1)
    sig = stress(c, field, ahead)
    assert np.abs(sig[:, :, 1] - k[None, :] / np.sqrt(2 * np.pi * r)[:, None]).max() < 1e-6 * np.abs(sig).max()
    faces = np.stack([-r, np.full(3, 1e-3), np.zeros(3)], axis=1)
    # traction sigma_i2 on the faces: zero up to the r^-1/2 field's change over 1e-3 A
    for side in (1.0, -1.0):
        assert np.abs(stress(c, field, faces * [1, side, 1], h=1e-6)[:, :, 1]).max() < 1e-3 * np.abs(sig).max()
    upper, lower = field(np.stack([-r, np.full(3, 1e-12), np.zeros(3)], axis=1)), field(
        np.stack([-r, np.full(3, -1e-12), np.zeros(3)], axis=1))
    assert np.abs(upper - lower - crack_opening(sols, k, r)).max() < 1e-9
    assert np.abs(divergence(c, field, ring(seed=seed))).max() < 1e-5 * np.abs(sig).max()


def test_bad_defect_geometry_and_stiffness_are_named():
    with pytest.raises(DefectGeometryError, match="not in the plane"):
        defect_axes([1, 1, 1], [1, 0, 0])
    with pytest.raises(DefectGeometryError, match="non-zero"):
        defect_axes([0, 0, 0], [1, 0, 0])
    with pytest.raises(ElasticConstantsError, match="not positive definite"):
        stroh_solutions(cubic(1.0, 1.2, 0.5))
    with pytest.raises(ElasticConstantsError, match="non-finite"):
        stroh_solutions(cubic(np.nan, 1.2, 0.5))
    with pytest.raises(DefectGeometryError, match="finite"):
        crack_displacement(stroh_solutions(FE), [0, np.inf, 0], ring())
