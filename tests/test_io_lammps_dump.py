"""LAMMPS dump reading against LAMMPS itself: scaled and image-flag coordinates in a triclinic
box against LAMMPS's own unwrapped xu yu zu, compressed dumps against the plain text, and
damaged files against the line numbers of their text."""

import bz2
import lzma

import numpy as np
import pytest
from ase import units

from qcbridge.engines import import_lammps
from qcbridge.errors import TrajectoryError, UnitsError
from qcbridge.io import read_lammps_dump, read_trajectory
from qcbridge.io.lammps_dump import is_lammps_dump

COLUMNS = {
    "xu": "id type xu yu zu vx vy vz",  # the reference: LAMMPS unwraps
    "xsu": "id type xsu ysu zsu",
    "ximg": "id type x y z ix iy iz",
    "xs": "id type xs ys zs",
    "x": "id type x y z",
}


@pytest.fixture(scope="module")
def triclinic_dumps(tmp_path_factory):
    """Hot LJ argon in a tilted box, run until atoms cross the periodic faces, dumped in every
    coordinate style (and as dump atom with image flags, and gzipped by LAMMPS).

    LAMMPS input (units metal)::

        lattice fcc 5.26
        region box prism 0 2 0 2 0 2 1.3 -0.9 0.7
        create_box 1 box; create_atoms 1 box; mass 1 39.95
        pair_style lj/cut 5.0; pair_coeff * * 0.0104 3.40
        velocity all create 3000 7; fix nve all nve; timestep 0.004
        dump <style> all custom 25 <file> <columns>; dump_modify <style> format float %.15g
        run 200
    """
    d = tmp_path_factory.mktemp("dumps")
    lmp = import_lammps().lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        for line in [
            "units metal", "atom_style atomic", "lattice fcc 5.26", "region box prism 0 2 0 2 0 2 1.3 -0.9 0.7",
            "create_box 1 box", "create_atoms 1 box", "mass 1 39.95", "pair_style lj/cut 5.0",
            "pair_coeff * * 0.0104 3.40", "velocity all create 3000 7", "fix nve all nve", "timestep 0.004",
            f"dump atom all atom 25 {d / 'atom.dump'}",
            'dump_modify atom image yes format line "%d %d %.15g %.15g %.15g %d %d %d"',
            f"dump gz all custom/gz 25 {d / 'xu.dump.gz'} {COLUMNS['xu']}", "dump_modify gz format float %.15g",
            *[f"dump {k} all custom 25 {d / (k + '.dump')} {c}\ndump_modify {k} format float %.15g"
              for k, c in COLUMNS.items()],
            "run 200",
        ]:
            for sub in line.split("\n"):
                lmp.command(sub)
    finally:
        lmp.close()
    return d


def test_scaled_and_image_flag_coordinates_match_lammps_unwrapped_positions(triclinic_dumps):
    d = triclinic_dumps
    ref = read_trajectory(d / "xu.dump")
    assert ref.n_frames == 9 and ref.positions.shape == (9, 32, 3)
    last = (d / "ximg.dump").read_text().split("ITEM: ATOMS")[-1].splitlines()[1:]
    assert np.any(np.array([[int(w) for w in ln.split()[5:8]] for ln in last]) != 0)  # atoms did cross faces
    for name in ("atom", "xsu", "ximg"):
        traj = read_trajectory(d / f"{name}.dump")
        assert traj.n_frames == 9 and traj.velocities is None
        assert np.abs(traj.positions - ref.positions).max() < 1e-9, name
    wrapped = read_trajectory(d / "x.dump")  # no image flags: LAMMPS's wrapped x y z
    assert np.abs(read_trajectory(d / "xs.dump").positions - wrapped.positions).max() < 1e-9
    assert not np.allclose(wrapped.positions, ref.positions)


def test_a_dump_without_velocities_reads_and_fails_only_when_velocities_are_needed(triclinic_dumps):
    traj = read_trajectory(triclinic_dumps / "atom.dump")
    assert traj.n_frames == 9 and traj.forces is None
    with pytest.raises(TrajectoryError, match="no velocities.*dump ID group custom"):
        traj.observables(masses={1: 39.95})


def test_compressed_dumps_use_the_text_reader(triclinic_dumps, tmp_path, monkeypatch):
    """LAMMPS's own dump custom/gz, and bzip2 / xz copies of the plain dump, read by the fast
    reader (ASE is never asked) to the same arrays as the plain text."""
    import qcbridge.io.trajectory as trajectory_module

    def no_ase(*args, **kwargs):
        raise AssertionError("a compressed dump went through ASE")

    monkeypatch.setattr(trajectory_module, "_read_ase", no_ase)
    d = triclinic_dumps
    plain = read_trajectory(d / "xu.dump", timestep=0.004)
    raw = (d / "xu.dump").read_bytes()
    (tmp_path / "xu.dump.bz2").write_bytes(bz2.compress(raw))
    (tmp_path / "xu.dump.xz").write_bytes(lzma.compress(raw))
    seen = []
    for path in (d / "xu.dump.gz", tmp_path / "xu.dump.bz2", tmp_path / "xu.dump.xz"):
        assert is_lammps_dump(path)
        traj = read_trajectory(path, timestep=0.004, progress=lambda done, total: seen.append((done, total)))
        assert np.array_equal(traj.positions, plain.positions) and np.array_equal(traj.velocities, plain.velocities)
        assert np.array_equal(traj.times, plain.times)
    assert seen[-1][0] == seen[-1][1] == (tmp_path / "xu.dump.xz").stat().st_size
    damaged = tmp_path / "cut.dump.gz"
    damaged.write_bytes((d / "xu.dump.gz").read_bytes()[:-200])
    with pytest.raises(TrajectoryError, match="cut.dump.gz.*compressed file is damaged or truncated"):
        read_trajectory(damaged)


def test_units_and_time_items_and_trailing_blank_lines(tmp_path):
    """dump_modify units yes time yes (units real, 2 fs steps), with blank lines appended: the
    times are LAMMPS's ITEM: TIME, and reading in other units than the dump's is refused."""
    dump = tmp_path / "real.dump"
    lmp = import_lammps().lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        for line in [
            "units real", "atom_style atomic", "lattice fcc 5.26", "region box block 0 2 0 2 0 2", "create_box 1 box",
            "create_atoms 1 box", "mass 1 39.95", "pair_style lj/cut 8.0", "pair_coeff * * 0.24 3.40",
            "velocity all create 100 3", "fix nve all nve", "timestep 2.0",
            f"dump d all custom 10 {dump} id type xu yu zu vx vy vz fx fy fz", "dump_modify d units yes time yes",
            "run 30",
        ]:
            lmp.command(line)
    finally:
        lmp.close()
    dump.write_text(dump.read_text() + "\n\n  \n")
    traj = read_trajectory(dump, units="real")
    assert traj.n_frames == 4
    assert np.allclose(traj.times / units.fs, [0.0, 20.0, 40.0, 60.0], rtol=1e-12, atol=1e-12)
    with pytest.raises(UnitsError, match="units real.*units='real'"):
        read_trajectory(dump, units="metal")
    with pytest.raises(UnitsError, match="unsupported LAMMPS units 'SI'"):
        read_trajectory(dump, units="SI")


HEAD = "ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n3\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n0 10\n" \
       "ITEM: ATOMS id type x y z vx vy vz\n"
ATOMS = "1 1 0.5 0.5 0.5 0.1 0.2 0.3\n2 1 1.5 0.5 0.5 -0.1 0.0 0.2\n3 1 2.5 0.5 0.5 0.0 -0.2 -0.5\n"
GOOD = HEAD.format(step=0) + ATOMS + HEAD.format(step=10) + ATOMS


def _line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based number of the ``nth`` line containing ``needle``."""
    return [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln][nth]


@pytest.mark.parametrize("damage, message, where", [
    (lambda t: t.replace("1.5 0.5 0.5 -0.1", "1.5 0.5 0.5 -0.1.2", 1), "cannot read the number '-0.1.2'",
     lambda t: _line_of(t, "-0.1.2")),
    (lambda t: t.replace("2.5 0.5 0.5 0.0", "2.5 0.5 nan 0.0", 1), "z = nan .*non-finite",
     lambda t: _line_of(t, "nan")),
    (lambda t: t.replace("2 1 1.5 0.5 0.5 -0.1 0.0 0.2", "2 1 1.5 0.5 0.5 -0.1 0.0", 1), "7 values where .* 8",
     lambda t: _line_of(t, "2 1 1.5")),
    (lambda t: t.replace("ATOMS\n3", "ATOMS\nthree", 1), "the number of atoms", lambda t: _line_of(t, "three")),
    (lambda t: t.replace("3 1 2.5", "2 1 2.5", 1), "atom id 2 appears twice", lambda t: _line_of(t, "2 1 2.5")),
    (lambda t: t[::-1].replace("vx vy vz"[::-1], "fx fy fz"[::-1], 1)[::-1], "columns change",
     lambda t: _line_of(t, "fx fy fz")),
    (lambda t: t.replace("id type x y z vx vy vz", "type x y z vx vy vz q", 1), "no 'id' column",
     lambda t: _line_of(t, "ITEM: ATOMS")),
    (lambda t: t + "ITEM: TIMESTEP\n20\nITEM: NUMBER OF ATOMS\n", "ends inside a frame header",
     lambda t: len(t.splitlines())),
    (lambda t: t + "garbage line\n", "expected an 'ITEM: ...' header line", lambda t: _line_of(t, "garbage")),
    (lambda t: t + HEAD.format(step=20).replace("ATOMS\n3", "ATOMS\n2") + ATOMS.split("3 1")[0],
     "set of atoms changes at step 20", lambda t: _line_of(t, "ITEM: ATOMS", 2) + 1),
], ids=["number", "nan", "columns", "header", "duplicate", "column-set", "no-id", "cut-header", "garbage", "atoms"])
def test_damaged_dumps_name_the_file_the_line_and_the_remedy(tmp_path, damage, message, where):
    text = damage(GOOD)
    path = tmp_path / "bad.dump"
    path.write_text(text)
    with pytest.raises(TrajectoryError, match=message) as info:
        read_trajectory(path)
    assert f"bad.dump, line {where(text)}:" in str(info.value)


def test_empty_files_and_directories_are_named(tmp_path):
    (tmp_path / "blank.dump").write_text("\n\n")
    with pytest.raises(TrajectoryError, match="blank.dump holds no frames"):
        read_lammps_dump(tmp_path / "blank.dump")
    with pytest.raises(TrajectoryError, match="not a file"):
        read_trajectory(tmp_path)
    with pytest.raises(TrajectoryError, match="timestep must be positive"):
        read_lammps_dump(tmp_path / "blank.dump", timestep=-1.0)
