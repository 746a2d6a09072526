"""``qcbridge homogenize IMAGE --phase ...``: images from .npy, PNG and TIFF stacks, phase
specifications, the JSON output, figures, and errors that name the bad input."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from qcbridge.cli import main
from qcbridge.homogenization.analytic import laminate_conductivity, laminate_stiffness
from qcbridge.io.images import read_phase_image
from qcbridge.tensors import cubic_stiffness


@pytest.fixture
def stripes(tmp_path):
    """A 2D laminate, layers normal to x, as a grey PNG (0 and 200) and as .npy labels."""
    labels = np.zeros((16, 16), dtype=np.uint8)
    labels[4:] = 1
    Image.fromarray(labels * 200).save(tmp_path / "stripes.png")
    np.save(tmp_path / "stripes.npy", labels.astype(int))
    return tmp_path


def test_png_conductivity_laminate_is_printed_exactly(stripes, capsys):
    assert main(["homogenize", str(stripes / "stripes.png"), "--phase", "0=1", "--phase", "1=4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    exact = laminate_conductivity([np.eye(2), 4 * np.eye(2)], [0.25, 0.75], 0)
    assert np.allclose(out["tensor"], exact, rtol=1e-10)
    assert out["problem"] == "conductivity" and out["phase_fractions"] == [0.25, 0.75]
    assert len(out["iterations"]) == 2 and max(out["residual"]) <= 1e-8


def test_npy_elastic_cubic_and_isotropic_phases_with_a_figure(stripes, capsys):
    figure = stripes / "fields.png"
    assert main(["homogenize", str(stripes / "stripes.npy"), "--phase", "0=iso:70,0.35",
                 "--phase", "1=cubic:108,62,28", "--figure", str(figure)]) == 0
    captured = capsys.readouterr()
    assert "effective stiffness (Voigt xx yy xy, GPa)" in captured.out and "load case 3/3" in captured.err
    rows = [line.split() for line in captured.out.splitlines()[1:4]]
    E, nu = 70.0, 0.35
    lam, mu = E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))
    plane = np.ix_([0, 1, 5], [0, 1, 5])
    exact = laminate_stiffness([cubic_stiffness(lam + 2 * mu, lam, mu)[plane], cubic_stiffness(108, 62, 28)[plane]],
                               [0.25, 0.75], 0)
    assert np.allclose(np.array(rows, dtype=float), exact, rtol=1e-5)
    assert figure.stat().st_size > 10_000


def test_tiff_stack_is_a_3d_image(tmp_path):
    pages = [Image.fromarray(np.full((4, 5), 50 * k, dtype=np.uint8)) for k in range(3)]
    pages[0].save(tmp_path / "stack.tif", save_all=True, append_images=pages[1:])
    phases, levels = read_phase_image(tmp_path / "stack.tif")
    assert phases.shape == (3, 4, 5) and levels.tolist() == [0, 50, 100]
    assert (phases[:, 0, 0] == [0, 1, 2]).all()


@pytest.mark.parametrize("phases,message", [
    (["0=1"], r"label\(s\) \[1\]"),
    (["0=1", "1=iso:70,0.3"], "mix of conductivity and elastic"),
    (["0=1", "2=3"], "labels must be 0 .. 1"),
    (["0=iso:70", "1=iso:70,0.3"], "expected 2 comma-separated numbers"),
    (["0=cubic:100,120,50", "1=cubic:108,62,28"], "not positive definite"),
    (["0=steel", "1=1"], "could not convert|unknown kind"),
    (["x=1"], "write LABEL=SPEC"),
])
def test_bad_phase_specifications_are_named(stripes, capsys, phases, message):
    argv = ["homogenize", str(stripes / "stripes.npy")]
    for spec in phases:
        argv += ["--phase", spec]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "qcbridge homogenize: error:" in err
    assert re.search(message, err), err


def test_bad_files_are_named(tmp_path, capsys):
    assert main(["homogenize", str(tmp_path / "missing.png"), "--phase", "0=1"]) == 2
    assert "no such image file" in capsys.readouterr().err
    (tmp_path / "image.bmp").write_bytes(b"BM")
    assert main(["homogenize", str(tmp_path / "image.bmp"), "--phase", "0=1"]) == 2
    assert "unknown image type" in capsys.readouterr().err
    np.save(tmp_path / "ok.npy", np.zeros((4, 4), int))
    assert main(["homogenize", str(tmp_path / "ok.npy"), "--phase", "0=1", "--figure",
                 str(tmp_path / "no" / "such" / "dir.png")]) == 2
    assert "the folder does not exist" in capsys.readouterr().err
