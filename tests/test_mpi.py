"""MPI: a QC model's atomistic region on a communicator (``mpiexec -n 2`` gives the serial
energies, forces and relaxed displacements; LAMMPS decomposes the atoms over two ranks), and
stress bursts on an ``mpi4py.futures`` pool (the serial numbers). An instance opened without a
communicator in one of several ranks is that rank's own."""

import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).with_name("qc_on_mpi.py")
MPIEXEC = Path(sys.executable).parent / "mpiexec"  # the mpich wheel's launcher, beside the venv's python


def run(out: Path, *prefix: str, serial: bool = False) -> dict:
    cmd = [*prefix, sys.executable, str(SCRIPT), str(out)] + (["--serial"] if serial else [])
    subprocess.run(cmd, check=True, timeout=300)
    return dict(np.load(out))


def test_qc_model_on_two_mpi_ranks_equals_the_serial_model(tmp_path):
    assert MPIEXEC.exists(), f"{MPIEXEC} missing: the lammps[mpi] install brings mpich's mpiexec"
    serial = run(tmp_path / "serial.npz", serial=True)
    mpi = run(tmp_path / "mpi.npz", str(MPIEXEC), "-n", "2")
    assert list(serial["ranks"]) == [1] and list(mpi["ranks"]) == [2]
    assert int(mpi["alone_size"]) == 1 and int(serial["alone_size"]) == 1
    for e in ("e0", "e1"):
        assert abs(mpi[e] - serial[e]) < 1e-9 * abs(serial[e])
    for f in ("f0", "f1"):
        assert np.abs(mpi[f] - serial[f]).max() < 1e-10 and np.abs(serial[f]).max() > 0.1
    assert mpi["steps"] == serial["steps"] and np.abs(mpi["u"] - serial["u"]).max() < 1e-9


def test_bursts_on_an_mpi4py_futures_pool_equal_the_serial_ones(tmp_path):
    """``mpiexec -n 3 python -m mpi4py.futures``: rank 0 gives four LAMMPS bursts to two worker ranks;
    each rank opens its LAMMPS alone (world size 1), and the stresses are bit-identical to the
    bursts run in rank 0 itself."""
    assert MPIEXEC.exists(), f"{MPIEXEC} missing: the lammps[mpi] install brings mpich's mpiexec"
    out = tmp_path / "bursts.npz"
    subprocess.run([str(MPIEXEC), "-n", "3", sys.executable, "-m", "mpi4py.futures",
                    str(Path(__file__).with_name("bursts_on_mpi.py")), str(out)], check=True, timeout=300)
    r = np.load(out)
    assert int(r["world_size"]) == 3 and int(r["workers"]) == 2
    assert np.all(r["worlds"] == 1)
    assert np.array_equal(r["pooled"], r["serial"]) and np.abs(r["serial"]).max() > 1e-3
