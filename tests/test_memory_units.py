"""One unit convention from estimate to LAMMPS: the result and its fit carry mass and kT, and
everything downstream (diffusion coefficient, VACF, GLE samples, fix gle / fix gld) takes them
from there. References are analytic: K = 2 e^{-2t} per unit mass has int K = 1, so
Gamma = 2 m e^{-2t}, D = kT / m and VACF = (kT / m) e^{-t} (cos t + sin t)."""

import re

import numpy as np
import pytest
from ase import units

from qcbridge.errors import KernelError
from qcbridge.memory import KernelFit, estimate_kernel, fix_gld_command, sample_gle, write_fix_gle

MASS, KT = 39.948, 0.0081  # amu, eV (argon near 94 K); times in ASE units


@pytest.fixture(scope="module")
def argon_like():
    """GLE particles with K = 2 e^{-2t} at mass MASS and thermal energy KT, sampled exactly."""
    fit = KernelFit([2.0], [2.0], [0.0], mass=MASS, kT=KT)
    v, f = sample_gle(fit, 0.05, 12000, n_samples=48, rng=31)
    return v, f, estimate_kernel(v, 0.05, force=f, mass=MASS, max_time=3.0)


def test_result_carries_mass_and_the_equipartition_kT(argon_like):
    v, _, res = argon_like
    assert res.mass == MASS
    assert res.kT == pytest.approx(MASS * np.mean(v**2), rel=1e-12)  # m <v^2> of the data itself
    assert res.kT == pytest.approx(KT, rel=0.03)  # the temperature the samples were drawn at
    assert np.abs(res.gamma - 2 * MASS * np.exp(-2 * res.t)).max() < 0.05 * 2 * MASS  # Gamma = m K
    assert np.allclose(res.kernel_per_mass, res.gamma / MASS)


def test_the_fit_keeps_mass_and_kT_for_diffusion_vacf_and_samples(argon_like):
    _, _, res = argon_like
    fit = res.fit(n_exp=1, n_osc=0)
    assert (fit.mass, fit.kT) == (res.mass, res.kT)
    assert fit.diffusion() == pytest.approx(KT / MASS, rel=0.06)  # kT / (m int K), int K = 1
    t = np.linspace(0, 5, 11)
    exact = KT / MASS * np.exp(-t) * (np.cos(t) + np.sin(t))
    assert np.abs(fit.vacf(t) - exact).max() < 0.05 * KT / MASS
    assert np.allclose(fit.gamma(t), MASS * fit(t))
    v, _ = sample_gle(fit, 0.05, 4000, n_samples=32, rng=2)  # kT / m from the fit
    assert np.mean(v**2) == pytest.approx(fit.kT / fit.mass, rel=0.05)


def test_a_bare_fit_asks_for_mass_and_kT_instead_of_assuming_one():
    bare = KernelFit([2.0], [2.0], [0.0])
    for call in (bare.diffusion, lambda: bare.vacf([0.0, 1.0]), lambda: sample_gle(bare, 0.1, 10),
                 lambda: fix_gld_command(bare, seed=1), lambda: bare.gamma([0.0])):
        with pytest.raises(KernelError, match="carries no .*1.0 in reduced units"):
            call()
    assert bare.diffusion(kT=3.0, mass=2.0) == pytest.approx(1.5, rel=1e-12)
    assert bare.with_thermal(mass=2.0, kT=3.0).diffusion() == pytest.approx(1.5, rel=1e-12)
    with pytest.raises(KernelError, match="mass must be positive"):
        KernelFit([2.0], [2.0], [0.0], mass=-1.0, kT=1.0)


@pytest.mark.parametrize("style, per_time, time_name", [
    ("metal", 1000 * units.fs, "ps"), ("real", units.fs, "fs"), ("lj", 1.0, "tau")])
def test_fix_gle_file_states_its_units_and_the_fit_temperature(tmp_path, style, per_time, time_name):
    """A in 1/(LAMMPS time): the decay rate g (1/ASE time) times the ASE time of one LAMMPS
    time unit; T = kT / k_B in K (kT itself in LJ units)."""
    kT = units.kB * 94.4 if style != "lj" else 0.787
    fit = KernelFit([2.0], [0.3], [0.0], mass=MASS, kT=kT)
    path = tmp_path / "A.txt"
    args = write_fix_gle(fit, path, units=style)
    text = path.read_text()
    assert f"LAMMPS units {style}, A in 1/{time_name}" in text.splitlines()[0]
    A = np.loadtxt(path)
    assert A[1, 1] == pytest.approx(0.3 * per_time, rel=1e-12)
    c, g = (float(x) for x in re.search(r"#\s+(\S+) exp\(-(\S+) t\)", text).groups())  # the terms, LAMMPS units
    assert (c, g) == pytest.approx((2.0 * per_time**2, 0.3 * per_time), rel=1e-5)
    assert A[0, 1] == pytest.approx(-np.sqrt(2.0) * per_time, rel=1e-12)
    temperature = "94.4" if style != "lj" else "0.787"
    assert args == f"gle 1 {temperature} {temperature} ${{seed}} {path}"
    assert (f"T = {temperature} K" if style != "lj" else f"T* = {temperature}") in text
    bare = write_fix_gle(KernelFit([2.0], [0.3], [0.0]), tmp_path / "B.txt", units=style)
    assert bare == f"gle 1 ${{T}} ${{T}} ${{seed}} {tmp_path / 'B.txt'}"


def test_fix_gld_takes_mass_and_temperature_from_the_fit():
    """Gamma = m K = 2 * 2 e^{-2t} = (c_k / tau_k) e^{-t / tau_k}: tau_k = 0.5, c_k = 2 (lj)."""
    fit = KernelFit([2.0], [2.0], [0.0], mass=2.0, kT=1.5)
    cmd = fix_gld_command(fit, seed=3, units="lj")
    assert cmd == "fix gld all gld 1.5 1.5 1 3 pprony 2 0.5"
    assert cmd == fix_gld_command(KernelFit([2.0], [2.0], [0.0]), 2.0, temperature=1.5, seed=3, units="lj")
