"""Stillinger-Weber and Tersoff potentials: LAMMPS's parameter files, read and validated.

Both files (LAMMPS ``pair_style sw`` and ``pair_style tersoff``) hold one entry per ordered
element triplet (i, j, k): three element names and then the numbers

* Stillinger-Weber (11): epsilon (eV), sigma (A), a, lambda, gamma, costheta0, A, B, p, q, tol;
* Tersoff (14): m, gamma, lambda3 (1/A), c, d, costheta0 (LAMMPS's h), n, beta, lambda2 (1/A),
  B (eV), R (A), D (A), lambda1 (1/A), A (eV).

LAMMPS takes the two-body terms of a pair i-j from entry (i, j, j) and the three-body terms of
j and k around i from entry (i, j, k) (Tersoff: the cutoff of the i-k bond too). The
Stillinger-Weber cutoff of a pair is a * sigma of its (i, j, j) entry (shortened when
tol > 0), the Tersoff cutoff R + D.

The file is read as LAMMPS's ``PotentialFileReader::next_line`` reads it: ``#`` starts a
comment, blank lines are skipped, and an entry whose line holds too few words continues on
the following lines. :func:`read_threebody_file` raises :class:`~qcbridge.errors.PotentialFileError`
naming the file, the entry and the line when: an entry is cut off by the end of the file, an
entry ends inside a line (LAMMPS would ignore the rest of that line), a value is not a finite
number, an element name is not a chemical symbol, an element triplet has two entries or none,
a value breaks LAMMPS's own limits (negative values; Tersoff D > R, m other than 1 or 3) or
gives non-finite energies (Tersoff d = 0), or the file is written in other units than metal.
Results are cached per :func:`~qcbridge.potentials.eam_files.file_key`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np
from ase.data import atomic_masses, atomic_numbers

from ..errors import PotentialError, PotentialFileError
from .eam_files import file_key
from .potential import Potential

__all__ = ["ThreeBodyParameters", "ThreeBodyPotential", "StillingerWeber", "Tersoff", "read_threebody_file",
           "PARAMETER_NAMES"]

#: Parameter names of each style, in file order (after the three element names).
PARAMETER_NAMES: dict[str, tuple[str, ...]] = {
    "sw": ("epsilon", "sigma", "a", "lambda", "gamma", "costheta0", "A", "B", "p", "q", "tol"),
    "tersoff": ("m", "gamma", "lambda3", "c", "d", "costheta0", "n", "beta", "lambda2", "B", "R", "D",
                "lambda1", "A"),
}

#: Parameters LAMMPS refuses when negative ("Illegal ... parameter").
_NON_NEGATIVE = {
    "sw": ("epsilon", "sigma", "a", "lambda", "gamma", "A", "B", "p", "q", "tol"),
    "tersoff": ("c", "d", "n", "beta", "lambda2", "B", "R", "D", "lambda1", "A", "gamma"),
}

_FIX_HINT = "The file is damaged or not in this format: compare it with its source or download it again"
_UNITS = re.compile(r"UNITS:\s*(\S+)")


@dataclass(frozen=True)
class ThreeBodyParameters:
    """The parameters of a Stillinger-Weber or Tersoff file, one entry per element triplet.

    Attributes
    ----------
    style : str
        ``"sw"`` or ``"tersoff"``.
    elements : tuple of str
        Element names in order of first appearance in the file.
    values : ndarray, shape (n, n, n, n_parameters)
        ``values[i, j, k]``: the entry of triplet (elements[i], elements[j], elements[k]),
        in the order of :data:`PARAMETER_NAMES` (read-only).
    lines : ndarray of int, shape (n, n, n)
        1-based line on which each entry starts.
    cutoff : float
        Largest interaction distance in Angstrom (LAMMPS's ``cutmax``).
    """

    style: str
    elements: tuple[str, ...]
    values: np.ndarray
    lines: np.ndarray
    cutoff: float

    def __getitem__(self, name: str) -> np.ndarray:
        """One parameter of every triplet, shape (n, n, n)."""
        return self.values[..., PARAMETER_NAMES[self.style].index(name)]


def sw_cutoff_squared(values: np.ndarray) -> np.ndarray:
    """LAMMPS's squared cutoff of Stillinger-Weber entries (``PairSW::setup_params``).

    Parameters
    ----------
    values : ndarray, shape (..., 11)
        Entries in file order.

    Returns
    -------
    ndarray, shape (...)
        (a sigma)^2, or for tol > 0 the shortened (a sigma + g sigma / ln tol)^2 with
        tol at most 0.01 and g = gamma if gamma < 1 else 1 (A^2).
    """
    sigma, a, gamma, tol = values[..., 1], values[..., 2], values[..., 4], np.minimum(values[..., 10], 0.01)
    cut = sigma * a
    with np.errstate(divide="ignore"):
        shortened = cut + np.where(gamma < 1.0, gamma, 1.0) * sigma / np.log(np.where(tol > 0, tol, 0.5))
    r = np.where(tol > 0, shortened, cut)
    return r * r


class _Words:
    """The words of a file with their 1-based line numbers, comments cut off."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.words: list[str] = []
        self.line_of: list[int] = []
        self.n_lines = 0
        for number, line in enumerate(text.splitlines(), start=1):
            self.n_lines = number
            words = line.split("#", 1)[0].split()
            self.words.extend(words)
            self.line_of.extend([number] * len(words))

    def error(self, problem: str, hint: str = _FIX_HINT, *, table: str | None = None,
              line: int | None = None) -> PotentialFileError:
        return PotentialFileError(self.path, problem, hint, table=table, line=line)


def _entries(words: _Words, n_words: int) -> list[tuple[int, list[str], list[int]]]:
    """Split the words into entries of ``n_words`` as LAMMPS's reader does: an entry starts
    on a line and takes whole lines until it has at least ``n_words`` words."""
    out = []
    w, lines = words.words, words.line_of
    k = 0
    while k < len(w):
        start = k
        first = lines[k]
        while k < len(w) and (k - start < n_words or lines[k] == lines[k - 1]):
            k += 1
        what = f"entry {' '.join(w[start:start + 3])}"
        if k - start < n_words:
            raise words.error(
                f"the file ends inside this entry, after {k - start} of its {n_words} words",
                "The file is truncated: download or copy it again, or complete the entry",
                table=what, line=first)
        if k - start > n_words:
            raise words.error(
                f"the entry ends inside line {lines[start + n_words - 1]}, with {k - start - n_words} more "
                f"word(s) on it; LAMMPS reads {n_words} words and ignores the rest of the line",
                "A number is missing or extra in this entry, or two entries share a line: fix the entry",
                table=what, line=lines[start + n_words - 1])
        out.append((first, w[start:k], lines[start:k]))
    return out


def _number(words: _Words, word: str, line: int, name: str, what: str) -> float:
    try:
        value = float(word)
    except ValueError:
        raise words.error(f"{name} is {word!r}, not a number", table=what, line=line) from None
    if not math.isfinite(value):
        raise words.error(
            f"{name} is {word!r}; every parameter must be finite",
            "A NaN or infinity stops LAMMPS or makes it return non-finite energies: take the file from its source",
            table=what, line=line)
    return value


def _element(words: _Words, name: str, line: int, what: str) -> str:
    if name not in atomic_numbers or name == "X":
        raise words.error(
            f"element name {name!r} is not a chemical symbol",
            "qcbridge takes the species from these names: write chemical symbols such as Si, C, Ga",
            table=what, line=line)
    return name


def _check_values(words: _Words, style: str, name3: str, values: list[float], line: int) -> None:
    what = f"entry {name3}"
    p = dict(zip(PARAMETER_NAMES[style], values, strict=True))
    for key in _NON_NEGATIVE[style]:
        if p[key] < 0:
            raise words.error(f"{key} is {p[key]:g}; LAMMPS refuses negative values (Illegal parameter)",
                              table=what, line=line)
    if style != "tersoff":
        return
    if p["D"] > p["R"]:
        raise words.error(f"D = {p['D']:g} exceeds R = {p['R']:g}; LAMMPS refuses it (Illegal Tersoff parameter)",
                          table=what, line=line)
    if p["m"] not in (1.0, 3.0):
        raise words.error(f"m is {p['m']:g}; LAMMPS's Tersoff takes m = 1 or m = 3 only", table=what, line=line)
    if p["d"] == 0:
        raise words.error("d is 0; the angular term g(theta) = gamma (1 + c^2/d^2 - c^2/(d^2 + (h - cos)^2)) "
                          "is then not finite", table=what, line=line)


def _parse(path: Path, text: str, style: str) -> ThreeBodyParameters:
    words = _Words(path, text)
    first_line = text.split("\n", 1)[0]
    units = _UNITS.search(first_line)
    if units and units.group(1) != "metal":
        raise words.error(f"the file is written in units {units.group(1)!r}",
                          "qcbridge runs LAMMPS in metal units (eV, Angstrom): use a file in metal units",
                          table="header", line=1)
    names = PARAMETER_NAMES[style]
    found: dict[tuple[str, str, str], tuple[int, list[float]]] = {}
    order: list[str] = []
    for first, entry, lines in _entries(words, 3 + len(names)):
        name3 = " ".join(entry[:3])
        triplet = (entry[0], entry[1], entry[2])
        for name, line in zip(triplet, lines[:3], strict=True):
            if _element(words, name, line, f"entry {name3}") not in order:
                order.append(name)
        values = [_number(words, v, line, n, f"entry {name3}")
                  for v, line, n in zip(entry[3:], lines[3:], names, strict=True)]
        if triplet in found:
            raise words.error(f"a second entry for {name3} (the first is on line {found[triplet][0]}); "
                              "LAMMPS refuses duplicate entries", "Remove one of them",
                              table=f"entry {name3}", line=first)
        _check_values(words, style, name3, values, first)
        found[triplet] = (first, values)
    if not found:
        raise words.error(f"no entries: a {style} file lists element triplets with their parameters")
    elements = tuple(order)
    n = len(elements)
    missing = [t for t in itertools.product(elements, repeat=3) if t not in found]
    if missing:
        shown = ", ".join(" ".join(t) for t in missing[:6]) + (f" (+{len(missing) - 6} more)" if len(missing) > 6
                                                               else "")
        raise words.error(f"no entry for {shown}; every triplet of the elements {' '.join(elements)} needs one",
                          "Add the missing entries, or remove the elements that only some entries name")
    values_a = np.empty((n, n, n, len(names)))
    lines_a = np.empty((n, n, n), dtype=np.int64)
    index = {e: i for i, e in enumerate(elements)}
    for (a, b, c), (line, v) in found.items():
        values_a[index[a], index[b], index[c]] = v
        lines_a[index[a], index[b], index[c]] = line
    if style == "sw":
        cutoff = float(np.sqrt(sw_cutoff_squared(values_a).max()))
    else:
        cutoff = float((values_a[..., 10] + values_a[..., 11]).max())
    if not cutoff > 0:
        raise words.error("every entry has a zero cutoff: the potential describes no interaction")
    values_a.flags.writeable = False
    lines_a.flags.writeable = False
    return ThreeBodyParameters(style, elements, values_a, lines_a, cutoff)


@lru_cache(maxsize=32)
def _read_cached(key: tuple[str, int, int, int], style: str) -> ThreeBodyParameters:
    p = Path(key[0])
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PotentialError(f"cannot read {style} file {p}: {exc}") from exc
    return _parse(p, text, style)


def threebody_style(path: str | Path) -> str:
    """``"sw"`` for ``*.sw`` files, ``"tersoff"`` for ``*.tersoff`` files.

    Raises
    ------
    PotentialError
        The name has neither suffix.
    """
    name = Path(path).name
    if name.endswith(".sw"):
        return "sw"
    if name.endswith(".tersoff"):
        return "tersoff"
    raise PotentialError(f"{name}: cannot tell the format from the name; expected *.sw (Stillinger-Weber) "
                         "or *.tersoff (Tersoff)")


def read_threebody_file(path: str | Path, style: str | None = None) -> ThreeBodyParameters:
    """Read and validate a LAMMPS Stillinger-Weber or Tersoff parameter file.

    Parameters
    ----------
    path : str or Path
    style : {"sw", "tersoff"}, optional
        Default: from the suffix (``.sw``, ``.tersoff``).

    Returns
    -------
    ThreeBodyParameters
        Cached per resolved path, modification time, size and inode.

    Raises
    ------
    PotentialFileError
        The file is malformed (see the module docstring); the message names the file, the
        entry, the line and what to do.
    PotentialError
        The file cannot be read, or the style is unknown.
    """
    style = threebody_style(path) if style is None else style
    if style not in PARAMETER_NAMES:
        raise PotentialError(f"unknown three-body style {style!r}; choose one of {', '.join(PARAMETER_NAMES)}")
    return _read_cached(file_key(path), style)


@dataclass(frozen=True)
class ThreeBodyPotential(Potential):
    """A three-body potential read from a LAMMPS parameter file (base of
    :class:`StillingerWeber` and :class:`Tersoff`).

    Attributes
    ----------
    path : Path
        The parameter file, passed to LAMMPS by absolute path.
    """

    path: Path = field(default=Path())

    style: ClassVar[str] = ""

    @classmethod
    def from_file(cls, path: str | Path, name: str | None = None) -> ThreeBodyPotential:
        """Read, validate and describe a parameter file.

        Parameters
        ----------
        path : str or Path
        name : str, optional
            Registry name; default the file name.
        """
        path = Path(path).resolve()
        t = read_threebody_file(path, cls.style)
        masses = tuple(float(atomic_masses[atomic_numbers[e]]) for e in t.elements)
        return cls(name or path.name, t.elements, masses, t.cutoff, path=path)

    @property
    def pair_style(self) -> str:
        return self.style

    @property
    def is_manybody(self) -> bool:
        return True

    def parameters(self) -> ThreeBodyParameters:
        """The validated parameters of the file (cached)."""
        return read_threebody_file(self.path, self.style)

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        self.parameters()  # validated (and cached) before LAMMPS reads it: a bad file stops LAMMPS
        return [f"pair_coeff * * {self.path} {' '.join(type_species)}"]


@dataclass(frozen=True)
class StillingerWeber(ThreeBodyPotential):
    """Stillinger-Weber potential, LAMMPS ``pair_style sw``, from a ``*.sw`` file.

    E = sum_i sum_{j>i} phi2(r_ij) + sum_i sum_{j<k} phi3(r_ij, r_ik, theta_jik) with
    phi2 = A eps (B (sigma/r)^p - (sigma/r)^q) exp(sigma / (r - a sigma)) and
    phi3 = lambda eps (cos theta - cos theta0)^2 exp(gamma sigma / (r_ij - a sigma))
    exp(gamma sigma / (r_ik - a sigma)) (Stillinger and Weber, Phys. Rev. B 31, 5262 (1985)).
    """

    style: ClassVar[str] = "sw"


@dataclass(frozen=True)
class Tersoff(ThreeBodyPotential):
    """Tersoff potential, LAMMPS ``pair_style tersoff`` (without ``shift``), from a ``*.tersoff`` file.

    E = 1/2 sum_i sum_{j != i} fc(r_ij) [A exp(-lambda1 r_ij) - b_ij B exp(-lambda2 r_ij)] with the
    bond order b_ij = (1 + (beta zeta_ij)^n)^(-1/2n) and
    zeta_ij = sum_{k != i,j} fc(r_ik) g(theta_ijk) exp((lambda3 (r_ij - r_ik))^m)
    (Tersoff, Phys. Rev. B 37, 6991 (1988); 39, 5566 (1989)).
    """

    style: ClassVar[str] = "tersoff"
