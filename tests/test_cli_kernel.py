"""``qcbridge kernel`` on a LAMMPS-format dump of exactly sampled GLE particles."""

import gzip

import numpy as np
import pytest

from qcbridge.cli import main
from qcbridge.memory import KernelFit, sample_gle


def _write_dump(path, v, f, steps, x=None):
    n = v.shape[1] // 3
    x = np.zeros_like(v) if x is None else x
    with open(path, "w") as fh:
        for k, step in enumerate(steps):
            fh.write(f"ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n{n}\nITEM: BOX BOUNDS pp pp pp\n"
                     "0 10\n0 10\n0 10\nITEM: ATOMS id type x y z vx vy vz fx fy fz\n")
            block = np.column_stack([np.arange(1, n + 1), np.ones(n), x[k].reshape(n, 3), v[k].reshape(n, 3),
                                     f[k].reshape(n, 3)])
            np.savetxt(fh, block, fmt=["%d", "%d"] + ["%.10g"] * 9)


@pytest.fixture(scope="module")
def gle_dump(tmp_path_factory):
    """K = 2 e^{-2t} particles (m = kT = 1, units lj): 32 atoms, each component a sample."""
    v, f = sample_gle(KernelFit([2.0], [2.0], [0.0], mass=1.0, kT=1.0), 0.05, 8000, n_samples=96, rng=21)
    path = tmp_path_factory.mktemp("cli") / "gle.dump"
    _write_dump(path, v, f, np.arange(8000) * 10)
    return path


def test_kernel_command_estimates_fits_plots_and_exports(gle_dump, tmp_path, capsys):
    out, png, amat = tmp_path / "k.npz", tmp_path / "k.png", tmp_path / "A.txt"
    code = main(["kernel", str(gle_dump), "--units", "lj", "--timestep", "0.005", "--masses", "1:1.0",
                 "--max-time", "3", "--fit", "1", "--out", str(out), "--plot", str(png), "--lammps-gle", str(amat)])
    assert code == 0
    text = capsys.readouterr()
    assert "MB/s" in text.err and "wrote" in text.out
    data = np.load(out)
    t, g = data["t"], data["gamma"]
    assert np.abs(g - 2 * np.exp(-2 * t)).max() < 0.1
    assert data["fit_g"][0] == pytest.approx(2.0, rel=0.05)
    assert png.stat().st_size > 10_000
    A = np.loadtxt(amat)
    assert A.shape == (2, 2) and A[1, 1] == pytest.approx(2.0, rel=0.05)  # decay rate in 1/tau
    assert data["kT"] == pytest.approx(1.0, rel=0.03)  # the samples' kT = m <v^2>, m = 1
    assert "A in 1/tau" in amat.read_text() and "T* = " in amat.read_text() and "kT = m <v^2>" in text.out


def test_kernel_command_reports_bad_input(gle_dump, tmp_path, capsys):
    assert main(["kernel", str(tmp_path / "missing.dump"), "--dt", "1"]) == 2
    assert "no such trajectory" in capsys.readouterr().err
    assert main(["kernel", str(gle_dump), "--units", "lj", "--dt", "0.05", "--select", "type 3", "--quiet"]) == 2
    assert "matches no atom" in capsys.readouterr().err


def test_kernel_command_reads_gzip_dumps_like_plain_ones(gle_dump, tmp_path):
    lines = gle_dump.read_text().splitlines(keepends=True)
    plain = tmp_path / "short.dump"
    plain.write_text("".join(lines[: 600 * (9 + 32)]))  # the first 600 frames of 32 atoms
    packed = tmp_path / "short.dump.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes(), compresslevel=1))
    out = {}
    for name, path in (("plain", plain), ("gz", packed)):
        out[name] = tmp_path / f"{name}.npz"
        assert main(["kernel", str(path), "--units", "lj", "--timestep", "0.005", "--masses", "1:1.0",
                     "--max-time", "1", "--out", str(out[name]), "--quiet"]) == 0
    assert np.array_equal(np.load(out["gz"])["gamma"], np.load(out["plain"])["gamma"])


def test_kernel_command_names_a_dump_without_velocities_and_unknown_units(tmp_path, capsys):
    """dump atom style (id type xs ys zs): readable, but the kernel needs velocities."""
    path = tmp_path / "atom.dump"
    path.write_text("".join(f"ITEM: TIMESTEP\n{10 * k}\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n"
                            "0 10\n0 10\n0 10\nITEM: ATOMS id type xs ys zs\n1 1 0.1 0.2 0.3\n2 1 0.5 0.5 0.5\n"
                            for k in range(5)))
    assert main(["kernel", str(path), "--dt", "1", "--masses", "1:39.948", "--quiet"]) == 2
    assert "no velocities" in capsys.readouterr().err
    assert main(["kernel", str(path), "--dt", "1", "--units", "si", "--quiet"]) == 2
    assert "unsupported LAMMPS units 'si'" in capsys.readouterr().err


def test_kernel_command_checks_options_and_outputs_before_reading(tmp_path, capsys):
    """Nothing is read when an option needs another or an output cannot be written: the
    trajectory named here does not exist, and each message is about the option."""
    missing = str(tmp_path / "never-read.dump")
    cases = [(["--plot", "k.png"], "--plot needs --fit N"), (["--lammps-gle", "A.txt"], "--lammps-gle needs --fit"),
             (["--fit", "0"], "--fit needs a number of terms >= 1"),
             (["--out", str(tmp_path / "no" / "k.npz")], "does not exist"),
             (["--out", str(tmp_path)], "is a directory"), (["--mean-force", "quadratic"], "--mean-force 'quadratic'"),
             (["--mean-force", "pmf:0"], "bins must be an integer >= 5")]
    for extra, message in cases:
        with pytest.raises(SystemExit, match=message):
            main(["kernel", missing, "--dt", "1", *extra])


def test_kernel_command_with_a_mean_force_and_units_in_its_report(tmp_path, capsys):
    """GLE particles in a harmonic well (Omega = 1): with the linear (Mori) mean force the kernel is
    the well-free K = 2 e^{-2t}; every printed number carries its unit."""
    from qcbridge.memory import sample_gle

    x, v, f = sample_gle(KernelFit([2.0], [2.0], [0.0], mass=1.0, kT=1.0), 0.05, 8000, n_samples=96, rng=5,
                         omega=1.0, with_position=True)
    dump = tmp_path / "well.dump"
    _write_dump(dump, v, f, np.arange(8000) * 10, x=x)
    out = tmp_path / "k.npz"
    assert main(["kernel", str(dump), "--units", "lj", "--timestep", "0.005", "--masses", "1:1.0",
                 "--max-time", "3", "--mean-force", "linear", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Gamma(0) = " in text and "LJ units" in text and "estimated discretisation error" in text
    data = np.load(out)
    assert np.abs(data["gamma"] - 2 * np.exp(-2 * data["t"])).max() < 0.1
    assert main(["kernel", str(dump), "--units", "lj", "--timestep", "0.005", "--masses", "1:1.0",
                 "--max-time", "3", "--out", str(out), "--quiet"]) == 0  # the control: the spring enters Gamma
    data = np.load(out)
    assert np.abs(data["gamma"] - 2 * np.exp(-2 * data["t"])).max() > 0.3


def test_centre_of_mass_of_the_whole_system_is_refused_with_the_reason(tmp_path, capsys):
    """Atoms whose total momentum is zero in every frame (as NVE keeps it): their centre of mass
    has no kernel, and the message says why instead of reporting constant data."""
    rng = np.random.default_rng(4)
    v = rng.normal(size=(50, 32, 3))
    v -= v.mean(axis=1, keepdims=True)  # zero total momentum
    f = rng.normal(size=(50, 32, 3))
    dump = tmp_path / "nve.dump"
    _write_dump(dump, v.reshape(50, -1), f.reshape(50, -1), np.arange(50))
    assert main(["kernel", str(dump), "--units", "lj", "--dt", "1", "--masses", "1:1.0", "--select", "com all",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "moves with the total momentum only" in err and "select part of the system" in err


def test_kernel_command_streams_a_dump_to_the_same_kernel(gle_dump, tmp_path, capsys):
    whole, streamed = tmp_path / "whole.npz", tmp_path / "streamed.npz"
    common = ["kernel", str(gle_dump), "--units", "lj", "--timestep", "0.005", "--masses", "1:1.0", "--max-time", "3",
              "--quiet"]
    assert main([*common, "--out", str(whole)]) == 0
    assert main([*common, "--stream", "700", "--out", str(streamed)]) == 0
    a, b = np.load(whole), np.load(streamed)
    assert np.abs(a["gamma"] - b["gamma"]).max() < 1e-9 * np.abs(a["gamma"]).max()
    assert "8000 frames, 96 samples" in capsys.readouterr().out


def test_kernel_command_stream_options_are_checked(gle_dump, capsys):
    base = ["kernel", str(gle_dump), "--units", "lj", "--timestep", "0.005", "--masses", "1:1.0", "--quiet"]
    for extra, message in ((["--stream", "500"], "needs --max-time"),
                           (["--stream", "1", "--max-time", "3"], "at least 2 frames"),
                           (["--stream", "500", "--max-time", "3", "--mean-force", "linear"], "free particles"),
                           (["--stream", "500", "--max-time", "3", "--fit", "1", "--plot", "x.png"], "leave out")):
        with pytest.raises(SystemExit, match=message):
            main(base + extra)
