"""LAMMPS text dumps (``dump custom``, ``dump atom``) read frame by frame into a :class:`Trajectory`.

Each frame's atom block is parsed by numpy's C text reader in one call and the atoms are
ordered by id with one argsort, so reading runs at tens of MB/s and memory holds only the
selected atoms. gzip, bzip2 and xz files (``dump custom/gz``, or compressed afterwards) are
read through a decompressing stream by the same reader.

Recognized columns: id, type, mass, vx/vy/vz, fx/fy/fz and positions, by preference

- xu yu zu (unwrapped);
- xsu ysu zsu (scaled unwrapped): r = o + s H;
- x y z, plus image flags ix iy iz if present: r = x + n H;
- xs ys zs (``dump atom``), plus image flags: r = o + (s + n) H;

with the box origin o and the rows of H the cell vectors a = (lx, 0, 0), b = (xy, ly, 0),
c = (xz, yz, lz) of each frame's box. A restricted triclinic box is dumped as bounds
(``xlo_bound xhi_bound xy`` ...), from which xlo = xlo_bound - min(0, xy, xz, xy + xz),
xhi = xhi_bound - max(0, xy, xz, xy + xz), ylo = ylo_bound - min(0, yz),
yhi = yhi_bound - max(0, yz) (LAMMPS manual, Howto triclinic). A general triclinic box
(``abc origin``) gives a, b, c and o directly. Optional ``ITEM: UNITS`` (checked against
``units``) and ``ITEM: TIME`` (frame times) are read too.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np

from ..errors import TrajectoryError, UnitsError
from .trajectory import READERS, Selection, Trajectory
from .units import LammpsUnits

__all__ = ["is_lammps_dump", "iter_lammps_dump", "open_dump", "read_lammps_dump"]

# magic bytes -> (file opener, incremental decompressor for probing a damaged file's start)
_COMPRESSED: dict[bytes, tuple[Callable[[BinaryIO], Any], Callable[[], Any]]] = {
    b"\x1f\x8b": (lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"), lambda: zlib.decompressobj(wbits=31)),
    b"BZh": (lambda raw: bz2.BZ2File(raw, "rb"), bz2.BZ2Decompressor),
    b"\xfd7zXZ\x00": (lambda raw: lzma.LZMAFile(raw, "rb"), lzma.LZMADecompressor),
}
Number = TypeVar("Number", int, float)
_FIRST_ITEMS = (b"ITEM: TIMESTEP", b"ITEM: UNITS", b"ITEM: TIME")
_POSITION_COLUMNS = (("xu", "yu", "zu"), ("xsu", "ysu", "zsu"), ("x", "y", "z"), ("xs", "ys", "zs"))


def _compression(head: bytes) -> tuple[Callable[[BinaryIO], Any], Callable[[], Any]] | None:
    return next((c for magic, c in _COMPRESSED.items() if head.startswith(magic)), None)


@contextmanager
def open_dump(path: str | Path) -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """Open a dump for binary line reading, decompressing gzip, bzip2 and xz files.

    Yields
    ------
    stream : binary file
        Decompressed bytes.
    raw : binary file
        The file on disk; ``raw.tell()`` is the progress in bytes of ``os.path.getsize``.
    """
    with open(path, "rb") as raw:
        compression = _compression(raw.read(6))
        raw.seek(0)
        if compression is None:
            yield raw, raw
            return
        with compression[0](raw) as stream:
            yield stream, raw


def is_lammps_dump(path: str | Path) -> bool:
    """True when the (possibly compressed, even truncated) file starts like a LAMMPS text dump."""
    try:
        with open(path, "rb") as raw:
            start = raw.read(1 << 16)
        compression = _compression(start)
        if compression is not None:
            start = compression[1]().decompress(start)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return False
    return start.startswith(_FIRST_ITEMS)


@dataclass(frozen=True)
class _Header:
    """One frame's header: step, atom count, box lines, column names and where it ends."""

    step: int
    n_atoms: int
    box_kind: str
    box: list[bytes]
    box_line: int  # line number of 'ITEM: BOX BOUNDS'
    columns: list[str]
    time: float | None
    units: str | None
    line: int  # line number of the first atom line

    def cell(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        """Origin o (3,) and cell H (3, 3), rows a, b, c (LAMMPS length units)."""
        where = f"{path}, line {self.box_line} (step {self.step})"
        if not self.box:
            raise TrajectoryError(f"{where}: the frame has no 'ITEM: BOX BOUNDS', which scaled coordinates and "
                                  "image flags need; dump unwrapped xu yu zu instead")
        try:
            rows = np.array([[float(w) for w in b.split()] for b in self.box])
        except ValueError:
            rows = np.empty((0, 0))
        if "abc" in self.box_kind.split():
            if rows.shape != (3, 4):
                raise TrajectoryError(f"{where}: a general triclinic box needs 3 lines 'a_x a_y a_z origin'")
            return rows[:, 3], rows[:, :3]
        triclinic = "xy" in self.box_kind.split()
        if rows.shape != (3, 3 if triclinic else 2) or not np.all(np.isfinite(rows)):
            raise TrajectoryError(f"{where}: cannot read the box bounds {b' / '.join(b.strip() for b in self.box)!r}; "
                                  "the file is damaged or not a LAMMPS dump")
        lo, hi = rows[:, 0].copy(), rows[:, 1].copy()
        xy, xz, yz = rows[:, 2] if triclinic else (0.0, 0.0, 0.0)
        lo[0] -= min(0.0, xy, xz, xy + xz)
        hi[0] -= max(0.0, xy, xz, xy + xz)
        lo[1] -= min(0.0, yz)
        hi[1] -= max(0.0, yz)
        L = hi - lo
        return lo, np.array([[L[0], 0.0, 0.0], [xy, L[1], 0.0], [xz, yz, L[2]]])


class _Lines:
    """A binary line stream that counts lines, for messages that name them."""

    def __init__(self, fh: BinaryIO, path: Path):
        self.fh, self.path, self.n = fh, path, 0

    def next(self) -> bytes:
        line = self.fh.readline()
        if line:
            self.n += 1
        return line

    def block(self, n: int) -> list[bytes]:
        lines = list(itertools.islice(self.fh, n))
        self.n += len(lines)
        return lines

    def fail(self, what: str, line: int | None = None) -> TrajectoryError:
        return TrajectoryError(f"{self.path}, line {self.n if line is None else line}: {what}")

    def header(self) -> bytes:
        """The next line of a frame header; a TrajectoryError at the end of the file."""
        line = self.next()
        if not line:
            raise self.fail("the file ends inside a frame header; the dump is truncated (was the run "
                            "interrupted?): use the frames before it (cut the file after the last complete frame)")
        return line

    def number(self, kind: Callable[[bytes], Number], item: str) -> Number:
        """The next header line read as one number."""
        line = self.header()
        try:
            return kind(line)
        except ValueError:
            text = line[:40].decode(errors="replace").strip()
            raise self.fail(f"cannot read {item} from {text!r}; the file is damaged or not a LAMMPS text "
                            "dump") from None


def _read_header(lines: _Lines) -> _Header | None:
    """The next frame header, or None at the end of the file (blank lines are skipped)."""
    line = lines.next()
    while line and not line.strip():
        line = lines.next()
    if not line:
        return None
    step: int | None = None
    n_atoms: int | None = None
    time: float | None = None
    units: str | None = None
    box_kind, box, box_line = "", [], 0
    while True:
        if not line.startswith(b"ITEM:"):
            text = line[:40].decode(errors="replace").strip()
            raise lines.fail(f"expected an 'ITEM: ...' header line, found {text!r}; is this a LAMMPS text dump "
                             "(dump custom or dump atom)? Binary dumps must be converted first")
        item = line[5:].decode(errors="replace").strip()
        if item == "TIMESTEP":
            step = lines.number(int, "the timestep")
        elif item == "UNITS":
            units = lines.header().decode(errors="replace").strip()
        elif item == "TIME":
            time = lines.number(float, "the time")
        elif item == "NUMBER OF ATOMS":
            n_atoms = lines.number(int, "the number of atoms")
        elif item.startswith("BOX BOUNDS"):
            box_kind, box_line = item[len("BOX BOUNDS"):], lines.n
            box = [lines.header() for _ in range(3)]
        elif item.startswith("ATOMS"):
            if step is None or n_atoms is None:
                missing = " and ".join(n for n, v in (("TIMESTEP", step), ("NUMBER OF ATOMS", n_atoms)) if v is None)
                raise lines.fail(f"the frame header has no 'ITEM: {missing}' before 'ITEM: ATOMS'")
            if n_atoms < 0:
                raise lines.fail(f"negative number of atoms {n_atoms} (step {step}); the file is damaged")
            return _Header(step, n_atoms, box_kind, box, box_line, item.split()[1:], time, units, lines.n + 1)
        else:
            raise lines.fail(f"unknown dump item {item!r}; qcbridge reads dump custom and dump atom text files")
        line = lines.header()


def _parse_block(lines: _Lines, head: _Header, block: list[bytes]) -> np.ndarray:
    """The atom lines of a frame as a float array (n_atoms, n_columns)."""
    ncol = len(head.columns)
    if not block:
        return np.empty((0, ncol))
    try:
        data = np.loadtxt(block, ndmin=2)
    except ValueError:
        data = None
    if data is None or data.shape[1] != ncol:
        for k, line in enumerate(block):
            words = line.split()
            if len(words) != ncol:
                raise lines.fail(f"{len(words)} values where the header of step {head.step} names {ncol} columns "
                                 f"({' '.join(head.columns)}); the file is damaged", head.line + k)
            for w in words:
                try:
                    float(w)
                except ValueError:
                    raise lines.fail(f"cannot read the number {w.decode(errors='replace')!r} (step {head.step}); "
                                     "the file is damaged: re-run the dump or cut the file before this frame",
                                     head.line + k) from None
        raise lines.fail(f"cannot read the atoms of step {head.step}", head.line)
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise lines.fail(f"{head.columns[col]} = {data[row, col]} (step {head.step}): LAMMPS wrote a non-finite "
                         "value, the simulation became unstable; use the frames before it or fix the run",
                         head.line + int(row))
    return data


def _triplet(columns: list[str], names: tuple[str, str, str]) -> list[int] | None:
    if all(n in columns for n in names):
        return [columns.index(n) for n in names]
    return None


@dataclass(frozen=True)
class _Layout:
    """Where a dump's quantities are among its columns (the same in every frame)."""

    columns: list[str]
    position: list[int] | None  # the preferred position triplet
    scaled: bool  # position columns are fractions of the cell
    image: list[int] | None  # image flags to add (wrapped positions only)
    velocity: list[int] | None
    force: list[int] | None

    @classmethod
    def of(cls, columns: list[str]) -> _Layout:
        for names in _POSITION_COLUMNS:
            idx = _triplet(columns, names)
            if idx is not None:
                image = None if names[0].endswith("u") else _triplet(columns, ("ix", "iy", "iz"))
                break
        else:
            names, idx, image = ("", "", ""), None, None
        return cls(columns, idx, "s" in names[0], image, _triplet(columns, ("vx", "vy", "vz")),
                   _triplet(columns, ("fx", "fy", "fz")))

    def positions(self, head: _Header, data: np.ndarray, path: Path) -> np.ndarray | None:
        """Unwrapped Cartesian positions (LAMMPS length units) of a frame, or None without them."""
        if self.position is None:
            return None
        r = data[:, self.position]
        if not self.scaled and self.image is None:
            return r
        origin, H = head.cell(path)
        if self.image is not None:
            r = r + (data[:, self.image] if self.scaled else data[:, self.image] @ H)
        return origin + r @ H if self.scaled else r


def read_lammps_dump(path: str | Path, *, units: LammpsUnits | str = "metal", timestep: float | None = None,
                     selection: Selection | None = None,
                     progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Read a LAMMPS ``dump custom`` or ``dump atom`` text file, plain or compressed.

    Parameters
    ----------
    path : str or Path
    units : LammpsUnits or str
        The LAMMPS ``units`` style of the run; values are converted to ASE units. A dump
        written with ``dump_modify units yes`` must agree.
    timestep : float, optional
        LAMMPS timestep (LAMMPS time units); gives ``Trajectory.times`` from the step
        numbers. Without it, times come from ``ITEM: TIME`` (``dump_modify time yes``) if
        the dump has them.
    selection : Selection, optional
        Atoms to keep (by id / type; the centre-of-mass flag is applied later). Default all.
    progress : callable(bytes_read, bytes_total), optional
        Called after every frame (bytes of the file on disk).

    Returns
    -------
    Trajectory
        In ASE units, atoms ordered by id; positions unwrapped and Cartesian when the dump
        has them (scaled coordinates are converted with each frame's box), velocities and
        forces None when the dump lacks them.

    Raises
    ------
    TrajectoryError
        Not a dump, a damaged or truncated frame, an unreadable or non-finite number, a
        missing id column, duplicate ids, or the atoms or columns changing between frames.
        The message names the file and line.
    UnitsError
        ``units`` is unknown or differs from the dump's ``ITEM: UNITS``.
    """
    return next(_chunks(path, units, timestep, selection, progress, None))


def _chunks(path: str | Path, units: LammpsUnits | str, timestep: float | None, selection: Selection | None,
            progress: Callable[[int, int], None] | None, chunk: int | None) -> Iterator[Trajectory]:
    """The dump as one Trajectory (chunk None) or ``chunk`` frames at a time."""
    units = LammpsUnits.parse(units)
    selection = Selection() if selection is None else selection
    path = Path(path)
    if timestep is not None and not (np.isfinite(timestep) and timestep > 0):
        raise TrajectoryError(f"timestep must be positive and finite (LAMMPS time units), got {timestep}")
    try:
        total = os.path.getsize(path)
        with open_dump(path) as (fh, raw):
            for part in _read_frames(_Lines(fh, path), units, selection, progress, raw, total, chunk):
                yield part.trajectory(path, units, timestep)
    except OSError as exc:
        raise TrajectoryError(f"cannot read {path}: {exc}") from exc
    except (EOFError, zlib.error, lzma.LZMAError) as exc:
        raise TrajectoryError(f"{path}: the compressed file is damaged or truncated ({exc}): decompress what is "
                              "readable (gzip -dc, bzip2 -dc, xz -dc) and read the text dump") from exc


@dataclass
class _Frames:
    """Per-frame arrays collected while reading (LAMMPS units)."""

    ids: np.ndarray
    types: np.ndarray
    masses: np.ndarray | None
    keep: np.ndarray
    layout: _Layout
    steps: list[int]
    times: list[float | None]
    positions: list[np.ndarray]
    velocities: list[np.ndarray]
    forces: list[np.ndarray]

    def trajectory(self, path: Path, units: LammpsUnits, timestep: float | None) -> Trajectory:
        steps = np.array(self.steps, dtype=np.int64)
        if timestep is not None:
            times = steps * timestep * units.time
        elif all(t is not None for t in self.times):
            times = np.array(self.times, dtype=float) * units.time
        else:
            times = None

        def stack(frames: list[np.ndarray], factor: float) -> np.ndarray | None:
            if not frames:
                return None
            out = np.array(frames)
            out *= factor
            return out

        return Trajectory(self.ids, self.types, stack(self.positions, units.length),
                          stack(self.velocities, units.velocity), stack(self.forces, units.force),
                          None if self.masses is None else self.masses * units.mass, steps, times, str(path))


def _read_frames(lines: _Lines, units: LammpsUnits, selection: Selection,
                 progress: Callable[[int, int], None] | None, raw: BinaryIO, total: int,
                 chunk: int | None = None) -> Iterator[_Frames]:
    """The dump's frames, all in one :class:`_Frames` or ``chunk`` frames at a time."""
    first: _Frames | None = None
    while True:
        head = _read_header(lines)
        if head is None:
            break
        if head.units is not None and head.units != units.value:
            raise UnitsError(f"{lines.path} was written with 'units {head.units}' but is read as units "
                             f"{units.value}: read it with units={head.units!r} (--units {head.units})")
        cols = head.columns
        if "id" not in cols:
            raise lines.fail(f"the dump has no 'id' column (columns: {' '.join(cols)}); dump with "
                             "'dump ID group custom N file id type ...'", head.line - 1)
        block = lines.block(head.n_atoms)
        if len(block) != head.n_atoms:
            raise lines.fail(f"frame at step {head.step} is truncated ({len(block)} of {head.n_atoms} atoms): the "
                             "run was interrupted or the file cut; use the complete frames before it")
        data = _parse_block(lines, head, block)
        ids = data[:, cols.index("id")].astype(np.int64)
        order = np.argsort(ids, kind="stable")
        data, ids = data[order], ids[order]
        if len(ids) > 1 and (ids[1:] == ids[:-1]).any():
            k = int(np.flatnonzero(ids[1:] == ids[:-1])[0])
            raise lines.fail(f"atom id {ids[k]} appears twice in step {head.step}; the file is damaged, "
                             "or several dumps were written into it", head.line + int(order[k + 1]))
        if first is None:
            ty = data[:, cols.index("type")].astype(np.int64) if "type" in cols else np.ones(len(ids), np.int64)
            keep = selection.mask(ids, ty)
            masses = data[keep, cols.index("mass")] if "mass" in cols else None
            first = _Frames(ids[keep], ty[keep], masses, keep, _Layout.of(cols), [], [], [], [], [])
        else:
            if cols != first.layout.columns:
                raise lines.fail(f"the columns change at step {head.step} ({' '.join(first.layout.columns)} -> "
                                 f"{' '.join(cols)}); read frames written by one dump command", head.line - 1)
            if len(ids) != len(first.keep) or not np.array_equal(ids[first.keep], first.ids):
                raise lines.fail(f"the set of atoms changes at step {head.step} ({len(ids)} atoms, "
                                 f"first frame {len(first.keep)}); atoms were lost or created: select atoms "
                                 "present in every frame", head.line)
        data = data[first.keep]
        layout = first.layout
        first.steps.append(head.step)
        first.times.append(head.time)
        x = layout.positions(head, data, lines.path)
        if x is not None:
            first.positions.append(x)
        if layout.velocity is not None:
            first.velocities.append(data[:, layout.velocity])
        if layout.force is not None:
            first.forces.append(data[:, layout.force])
        if progress is not None:
            progress(raw.tell(), total)
        if chunk is not None and len(first.steps) == chunk:
            yield first
            first = replace(first, steps=[], times=[], positions=[], velocities=[], forces=[])
    if first is None:
        raise TrajectoryError(f"{lines.path} holds no frames (empty file); check the dump command and the run")
    if first.steps:
        yield first


def iter_lammps_dump(path: str | Path, frames: int, *, units: LammpsUnits | str = "metal",
                     timestep: float | None = None, selection: Selection | None = None,
                     progress: Callable[[int, int], None] | None = None) -> Iterator[Trajectory]:
    """Read a LAMMPS dump ``frames`` frames at a time: memory for one chunk, not the whole file.

    Parameters
    ----------
    path : str or Path
    frames : int
        Frames per chunk (the last chunk may hold fewer).
    units, timestep, selection, progress
        As for :func:`read_lammps_dump`.

    Yields
    ------
    Trajectory
        Consecutive chunks, each checked and converted as :func:`read_lammps_dump` does.
    """
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
        raise TrajectoryError(f"frames per chunk must be a positive integer, got {frames!r}")
    yield from _chunks(path, units, timestep, selection, progress, frames)


class _DumpReader:
    """:func:`read_lammps_dump` as a reader of :func:`~qcbridge.io.trajectory.read_trajectory`."""

    @staticmethod
    def probe(path: Path) -> bool:
        return is_lammps_dump(path)

    @staticmethod
    def read(path: Path, *, units: LammpsUnits | str, timestep: float | None, selection: Selection,
             progress: Callable[[int, int], None] | None) -> Trajectory:
        return read_lammps_dump(path, units=units, timestep=timestep, selection=selection, progress=progress)


READERS.append(_DumpReader())
