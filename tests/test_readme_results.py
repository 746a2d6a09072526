"""README's numbers are the recorded output of the scripts that measure them.

Fast: every marked table in README equals its rendering from ``docs/results`` (so README
cannot drift from what the scripts wrote). Slow (``-m slow``): the deterministic numbers in
``docs/results`` are what the scripts compute today (timings aside).
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _recorded(name: str) -> dict:
    return json.loads((ROOT / "docs" / "results" / f"{name}.json").read_text())["results"]


def test_readme_tables_are_the_recorded_results():
    tables = _load(ROOT / "docs" / "readme_tables.py", "readme_tables")
    text = (ROOT / "README.md").read_text()
    marked = {m.group("name") for m in tables.BLOCK.finditer(text)}
    assert marked == set(tables.RENDERERS), f"README marks {sorted(marked)}, renderers {sorted(tables.RENDERERS)}"
    assert tables.render(text) == text, "README differs from docs/results: run python docs/readme_tables.py"


def _close(new, old, rel=1e-6, floor=1e-12):
    """Equal to rel, except values below ``floor`` (round-off residuals), which must stay below it."""
    new, old = np.asarray(new, float), np.asarray(old, float)
    small = np.abs(old) < floor
    assert np.all(np.abs(new[small]) < floor)
    assert np.allclose(new[~small], old[~small], rtol=rel, atol=0.0)


@pytest.mark.slow
def test_patch_test_results_are_reproduced():
    bench = _load(ROOT / "benchmarks" / "patch_test.py", "bench_patch_test")
    new, old = bench.measure(), _recorded("patch_test")
    for a, b in zip(new["table"], old["table"], strict=True):
        _close([a[m] for m in old["methods"]], [b[m] for m in old["methods"]])
    _close(new["bqce_ghost_force"], old["bqce_ghost_force"])


@pytest.mark.slow
def test_elastic_constants_are_reproduced():
    bench = _load(ROOT / "benchmarks" / "cauchy_born.py", "bench_cauchy_born")
    for a, b in zip(bench.elastic_constants(), _recorded("cauchy_born")["elastic_constants"], strict=True):
        assert a["lattice"] == b["lattice"]
        _close(list(a["cauchy_born"].values()), list(b["cauchy_born"].values()))
        _close(list(a["lammps"].values()), list(b["lammps"].values()), rel=1e-4)


DETERMINISTIC = ("separation_qc", "separation_full", "core_energy_qc", "core_energy_full", "max_error_core",
                 "energy_norm_error", "dof_qc", "dof_full", "qc_steps")


@pytest.mark.slow
def test_edge_dislocation_results_are_reproduced(tmp_path):
    example = _load(ROOT / "examples" / "edge_dislocation_al.py", "example_edge")
    new, old = example.run(tmp_path), _recorded("edge_dislocation")
    _close([new[k] for k in DETERMINISTIC], [old[k] for k in DETERMINISTIC], rel=1e-5)


@pytest.mark.slow
def test_dislocation_scaling_first_size_is_reproduced():
    bench = _load(ROOT / "benchmarks" / "qc_dislocation_scaling.py", "bench_scaling")
    old = _recorded("qc_dislocation_scaling")["rows"][0]
    new = bench.measure(tuple(old["cells"]))
    keys = ("sites", "dof_full", "dof_qc", "separation_full", "separation_qc", "max_error_core", "qc_steps")
    _close([new[k] for k in keys], [old[k] for k in keys], rel=1e-5)


@pytest.mark.slow
def test_convergence_study_point_is_reproduced():
    """One point of the 53-minute study: BQCF at the smallest vacancy radius."""
    from qcbridge import load_potential
    from qcbridge.coupling.problems import VacancyProblem
    from qcbridge.solvers import FIRE, RelaxOptions, relax

    data = json.loads((ROOT / "docs" / "qc_convergence.json").read_text())
    s = data["settings"]
    row = data["vacancy"]["rows"]["bqcf"][0]
    prob = VacancyProblem.build(load_potential("Al_mm.eam.fs"), tuple(s["size"]))
    ref = prob.reference(ftol=1e-8)
    with prob.model(row["R"], "bqcf", blend_width=8.0, grading_exponent=s["grading"]) as model:
        res = relax(model, FIRE(), RelaxOptions(fmax=s["fmax"], max_steps=30000))
        cmp = prob.compare(model, res.u, ref)
        assert 3 * int(model.free.sum()) == row["dof"]
    assert cmp["energy_norm_error"] == pytest.approx(row["error"], rel=1e-3)


def test_homogenization_example_checkerboard_errors_are_reproduced():
    example = _load(ROOT / "examples" / "homogenization_polycrystal.py", "example_homogenization")
    old = _recorded("homogenization_polycrystal")["checkerboard"]
    new = example.checkerboard_convergence(tuple(old["N"][:4]))  # the first four sizes: under a second
    _close(new["error"], old["error"][:4], rel=1e-6)


@pytest.mark.slow
def test_homogenization_example_static_polycrystal_is_reproduced(tmp_path):
    """The 0 K phase data of the example (static constants of the potential, relaxed strained cells)."""
    example = _load(ROOT / "examples" / "homogenization_polycrystal.py", "example_homogenization")
    old = _recorded("homogenization_polycrystal")
    from qcbridge import load_potential
    from qcbridge.homogenization.atomistic import finite_temperature_elastic_constants

    static = finite_temperature_elastic_constants(load_potential(example.POTENTIAL), "fcc", 3.615, 0.0)
    _close(static.cubic(), old["crystal"]["0 K"]["C11_C12_C44"], rel=1e-8)
