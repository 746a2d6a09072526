"""An in-process LAMMPS instance holding the atoms of an ASE structure.

The engine owns one :class:`~qcbridge.engines.instance.LammpsInstance` in ``units metal``
(eV, Angstrom, amu, ps, bar). Atoms keep LAMMPS ids ``1..N`` equal to their ASE index + 1
forever; every array going in or out is mapped through the id array, so LAMMPS may sort or
migrate atoms freely. Positions are rotated into the LAMMPS frame
(:class:`~qcbridge.engines.box.LammpsBox`) and wrapped into the box in periodic
directions here, once, with numpy; forces, per-atom energies and the virial are rotated
back. All per-atom exchange goes through zero-copy numpy views of LAMMPS's own arrays.

The engine's state is explicit (:class:`EngineState`): ``NEEDS_SETUP`` (the next
evaluation is a full ``run 0``: first use, after a user command, after :meth:`reset`),
``READY`` (evaluations are the cheap ``run 1 pre no`` path), ``CLOSED`` and ``FAILED``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import Enum
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from ..errors import EngineStateError, StructureError
from ..potentials import Potential
from ..tensors import stress_to_voigt
from .box import LammpsBox, completed_cell
from .checks import OverlapGuard, check_cell, check_positions, check_structure, close_pairs
from .instance import ATOM, GLOBAL, VECTOR, InstanceState, LammpsInstance, decode_images
from .positions import WrappedPositions

log = logging.getLogger(__name__)

__all__ = ["EngineState", "LammpsEngine", "check_structure", "close_pairs", "decode_images"]


class EngineState(Enum):
    """What the next evaluation of a :class:`LammpsEngine` does, or why it cannot."""

    NEEDS_SETUP = "needs setup"  #: full LAMMPS setup (``run 0``) at the next evaluation
    READY = "ready"  #: neighbour lists are LAMMPS's to keep; evaluations are ``run 1 pre no``
    CLOSED = "closed"
    FAILED = "failed"  #: LAMMPS failed where its state cannot be trusted
    LOST = "lost"  #: a user command removed the engine's atoms (``clear``, ``delete_atoms``)


class LammpsEngine:
    """One LAMMPS instance holding the atoms of an ASE structure.

    Parameters
    ----------
    atoms : ase.Atoms
        Structure; any cell (triclinic too), periodic or not per direction, several
        species. Non-periodic directions use shrink-wrapped LAMMPS boundaries with
        a minimum extent (``boundary m``).
    potential : Potential
        The interatomic potential; LAMMPS atom type k is ``potential.species[k-1]``.
    fixed : array_like of bool or int, optional
        Atoms whose force LAMMPS sets to zero (``fix setforce``): a mask of length N or
        a list of indices. They stay put in LAMMPS minimizations and MD.
    external_forces : bool
        Install ``fix external`` (``pf/array``) so that :meth:`set_external_forces` can
        add forces (eV/Angstrom) and an energy (eV) to every evaluation.
    min_distance : float
        Atoms closer than this (Angstrom) raise :class:`OverlappingAtomsError`, at
        construction and whenever positions or the cell change (0 disables the check).
    sort_every : int
        LAMMPS spatial sorting interval in steps (0 disables it). Results never depend
        on it: everything is mapped by atom id.
    neighbor_skin : float
        Neighbour-list skin in Angstrom (LAMMPS ``neighbor`` command).
    comm : mpi4py.MPI.Comm, optional
        Run LAMMPS on this MPI communicator (a large atomistic region): every rank calls the
        engine with the same arrays and gets the same, gathered, results. Default: this process.

    Examples
    --------
    >>> from ase.build import bulk
    >>> from qcbridge.potentials import load_potential
    >>> with LammpsEngine(bulk("Al", "fcc", a=4.05, cubic=True), load_potential("Al_jnp.eam")) as eng:
    ...     e, f = eng.energy_forces()
    """

    def __init__(
        self,
        atoms: Atoms,
        potential: Potential,
        *,
        fixed: Sequence[int] | np.ndarray | None = None,
        external_forces: bool = False,
        min_distance: float = 0.5,
        sort_every: int = 0,
        neighbor_skin: float = 2.0,
        comm: Any = None,
    ):
        check_structure(atoms, potential, min_distance=0.0)
        self.potential = potential
        self.natoms = len(atoms)
        self.pbc = np.array(atoms.pbc, dtype=bool)
        self._external = external_forces
        self._guard = OverlapGuard(min_distance)
        self._guard.check(atoms.positions, np.asarray(atoms.cell), self.pbc)
        self._setup_needed = True  # next evaluation is a full run 0
        self._current = False  # results up to date with the positions written
        self._pe_atom = False
        self.instance = LammpsInstance(comm=comm)
        try:
            self._setup(atoms, fixed, sort_every, neighbor_skin)
        except BaseException:
            self.instance.close()  # abandons, not destroys, an instance whose potential failed
            raise

    # ------------------------------------------------------------------ set-up
    def _setup(self, atoms: Atoms, fixed: Sequence[int] | np.ndarray | None, sort_every: int, skin: float) -> None:
        cell = completed_cell(np.asarray(atoms.cell), self.pbc, atoms.positions, self.potential.cutoff + skin)
        self.box = LammpsBox.from_cell(cell, self.pbc)
        self.instance.commands(setup_commands(self.potential, self.box, self.natoms, sort_every, skin))
        self.instance.expect_atoms(self.natoms)
        lmp = self.instance.lmp
        self._nktv2p = float(lmp.extract_global("nktv2p"))  # eV/A^3 -> bar
        self._positions = WrappedPositions(self.instance)
        self._set_types(species_types(self.potential, atoms.numbers))
        if self._external:  # before setforce: fixes act in the order they are defined
            self.instance.commands(["fix qcb_ext all external pf/array 1", "fix_modify qcb_ext energy yes virial yes"])
            lmp.fix_external_set_energy_global("qcb_ext", 0.0)
        self.fixed = np.zeros(self.natoms, dtype=bool) if fixed is None else fix_atoms(self.instance, fixed)
        self._positions.set(self.box.to_lammps(np.asarray(atoms.positions, dtype=float)))

    def _set_types(self, types: np.ndarray) -> None:
        ids = self.instance.ids()
        self.instance.atom_array("type")[:] = types[ids]

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> EngineState:
        """The engine's :class:`EngineState`."""
        if self.instance.state is not InstanceState.OPEN:
            return EngineState(self.instance.state.value)
        return EngineState.NEEDS_SETUP if self._setup_needed else EngineState.READY

    @property
    def lmp(self) -> Any:  # a lammps.lammps instance; the lammps module has no type information
        """The underlying :class:`lammps.lammps` instance (for expert use)."""
        return self.instance.lmp

    def reset(self) -> None:
        """Forget LAMMPS's history: the next evaluation wraps the positions afresh and does
        a full setup, exactly as a new engine would (used for bit-identical restarts)."""
        self.instance.check_open()
        self._positions.reset(self.box)
        self._setup_needed = True
        self._current = False

    # --------------------------------------------------------------- commands
    def command(self, line: str) -> None:
        """Run one LAMMPS input line; failures raise :class:`LammpsError`.

        Positions set since the last evaluation are written into LAMMPS first. Any
        command may change the system, so the next evaluation does a full LAMMPS setup.

        Raises
        ------
        LammpsError
            LAMMPS's message and the line.
        EngineStateError
            The command removed the engine's atoms (``clear``, ``delete_atoms``): the
            engine cannot be used any more.
        """
        self._flush()
        self._setup_needed = True
        self._current = False
        self.instance.command(line)

    def commands(self, lines: Sequence[str]) -> None:
        """Run several input lines in order (each checked like :meth:`command`)."""
        for line in lines:
            self.command(line)

    # ------------------------------------------------------------- state in
    def set_positions(self, positions: np.ndarray) -> None:
        """Set Cartesian positions (Angstrom, ASE frame and order).

        Parameters
        ----------
        positions : ndarray, shape (N, 3)

        Raises
        ------
        NonFiniteError, OverlappingAtomsError, StructureError
        """
        positions = self._checked_positions(positions)
        self._guard.update(positions)
        self._positions.set(self.box.to_lammps(positions))
        self._current = False

    def _checked_positions(self, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=float)
        if positions.shape != (self.natoms, 3):
            raise StructureError(f"positions have shape {positions.shape}, expected ({self.natoms}, 3)")
        check_positions(positions)
        return positions

    def set_cell(self, cell: np.ndarray, positions: np.ndarray) -> None:
        """Change the periodic cell (Angstrom) and positions without a new instance.

        Parameters
        ----------
        cell : ndarray, shape (3, 3)
            New cell, rows are vectors (ASE convention).
        positions : ndarray, shape (N, 3)
            New positions in Angstrom.

        Raises
        ------
        NonFiniteError, EmptyStructureError, OverlappingAtomsError, UnsupportedCellError
        """
        cell = np.asarray(cell, dtype=float)
        check_cell(cell, self.pbc)
        positions = self._checked_positions(positions)
        self._guard.check(positions, cell, self.pbc)
        box = LammpsBox.from_cell(cell, self.pbc)
        self.commands(box.change_command(self.box))
        self.box = box
        self._positions.set(box.to_lammps(positions))
        self._positions.rewrap()

    def set_numbers(self, numbers: np.ndarray) -> None:
        """Change the species (atomic numbers, ASE order) without a new instance."""
        numbers = np.asarray(numbers)
        self.potential.check_species([chemical_symbols[z] for z in numbers])
        self._set_types(species_types(self.potential, numbers))
        self._setup_needed, self._current = True, False

    def set_types(self, types: np.ndarray) -> None:
        """Set LAMMPS atom types directly (1-based, ASE order), e.g. for potentials whose
        types are not chemical species (weighted site energies)."""
        types = np.asarray(types)
        ntypes = len(self.potential.species)
        if types.shape != (self.natoms,) or types.min() < 1 or types.max() > ntypes:
            raise StructureError(f"types must be {self.natoms} integers in 1..{ntypes}, got shape {types.shape}, "
                                 f"range {types.min()}..{types.max()}")
        self._set_types(types.astype(np.int32))
        self._setup_needed, self._current = True, False

    def set_external_forces(self, forces: np.ndarray, energy: float = 0.0) -> None:
        """Forces (eV/Angstrom, ASE frame and order) and energy (eV) added by ``fix external``.

        Parameters
        ----------
        forces : ndarray, shape (N, 3)
        energy : float
        """
        if not self._external:
            raise EngineStateError("this engine was built without external_forces=True")
        forces = np.asarray(forces, dtype=float)
        if forces.shape != (self.natoms, 3) or not np.all(np.isfinite(forces)) or not np.isfinite(energy):
            raise StructureError(f"external forces and energy must be finite, forces of shape ({self.natoms}, 3)")
        self.instance.set_fix_external("qcb_ext", self.box.to_lammps(forces), float(energy))
        self._current = False

    # ------------------------------------------------------------ positions
    def _flush(self) -> None:
        """Write pending positions into LAMMPS (:class:`~.positions.WrappedPositions`)."""
        self.instance.check_open()
        if self._positions.flush(self.box):
            self._setup_needed = True

    def positions(self) -> np.ndarray:
        """Current positions (Angstrom, ASE frame and order), unwrapped as set.

        Useful after LAMMPS itself moved the atoms (``minimize``, ``run``).
        """
        self._flush()
        return self.box.to_ase(self._positions.written(self.box))

    # ------------------------------------------------------------ results out
    def evaluate(self) -> None:
        """Bring forces and energies up to date (one LAMMPS force evaluation).

        The first evaluation, and the first after any :meth:`command` or :meth:`reset`, is
        a full ``run 0`` (LAMMPS init and setup). Later ones are ``run 1 pre no`` without a
        time integrator: LAMMPS then rebuilds neighbour lists only when an atom has moved
        more than half the skin, and otherwise just refreshes its ghost atoms -- the cheap
        path of an MD step.
        """
        self._flush()
        if self._setup_needed:
            if self.instance.ranks > 1:  # atoms written anywhere in the box: send each to its rank
                self.instance.command("displace_atoms all move 0 0 0 units box")
            self.instance.command("run 0 post no")
            self._setup_needed = False
        else:
            self.instance.command("run 1 pre no post no")
        self._current = True

    def _ensure_current(self) -> None:
        self.instance.check_open()
        if not self._current or self._positions.pending is not None:
            self.evaluate()

    def energy(self) -> float:
        """Potential energy in eV (including ``fix external``'s energy)."""
        self._ensure_current()
        return float(self.lmp.get_thermo("pe"))

    def forces(self) -> np.ndarray:
        """Forces in eV/Angstrom, shape (N, 3), ASE frame and atom order."""
        self._ensure_current()
        return self.box.to_ase(self.instance.gather(self.instance.atom_array("f")))

    def energy_forces(self) -> tuple[float, np.ndarray]:
        """Energy (eV) and forces (eV/Angstrom, (N, 3)) in one evaluation."""
        return self.energy(), self.forces()

    def energies(self) -> np.ndarray:
        """Per-atom potential energies in eV, shape (N,), summing to the pair energy.

        The first call installs LAMMPS's ``compute pe/atom`` (and evaluates again); from
        then on every evaluation tallies per-atom energies.
        """
        if not self._pe_atom:
            self.command("compute qcb_pe_atom all pe/atom")
            self._pe_atom = True
        self._ensure_current()
        return self.instance.gather(self.lmp.numpy.extract_compute("qcb_pe_atom", ATOM, VECTOR))

    def virial(self) -> np.ndarray:
        """Virial tensor W = sum r (x) f in eV, shape (3, 3), ASE frame.

        For periodic systems stress = -W / V.
        """
        self._ensure_current()
        return virial_tensor(self.instance, self.box.rotation, self._nktv2p)

    def stress(self, volume: float) -> np.ndarray:
        """Stress in eV/Angstrom^3, Voigt order xx yy zz yz xz xy (ASE convention).

        Parameters
        ----------
        volume : float
            Reference volume in Angstrom^3 (the ASE cell volume).
        """
        return stress_to_voigt(-self.virial() / volume)

    # ------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Destroy the LAMMPS instance (idempotent)."""
        self.instance.close()

    def __enter__(self) -> LammpsEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def setup_commands(potential: Potential, box: LammpsBox, natoms: int, sort_every: int, skin: float) -> list[str]:
    """The input lines that create the box, ``natoms`` atoms, the potential, neighbour
    settings and the virial compute of an engine (``units metal``; non-periodic directions
    shrink-wrapped but never below ``box``)."""
    bnd = " ".join("p" if p else "m" for p in box.pbc)
    return [
        "units metal",
        "atom_style atomic",
        f"atom_modify map array sort {int(sort_every)} 0.0",
        f"boundary {bnd}",
        box.region_command("qcb_box"),
        f"create_box {len(potential.species)} qcb_box",
        f"create_atoms 1 random {natoms} 12345 NULL",
        *[f"mass {k + 1} {float(m)!r}" for k, m in enumerate(potential.masses)],
        *potential.lammps_commands(potential.species),
        f"neighbor {float(skin)!r} bin",
        "neigh_modify every 1 delay 0 check yes",
        "compute qcb_virial all pressure NULL virial",
        "thermo_style custom step pe c_qcb_virial[1]",
        "thermo_modify lost error",
    ]


def fix_atoms(instance: LammpsInstance, fixed: Sequence[int] | np.ndarray) -> np.ndarray:
    """Freeze atoms with ``fix setforce`` through a per-atom flag (mapped by id); returns the
    mask (ASE order).

    Parameters
    ----------
    instance : LammpsInstance
    fixed : mask of shape (N,) or atom indices

    Raises
    ------
    StructureError
        A mask of the wrong shape or indices out of range.
    """
    n = instance.natoms
    fixed = np.asarray(fixed)
    mask = np.zeros(n, dtype=bool)
    if fixed.dtype == bool:
        if fixed.shape != (n,):
            raise StructureError(f"fixed mask has shape {fixed.shape}, expected ({n},)")
        mask = fixed
    else:
        if fixed.size and (fixed.min() < 0 or fixed.max() >= n):
            raise StructureError(f"fixed atom indices must lie in 0..{n - 1}")
        mask[fixed.astype(int)] = True
    group_atoms(instance, "qcb_fixed", mask)
    instance.command("fix qcb_freeze qcb_fixed setforce 0.0 0.0 0.0")
    return mask


def group_atoms(instance: LammpsInstance, name: str, mask: np.ndarray) -> None:
    """LAMMPS group ``name`` of the atoms where ``mask`` (shape (N,), ASE order) is true, through
    a per-atom integer flag ``i_<name>`` written by atom id (so it holds on any rank layout)."""
    instance.command(f"fix {name}_flag all property/atom i_{name} ghost no")
    instance.atom_array(f"i_{name}")[:] = np.asarray(mask, dtype=bool)[instance.ids()].astype(np.int32)
    instance.commands([f"variable {name} atom i_{name}", f"group {name} variable {name}"])


def virial_tensor(instance: LammpsInstance, rotation: np.ndarray, nktv2p: float) -> np.ndarray:
    """The virial (eV, (3, 3), ASE frame) from the engine's ``compute pressure ... virial``,
    converted with LAMMPS's own factor (``force->nktv2p``) so that it equals LAMMPS's to
    round-off."""
    lmp = instance.lmp
    p = lmp.numpy.extract_compute("qcb_virial", GLOBAL, VECTOR)  # bar: xx yy zz xy xz yz
    boxlo, boxhi, *_ = lmp.extract_box()
    vol = (boxhi[0] - boxlo[0]) * (boxhi[1] - boxlo[1]) * (boxhi[2] - boxlo[2])
    t = np.array([[p[0], p[3], p[4]], [p[3], p[1], p[5]], [p[4], p[5], p[2]]])
    return rotation @ (t * (vol / nktv2p)) @ rotation.T


def species_types(potential: Potential, numbers: np.ndarray) -> np.ndarray:
    """LAMMPS atom types (1-based) of atomic numbers: type k is ``potential.species[k - 1]``."""
    species = potential.species
    return np.array([species.index(chemical_symbols[z]) + 1 for z in numbers], dtype=np.int32)
