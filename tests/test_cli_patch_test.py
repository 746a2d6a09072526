"""``qcbridge patch-test`` prints the residuals of every method; --json for scripts."""

import json

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
    assert main(["patch-test", "--radius", "30"]) == 2
    assert "padding" in capsys.readouterr().err
