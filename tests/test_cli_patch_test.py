"""``qcbridge patch-test`` prints the residuals of every method; --json for scripts."""

import json

import pytest

from qcbridge.cli import main


def test_patch_test_json_and_table(capsys):
    assert main(["patch-test", "--json", "--F", "1", "0.02", "0", "0", "1", "0", "0.01", "0", "1"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res) == {"qce", "qce-gfc", "qcf", "bqce", "bqcf"}
    assert res["qce"] > 1e-2 and res["bqce"] > 1e-3
    assert max(res["qce-gfc"], res["qcf"], res["bqcf"]) < 1e-8
    assert main(["patch-test", "--potential", "lj:Ar:0.0104:3.4:8.5", "--size", "17", "7", "--radius", "13",
                 "--methods", "qce,bqcf"]) == 0
    out = capsys.readouterr().out
    assert "qce " in out and "bqcf" in out and "core" in out


def test_patch_test_names_bad_input(capsys):
    assert main(["patch-test", "--methods", "qce,quasi"]) == 2
    assert "choose one of qce, qce-gfc, qcf, bqce, bqcf" in capsys.readouterr().err
    assert main(["patch-test", "--radius", "30", "--size", "24", "12"]) == 2
    err = capsys.readouterr().err
    assert "padding" in err and "enlarge the domain by at least" in err and "slab fits" in err
    assert main(["patch-test", "--F", "1", "0", "0", "0", "0.5", "0", "0", "0", "1", "--methods", "bqcf"]) == 2
    assert "strain_margin >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["--potential", "CuNi.eam.alloy"],                                   # two-element setfl file
    ["--potential", "Fe_mm.eam.fs", "--lattice", "bcc"],                # bcc, Finnis-Sinclair
    ["--orientation", "1,-1,0 0,0,1 -1,-1,0"],                          # fcc with [001] in the plane
    ["--potential", "Mg_mm.eam.fs"],                                    # an element whose ground state is hcp
], ids=["CuNi", "Fe-bcc", "fcc-110-normal", "Mg-as-fcc"])
def test_patch_test_defaults_work_for_every_builder_structure(args, capsys):
    """Default sizes follow from the lattice and the cutoff, and the lattice constant guess from
    the element's atomic volume, so the defaults run for any structure the builders make."""
    assert main(["patch-test", "--json", "--methods", "qce-gfc,bqcf", *args]) == 0
    res = json.loads(capsys.readouterr().out)
    assert max(res.values()) < 1e-10
