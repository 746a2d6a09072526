"""One LAMMPS instance: its lifetime, its commands and their errors, its atom ids.

Everything in qcbridge that talks to LAMMPS goes through a :class:`LammpsInstance`: the
engine behind calculators and coupled models, the samplers of memory kernels and the
burst runners. It holds

* the lifetime: ``open`` -> ``closed``, or ``failed`` when LAMMPS raised an error inside
  a command that leaves its C++ state unfit to be destroyed (reading a potential file):
  such an instance is abandoned, never closed, because ``lammps_close`` on it crashes the
  process;
* commands: every input line goes through :meth:`LammpsInstance.command`, and a failure
  raises :class:`~qcbridge.errors.LammpsError` with LAMMPS's message and the line;
* atom ids: LAMMPS keeps its atoms in its own (local) order; :meth:`gather` and
  :meth:`scatter` map per-atom arrays to and from id order (id k is row k - 1) through
  zero-copy numpy views of LAMMPS's own arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np

from ..errors import EngineStateError, LammpsError
from ._mpi import default_communicator, import_lammps

log = logging.getLogger(__name__)

__all__ = ["InstanceState", "LammpsInstance", "decode_images"]

#: Command-line arguments of every instance qcbridge opens: no screen or log output.
QUIET_ARGS = ("-screen", "none", "-log", "none", "-nocite")

#: Commands after whose failure LAMMPS's state may be half-built (a potential file read
#: part-way): the instance is abandoned instead of closed.
_UNSAFE_AFTER_ERROR = ("pair_style", "pair_coeff", "kspace_style", "read_data", "read_restart")

# LAMMPS library constants (style, type) for extract_compute
GLOBAL, ATOM = 0, 1
SCALAR, VECTOR = 0, 1


class InstanceState(Enum):
    """Lifetime of a :class:`LammpsInstance`."""

    OPEN = "open"
    CLOSED = "closed"
    FAILED = "failed"  #: LAMMPS failed in a command that may leave it unsafe to destroy
    LOST = "lost"  #: a command removed the atoms the instance was expected to hold


def decode_images(image: np.ndarray, bits: int) -> np.ndarray:
    """LAMMPS's packed image flags (``imageint``, ``bits`` per direction) as (n, 3) ints."""
    img = np.asarray(image).astype(np.int64)
    mask, imgmax = (1 << bits) - 1, 1 << (bits - 1)
    return np.stack([(img & mask) - imgmax, ((img >> bits) & mask) - imgmax, (img >> (2 * bits)) - imgmax], axis=1)


class LammpsInstance:
    """A LAMMPS instance with explicit lifetime, checked commands and id mapping.

    Parameters
    ----------
    lmp : lammps.lammps, optional
        An instance opened elsewhere (e.g. by a user script); it is used but not closed
        by :meth:`close`. Default: open a new, quiet one.
    args : sequence of str
        Command-line arguments of a new instance.
    comm : mpi4py.MPI.Comm, optional
        MPI communicator of a new instance (``lammps(comm=...)``): LAMMPS decomposes the atoms
        over its ranks. Every rank must make the same calls with the same arrays (SPMD); per-atom
        arrays stay local (:meth:`ids`, :meth:`atom_array`) and :meth:`gather` assembles them on
        every rank. Default: this process alone (``MPI.COMM_SELF`` when the process is one of
        several MPI ranks, so that ranks never share an instance by accident).

    Examples
    --------
    >>> with LammpsInstance() as lmp:
    ...     lmp.commands(["units metal", "region b block 0 1 0 1 0 1", "create_box 1 b"])
    """

    def __init__(self, lmp: Any = None, *, args: Sequence[str] = QUIET_ARGS, comm: Any = None):
        self._owned = lmp is None
        self.comm = comm
        self.ranks = 1 if comm is None else int(comm.Get_size())
        if lmp is not None:
            self._lmp = lmp
        else:
            module = import_lammps()
            world = default_communicator() if comm is None else comm  # never MPI_COMM_WORLD by accident
            self._lmp = module.lammps(cmdargs=list(args)) if world is None else module.lammps(comm=world,
                                                                                            cmdargs=list(args))
        self.state = InstanceState.OPEN
        self.last_command: str | None = None
        self.expected_atoms: int | None = None  # set by :meth:`expect_atoms`

    # ------------------------------------------------------------ lifetime
    @property
    def lmp(self) -> Any:
        """The underlying :class:`lammps.lammps` (for expert use)."""
        self.check_open()
        return self._lmp

    def check_open(self) -> None:
        """Raise :class:`EngineStateError` unless the instance is open."""
        if self.state is not InstanceState.OPEN:
            raise EngineStateError(self._unusable())

    def _unusable(self) -> str:
        if self.state is InstanceState.CLOSED:
            return "this LAMMPS instance has been closed; build a new engine"
        if self.state is InstanceState.LOST:
            return (f"after {self.last_command!r} LAMMPS no longer holds the engine's {self.expected_atoms} atoms; "
                    "an engine cannot continue without its atoms: build a new one")
        return (f"LAMMPS failed in {self.last_command!r} and its state cannot be trusted; build a new engine "
                "(with a valid potential)")

    def close(self) -> None:
        """Destroy the instance (idempotent). A failed instance is abandoned instead: its
        memory is not reclaimed, but the process survives."""
        if self.state is InstanceState.FAILED and self._lmp is not None:
            self._lmp.opened = 0  # lammps.close() and __del__ then leave the C++ object alone
            self._lmp.lmp = None
            log.warning("abandoned a LAMMPS instance that failed in %r without destroying it", self.last_command)
        elif self.state in (InstanceState.OPEN, InstanceState.LOST) and self._owned:
            self._lmp.close()
        if self.state in (InstanceState.OPEN, InstanceState.LOST):
            self.state = InstanceState.CLOSED
        self._lmp = None

    def __enter__(self) -> LammpsInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - interpreter shutdown order
        try:
            self.close()
        except Exception:
            pass

    # ------------------------------------------------------------ commands
    def command(self, line: str) -> None:
        """Execute one input line.

        Raises
        ------
        LammpsError
            With LAMMPS's own message and the line.
        EngineStateError
            The instance is closed or failed, or the line removed the expected atoms
            (``clear``, ``delete_atoms``).
        """
        lmp = self.lmp
        self.last_command = line
        try:
            lmp.command(line)
        except Exception as exc:  # LAMMPS raises plain Exception with its message
            words = line.split()
            if words and words[0] in _UNSAFE_AFTER_ERROR:
                self.state = InstanceState.FAILED
            raise LammpsError(line, str(exc)) from None
        if self.expected_atoms is not None and self.natoms != self.expected_atoms:
            self.state = InstanceState.LOST
            self.check_open()

    def expect_atoms(self, n: int) -> None:
        """From now on a command that leaves LAMMPS without ``n`` atoms makes the instance
        unusable (state ``lost``): its owner's arrays would no longer match."""
        self.expected_atoms = n

    def commands(self, lines: Sequence[str]) -> None:
        """Execute several input lines in order, each checked like :meth:`command`."""
        for line in lines:
            self.command(line)

    def block(self, lines: Sequence[str]) -> None:
        """Execute input lines in one call into LAMMPS (``commands_string``): no Python
        round trip between them, for scripts of many cheap commands.

        Raises
        ------
        LammpsError
            With LAMMPS's message and the line it failed on (LAMMPS's "Last input line").
        EngineStateError
            As :meth:`command`.
        """
        lmp = self.lmp
        self.last_command = text = "\n".join(lines)
        try:
            lmp.commands_string(text)
        except Exception as exc:
            message, _, last = str(exc).partition("Last input line:")
            line = self.last_command = last.strip().splitlines()[0].strip() if last.strip() else text
            if line.split()[:1] and line.split()[0] in _UNSAFE_AFTER_ERROR:
                self.state = InstanceState.FAILED
            raise LammpsError(line, message) from None
        if self.expected_atoms is not None and self.natoms != self.expected_atoms:
            self.state = InstanceState.LOST
            self.check_open()

    # ------------------------------------------------------------ atoms
    @property
    def nlocal(self) -> int:
        """Number of atoms LAMMPS holds on this process."""
        return int(self.lmp.extract_setting("nlocal"))

    @property
    def natoms(self) -> int:
        """Total number of atoms (0 when no box exists, e.g. after ``clear``)."""
        lmp = self.lmp
        return int(lmp.get_natoms()) if lmp.extract_setting("box_exist") else 0

    def ids(self) -> np.ndarray:
        """Zero-based atom ids (LAMMPS id - 1) of the local atoms, in LAMMPS's order."""
        return self.lmp.numpy.extract_atom("id")[: self.nlocal] - 1

    def atom_array(self, name: str) -> np.ndarray:
        """Zero-copy view of LAMMPS's per-atom array ``name``, local atoms only, LAMMPS order."""
        arr = self.lmp.numpy.extract_atom(name)
        if arr is None:
            raise EngineStateError(f"LAMMPS has no per-atom array {name!r}")
        return arr[: self.nlocal]

    def gather(self, array: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """A per-atom array of local atoms (LAMMPS order) as a new array in id order; on an
        MPI communicator every rank's atoms are gathered on every rank (collective).

        Parameters
        ----------
        array : ndarray, shape (>= nlocal, ...)
        ids : ndarray of int, optional
            :meth:`ids`, when already at hand.
        """
        ids = self.ids() if ids is None else ids
        local = np.asarray(array[: len(ids)], dtype=float)
        if self.ranks > 1:
            parts = self.comm.allgather((np.asarray(ids), local))
            ids = np.concatenate([p[0] for p in parts])
            local = np.concatenate([p[1] for p in parts])
        out = np.empty((len(ids),) + local.shape[1:], dtype=float)
        out[ids] = local
        return out

    def all_ranks(self, flag: bool) -> bool:
        """True when ``flag`` is true on every rank of the communicator (collective)."""
        return bool(flag) if self.ranks == 1 else all(self.comm.allgather(bool(flag)))

    def set_fix_external(self, fix: str, forces: np.ndarray, energy: float) -> None:
        """Forces (id order, LAMMPS frame and units) and energy that ``fix external`` ``fix``
        (``pf/array``) adds to every evaluation."""
        ids = self.ids()
        self.lmp.numpy.fix_external_get_force(fix)[: len(ids)] = forces[ids]
        self.lmp.fix_external_set_energy_global(fix, energy)

    def unwrapped_positions(self) -> np.ndarray:
        """x + image . box of the local atoms, LAMMPS order and length units, shape (nlocal, 3)."""
        lmp = self.lmp
        boxlo, boxhi, xy, yz, xz, _, _ = lmp.extract_box()
        lx, ly, lz = np.subtract(boxhi, boxlo)
        h = np.array([[lx, 0.0, 0.0], [xy, ly, 0.0], [xz, yz, lz]])
        return self.atom_array("x") + decode_images(self.atom_array("image"), self.image_bits) @ h

    @property
    def image_bits(self) -> int:
        """Bits per direction in LAMMPS's packed image flags."""
        return 10 if self.lmp.extract_setting("imageint") == 4 else 21
