"""Every bad input of the catalogue (docs/bad_inputs.py, whose output is docs/bad_inputs.md)
raises its named QCBridgeError subclass with a message."""

import importlib.util
import sys
from pathlib import Path

import pytest

from qcbridge.errors import QCBridgeError

_spec = importlib.util.spec_from_file_location("bad_inputs", Path(__file__).parents[1] / "docs" / "bad_inputs.py")
catalogue = importlib.util.module_from_spec(_spec)
sys.modules["bad_inputs"] = catalogue
_spec.loader.exec_module(catalogue)


@pytest.mark.parametrize("case", catalogue.CASES, ids=[f"{c.area}: {c.description}" for c in catalogue.CASES])
def test_bad_input_raises_its_named_error(case, tmp_path):
    exc = catalogue.outcome(case, tmp_path)
    assert isinstance(exc, case.error), f"expected {case.error.__name__}, got {exc!r}"
    assert isinstance(exc, QCBridgeError) and len(str(exc)) > 20


def test_bad_inputs_table_lists_every_case():
    table = (Path(__file__).parents[1] / "docs" / "bad_inputs.md").read_text()
    for case in catalogue.CASES:
        assert f"| {case.area} | {case.description} | `{case.error.__name__}` |" in table, case.description
