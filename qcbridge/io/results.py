"""Results of benchmark and example scripts as JSON files, with where they came from.

Every number quoted in README comes from such a file (``docs/results/<name>.json``): the
script that measures it writes the file, ``docs/readme_tables.py`` renders README's tables
from the files, and the tests check that README shows exactly what the files hold.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["read_results", "write_results"]


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    return x


def write_results(path: str | Path, results: dict[str, Any], *, script: str) -> Path:
    """Write ``results`` (numbers, strings, lists, dicts, numpy values) to a JSON file with
    the script, command line, date and machine, atomically.

    Parameters
    ----------
    path : str or Path
        The JSON file; its folder is created.
    results : dict
    script : str
        The script that measured them (repository-relative path).

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "script": script,
        "command": " ".join(["python", script, *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "results": _plain(results),
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    tmp.replace(path)
    return path


def read_results(path: str | Path) -> dict[str, Any]:
    """The record written by :func:`write_results` (``results`` holds the numbers)."""
    return json.loads(Path(path).read_text())
