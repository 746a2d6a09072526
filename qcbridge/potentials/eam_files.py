"""Readers and validators for the DYNAMO EAM table formats that LAMMPS reads.

Three formats (LAMMPS ``pair_style eam``, ``eam/alloy``, ``eam/fs``):

* funcfl (``*.eam``): one element; F(rho) on ``nrho`` points, the effective charge
  Z(r) and rho(r) on ``nr`` points. The pair term is phi(r) = 27.2 * 0.529 * Z(r)^2 / r
  (Hartree*Bohr -> eV*Angstrom), the convention LAMMPS uses.
* setfl (``*.eam.alloy``): N elements; per element F(rho) and rho(r); then r*phi_ij(r)
  for j <= i.
* Finnis-Sinclair (``*.eam.fs``): like setfl, but each element block has N density
  functions ``rho[a][b]``; LAMMPS takes the density at an atom of element b due to a
  neighbour of element a from ``rho[a][b]``.

Tables are stored 0-based here: value k sits at rho = k*drho or r = k*dr.

The file is read the way LAMMPS reads it (``PotentialFileReader``), line by line:

* funcfl: line 1 is skipped; then "Z mass" and "nrho drho nr dr cutoff"; then the tables
  F (nrho numbers), Z (nr) and rho (nr).
* setfl and Finnis-Sinclair: lines 1-3 are skipped; line 4 is "N name_1 ... name_N" with
  exactly N names; then "nrho drho nr dr cutoff"; per element a line "Z mass ..." and its
  tables; then r*phi for every pair j <= i.
* After the skipped lines ``#`` starts a comment and blank lines are ignored; a header line
  with fewer words than LAMMPS needs continues on the next line.
* A table takes whole lines until it has its count of numbers; numbers left over on its last
  line are dropped by LAMMPS, so every table starts on a new line.

:func:`read_eam` validates what it reads and raises :class:`~qcbridge.errors.PotentialFileError`
naming the file, the table or header field, the line and what to do. Checked: the header
fields parse (integers where LAMMPS wants integers), the counts are at least 5 (LAMMPS's
splines use five-point stencils), the spacings and the cutoff are positive and finite, the
cutoff lies within one grid spacing of the r grid's end (``cutoff <= nr * dr``; beyond the
last point LAMMPS holds every table constant), the element names are chemical symbols and
distinct, the masses positive and finite, every table holds its count of numbers (a
truncated file names the table that ends early), no table ends in the middle of a line
(LAMMPS would drop the rest of that line and misread every later table), no numbers follow
the last table, and every value is finite. Results are cached per :func:`file_key`
(resolved path, modification time, size and inode).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from ..errors import PotentialError, PotentialFileError

__all__ = ["EAMTables", "read_eam", "read_eam_header", "eam_style", "file_key", "FUNCFL_Z2R", "MIN_POINTS"]

#: Hartree * Bohr in eV * Angstrom, exactly as LAMMPS writes it (27.2 * 0.529).
FUNCFL_Z2R = 27.2 * 0.529

#: Fewest points a table may have: LAMMPS's spline slopes use five-point stencils and its
#: funcfl resampling four-point Lagrange interpolation.
MIN_POINTS = 5

#: Relative slack of the cutoff check ``cutoff <= nr * dr`` (files print both rounded).
_CUTOFF_RTOL = 1e-9

_INTEGER = re.compile(r"[+-]?\d+\Z")

_FIX_HINT = "The file is damaged or not in this format: compare it with its source or download it again"


@dataclass(frozen=True)
class EAMTables:
    """Raw tables of an EAM file, 0-based.

    Attributes
    ----------
    style : str
        ``"eam"``, ``"eam/alloy"`` or ``"eam/fs"``.
    elements : tuple of str
        Element names (funcfl files: from the atomic number).
    masses : tuple of float
        Masses in amu.
    nrho, drho, nr, dr, cutoff
        Grid sizes and spacings (drho in density units, dr and cutoff in Angstrom).
    frho : ndarray, shape (n_elements, nrho)
        Embedding energies F(rho) in eV.
    rhor : ndarray, shape (n_elements, n_elements, nr)
        ``rhor[a, b]``: density at an atom of element ``b`` from a neighbour of element
        ``a``. For funcfl/setfl it does not depend on ``b``.
    z2r : ndarray, shape (n_elements, n_elements, nr)
        r * phi(r) in eV*Angstrom, symmetric in the element indices. For funcfl files
        this is the Z(r) table instead (see ``zr``).
    zr : ndarray or None
        funcfl only: the effective charge Z(r) (sqrt(Hartree*Bohr)).

    Notes
    -----
    The arrays are read-only: tables are cached and shared between callers.
    """

    style: str
    elements: tuple[str, ...]
    masses: tuple[float, ...]
    nrho: int
    drho: float
    nr: int
    dr: float
    cutoff: float
    frho: np.ndarray
    rhor: np.ndarray
    z2r: np.ndarray
    zr: np.ndarray | None = None


def eam_style(path: str | Path) -> str:
    """The LAMMPS pair style of an EAM file, from its name.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        ``"eam"`` (``*.eam``), ``"eam/alloy"`` (``*.eam.alloy``, ``*.setfl``) or
        ``"eam/fs"`` (``*.eam.fs``).

    Raises
    ------
    PotentialError
        The name has none of these suffixes.
    """
    name = Path(path).name.lower()
    if name.endswith((".eam.alloy", ".setfl")):
        return "eam/alloy"
    if name.endswith(".eam.fs"):
        return "eam/fs"
    if name.endswith(".eam"):
        return "eam"
    raise PotentialError(
        f"{Path(path).name}: cannot tell the EAM format from the name; expected *.eam (funcfl), "
        "*.eam.alloy (setfl) or *.eam.fs (Finnis-Sinclair)"
    )


class _Lines:
    """The words of a file, consumed line by line as LAMMPS's ``TextFileReader`` does.

    ``start[i]`` is the number of words before line i (0-based), so a run of lines is a
    slice of ``words``.
    """

    def __init__(self, path: Path, data: bytes):
        self.path = path
        lines = data.split(b"\n")
        split = [ln.split() for ln in lines]
        pos = data.find(b"#")
        if pos >= 0:  # cut the comments off the few lines that have one
            ends = np.cumsum(np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)) + 1)
            while pos >= 0:
                k = int(np.searchsorted(ends, pos, side="right"))
                split[k] = lines[k][: lines[k].index(b"#")].split()
                pos = data.find(b"#", int(ends[k]))
        self.n_lines = len(split)
        self.last_line = self.n_lines - 1 if data.endswith(b"\n") else self.n_lines  # 1-based, for messages
        self.start = np.zeros(self.n_lines + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, split), dtype=np.int64, count=self.n_lines), out=self.start[1:])
        self.words: list[bytes] = list(chain.from_iterable(split))
        self.line = 0  # next line to read, 0-based

    def word(self, k: int) -> str:
        return self.words[k].decode("utf-8", errors="replace")

    def error(self, problem: str, hint: str = _FIX_HINT, *, table: str | None = None,
              word: int | None = None, line: int | None = None) -> PotentialFileError:
        if word is not None:
            line = self.line_of(word)
        return PotentialFileError(self.path, problem, hint, table=table, line=line)

    def line_of(self, word: int) -> int:
        """1-based line number of the word with flat index ``word``."""
        return int(np.searchsorted(self.start, word, side="right"))

    def skip_line(self) -> None:
        self.line += 1

    def _span(self, n: int) -> tuple[int, int]:
        """First word and end line (exclusive) of the lines that hold the next n words."""
        first = int(self.start[min(self.line, self.n_lines)])
        if first + n > len(self.words):
            return first, self.n_lines + 1
        end = int(np.searchsorted(self.start, first + n, side="left"))
        return first, end

    def values(self, n: int, what: str) -> list[str]:
        """All words of the next lines that hold at least n words (LAMMPS ``next_values``)."""
        first, end = self._span(n)
        if end > self.n_lines:
            found = len(self.words) - first
            raise self.error(f"the file ends after {found} of the {n} words it needs here", table=what,
                             line=self.last_line)
        self.line = end
        return [self.word(k) for k in range(first, int(self.start[end]))]

    def table(self, n: int, what: str, *, convert: bool = True) -> np.ndarray:
        """The next table of n numbers (LAMMPS ``next_dvector``), shape (n,); empty unless
        ``convert`` (then only the count and the line breaks are checked)."""
        first, end = self._span(n)
        if end > self.n_lines:
            found = len(self.words) - first
            raise self.error(
                f"table ends early: the file ends after {found} of its {n} numbers",
                "The file is truncated: download or copy it again, or fix the counts on its grid line",
                table=what, line=self.last_line,
            )
        dropped = int(self.start[end]) - (first + n)
        if dropped:
            raise self.error(
                f"table ends before the end of its last line, with {dropped} more word(s) on it; LAMMPS "
                "drops them and reads the next table from the following line",
                "The counts on the grid line (nrho, nr) do not match the tables, or a table does not "
                "start on a new line: fix the counts or the line breaks",
                table=what, word=first + n - 1,
            )
        self.line = end
        if not convert:
            return np.empty(0)
        chunk = self.words[first : first + n]
        try:
            values = np.array(chunk, dtype=float)
        except ValueError:
            k = next(i for i, w in enumerate(chunk) if not _is_float(w))
            raise self.error(f"{self.word(first + k)!r} (value {k + 1} of {n}) is not a number", table=what,
                             word=first + k) from None
        bad = ~np.isfinite(values)
        if bad.any():
            k = int(np.argmax(bad))
            raise self.error(
                f"value {k + 1} of {n} is {self.word(first + k)!r}; every tabulated value must be finite",
                "A NaN or infinity in a table makes LAMMPS return non-finite energies and forces: "
                "regenerate the table or take the file from its source",
                table=what, word=first + k,
            )
        values.flags.writeable = False
        return values

    def rest(self) -> int:
        """Words after the current line."""
        return len(self.words) - int(self.start[min(self.line, self.n_lines)])


def _is_float(word: str | bytes) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _integer(lines: _Lines, word: str, field: str, what: str) -> int:
    if not _INTEGER.match(word):
        raise lines.error(f"{field} is {word!r}, not an integer", table=what, line=lines.line)
    return int(word)


def _positive(lines: _Lines, word: str, field: str, what: str) -> float:
    try:
        value = float(word)
    except ValueError:
        raise lines.error(f"{field} is {word!r}, not a number", table=what, line=lines.line) from None
    if not (math.isfinite(value) and value > 0):
        raise lines.error(f"{field} is {word}; it must be positive and finite", table=what, line=lines.line)
    return value


def _element(lines: _Lines, name: str, what: str) -> str:
    from ase.data import atomic_numbers

    if name not in atomic_numbers or name == "X":
        raise lines.error(
            f"element name {name!r} is not a chemical symbol",
            "qcbridge takes the species from these names: write chemical symbols such as Cu, Ni, Al",
            table=what, line=lines.line,
        )
    return name


def _grid(lines: _Lines) -> tuple[int, float, int, float, float]:
    what = "grid line (nrho drho nr dr cutoff)"
    w = lines.values(5, what)
    nrho = _integer(lines, w[0], "nrho", what)
    drho = _positive(lines, w[1], "drho", what)
    nr = _integer(lines, w[2], "nr", what)
    dr = _positive(lines, w[3], "dr", what)
    cutoff = _positive(lines, w[4], "cutoff", what)
    for field, n in (("nrho", nrho), ("nr", nr)):
        if n < MIN_POINTS:
            raise lines.error(f"{field} is {n}; LAMMPS's splines need at least {MIN_POINTS} points",
                              table=what, line=lines.line)
    if cutoff > nr * dr * (1 + _CUTOFF_RTOL):
        raise lines.error(
            f"cutoff {cutoff:g} A lies beyond the r grid, which ends at (nr - 1) * dr = {(nr - 1) * dr:g} A; "
            "LAMMPS would hold every r table at its last value out to the cutoff",
            "The cutoff, nr or dr on the grid line is wrong: the cutoff may exceed (nr - 1) * dr by at "
            "most one spacing dr",
            table=what, line=lines.line,
        )
    return nrho, drho, nr, dr, cutoff


def _parse(path: Path, data: bytes, style: str, header_only: bool) -> EAMTables:
    lines = _Lines(path, data)
    convert = not header_only
    if style == "eam":
        lines.skip_line()
        what = "header (atomic number, mass)"
        w = lines.values(2, what)
        z = _integer(lines, w[0], "the atomic number", what)
        from ase.data import chemical_symbols

        if not 0 < z < len(chemical_symbols):
            raise lines.error(f"atomic number {z} names no element",
                              "qcbridge takes the element of a funcfl file from its atomic number: fix it",
                              table=what, line=lines.line)
        masses: tuple[float, ...] = (_positive(lines, w[1], "the mass", what),)
        elements: tuple[str, ...] = (chemical_symbols[z],)
        nrho, drho, nr, dr, cutoff = _grid(lines)
        frho = lines.table(nrho, "F(rho)", convert=convert)
        zr = lines.table(nr, "Z(r)", convert=convert)
        rho = lines.table(nr, "rho(r)", convert=convert)
        _no_trailing_numbers(lines)
        if header_only:
            e = np.empty((1, 1, 0))
            return EAMTables(style, elements, masses, nrho, drho, nr, dr, cutoff, np.empty((1, 0)), e, e)
        z2r = FUNCFL_Z2R * zr * zr
        return EAMTables(style, elements, masses, nrho, drho, nr, dr, cutoff,
                         frho=_frozen(frho[None]), rhor=_frozen(rho[None, None]),
                         z2r=_frozen(z2r[None, None]), zr=zr)

    for _ in range(3):
        lines.skip_line()
    what = "header (element count and names)"
    w = lines.values(1, what)
    n = _integer(lines, w[0], "the element count", what)
    if n < 1:
        raise lines.error(f"the element count is {n}", table=what, line=lines.line)
    if len(w) != n + 1:
        raise lines.error(f"the line counts {n} elements but names {len(w) - 1}; LAMMPS needs exactly "
                          f"{n} names on it", "Make the count match the names", table=what, line=lines.line)
    elements = tuple(_element(lines, name, what) for name in w[1:])
    if len(set(elements)) != n:
        raise lines.error(f"an element is named twice: {' '.join(elements)}", table=what, line=lines.line)
    nrho, drho, nr, dr, cutoff = _grid(lines)
    n_dens = n if style == "eam/fs" else 1
    frho = np.empty((n, nrho if convert else 0))
    rhor = np.empty((n, n, nr if convert else 0))
    masses_l = []
    for a, el in enumerate(elements):
        what = f"element line of {el} (atomic number, mass)"
        w = lines.values(2, what)
        _integer(lines, w[0], "the atomic number", what)
        masses_l.append(_positive(lines, w[1], f"the mass of {el}", what))
        frho[a] = lines.table(nrho, f"F(rho) of {el}", convert=convert)
        for b in range(n_dens):
            name = f"rho(r) of {el}" if n_dens == 1 else f"rho(r) at {elements[b]} from {el}"
            rhor[a, b] = lines.table(nr, name, convert=convert)
        if n_dens == 1:
            rhor[a, :] = rhor[a, 0]
    z2r = np.empty((n, n, nr if convert else 0))
    for a in range(n):
        for b in range(a + 1):
            z2r[a, b] = z2r[b, a] = lines.table(nr, f"r*phi(r) of {elements[a]}-{elements[b]}", convert=convert)
    _no_trailing_numbers(lines)
    return EAMTables(style, elements, tuple(masses_l), nrho, drho, nr, dr, cutoff,
                     _frozen(frho), _frozen(rhor), _frozen(z2r))


def _no_trailing_numbers(lines: _Lines) -> None:
    extra = lines.rest()
    if extra and _is_float(lines.words[len(lines.words) - extra]):
        raise lines.error(
            f"{extra} word(s) follow the last table, starting with a number; LAMMPS ignores them",
            "The counts on the grid line or the element count are smaller than the tables in the file "
            "(a Finnis-Sinclair file named *.eam.alloy?): fix the header or the file name",
            table="end of file", word=len(lines.words) - extra,
        )


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def file_key(path: str | Path) -> tuple[str, int, int, int]:
    """What the caches of potential files are keyed on: resolved path, modification time
    (ns), size (bytes) and inode, so that an edited or replaced file is read again.

    Raises
    ------
    PotentialError
        The file does not exist or cannot be accessed.
    """
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError as exc:
        raise PotentialError(f"cannot read potential file {path}: {exc}") from exc
    return str(p), st.st_mtime_ns, st.st_size, st.st_ino


@lru_cache(maxsize=16)
def _read_cached(key: tuple[str, int, int, int], header_only: bool) -> EAMTables:
    p = Path(key[0])
    style = eam_style(p)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise PotentialError(f"cannot read EAM file {p}: {exc}") from exc
    return _parse(p, data, style, header_only)


def read_eam_header(path: str | Path) -> tuple[str, tuple[str, ...], tuple[float, ...], float]:
    """Read what the registry needs -- style, elements, masses and cutoff -- checking the
    header and the counts of every table but not the table values.

    Parameters
    ----------
    path : str or Path
        EAM file.

    Returns
    -------
    style, elements, masses (amu), cutoff (Angstrom)

    Raises
    ------
    PotentialFileError
        The header is malformed or a table is short (see the module docstring).
    """
    t = read_eam(path, header_only=True)
    return t.style, t.elements, t.masses, t.cutoff


def read_eam(path: str | Path, *, header_only: bool = False) -> EAMTables:
    """Read and validate an EAM table file in any of the three DYNAMO formats.

    Parameters
    ----------
    path : str or Path
        The file; its format follows from the suffix (.eam, .eam.alloy, .eam.fs).
    header_only : bool
        Check the header and the table counts but do not convert the tables (arrays are
        empty) -- used by the registry to list files quickly.

    Returns
    -------
    EAMTables
        Cached per :func:`file_key` (path, modification time, size, inode); the arrays are read-only.

    Raises
    ------
    PotentialFileError
        The file is malformed: the message names the file, the table or header field, the
        line and what to do (see the module docstring for the checks).
    PotentialError
        The file cannot be read or its name has no EAM suffix.
    """
    eam_style(path)
    return _read_cached(file_key(path), header_only)
