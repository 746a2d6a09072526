"""`qcbridge info` lists only loadable potentials; bare `qcbridge` prints the help; `--version`."""

import json
import os
import subprocess
import sys

import pytest

import qcbridge
from qcbridge.cli import main
from qcbridge.potentials import load_potential, potential_directories, registry


def wheel_file(name):
    for d in potential_directories():
        if (d / name).is_file():
            return d / name
    raise FileNotFoundError(name)


def test_bare_command_prints_help_and_exits_0(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: qcbridge") and "info" in out and "patch-test" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"qcbridge {qcbridge.__version__}"


def test_bare_command_and_version_as_a_process():
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    bare = subprocess.run([sys.executable, "-m", "qcbridge.cli"], capture_output=True, text=True, env=env)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: qcbridge") and not bare.stderr
    version = subprocess.run([sys.executable, "-m", "qcbridge.cli", "--version"], capture_output=True, text=True,
                             env=env)
    assert version.returncode == 0 and version.stdout.strip() == f"qcbridge {qcbridge.__version__}"


def test_info_lists_only_loadable_potentials(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    names = info["potentials"]
    assert {"Al_jnp.eam", "CuNi.eam.alloy", "Fe_mm.eam.fs", "Cu_morse.table"} <= set(names)
    assert not [n for n in names if n.endswith(".bop.table")]
    assert "He_He_JW2013.table" not in names and "skipped" not in info
    for name in names:  # the listing promises that every name loads, values and all
        load_potential(name)


def test_info_all_gives_the_reasons(capsys):
    assert main(["info", "--json", "--all"]) == 0
    info = json.loads(capsys.readouterr().out)
    skipped = info["skipped"]
    assert "parameter line" in skipped["AlCu.bop.table"]
    assert "# qcbridge species:" in skipped["He_He_JW2013.table"]
    assert not set(skipped) & set(info["potentials"])
    assert main(["info", "--all"]) == 0
    out = capsys.readouterr().out
    assert "skipped (" in out and "  AlCu.bop.table: " in out
    assert main(["info"]) == 0
    assert "qcbridge info --all" in capsys.readouterr().out


def test_listing_of_a_directory_with_broken_files(tmp_path, monkeypatch, capsys):
    good = wheel_file("Al_jnp.eam").read_text()
    (tmp_path / "Al_good.eam").write_text(good)
    (tmp_path / "Al_short.eam").write_text("\n".join(good.splitlines()[:200]) + "\n")
    (tmp_path / "Cu_nocomment.table").write_text(
        "\n".join(wheel_file("Cu_morse.table").read_text().splitlines()[1:]) + "\n")
    (tmp_path / "notes.txt").write_text("not a potential")
    monkeypatch.setattr(registry, "potential_directories", lambda: [tmp_path])
    assert registry.known_potentials() == ["Al_good.eam"]
    skipped = registry.skipped_potentials()
    assert set(skipped) == {"Al_short.eam", "Cu_nocomment.table"}
    assert "Z(r)" in skipped["Al_short.eam"] and "ends early" in skipped["Al_short.eam"]
    assert main(["info", "--json", "--all"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["potentials"] == ["Al_good.eam"] and info["skipped"] == skipped
    assert info["potential_directories"] == [str(tmp_path)]
