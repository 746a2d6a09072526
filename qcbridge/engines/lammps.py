"""An in-process LAMMPS instance driven from an ASE ``Atoms``.

The engine owns one LAMMPS instance in ``units metal`` (eV, Angstrom, amu, ps, bar).
Atoms keep LAMMPS ids ``1..N`` equal to their ASE index + 1 forever; every array going
in or out is mapped through the id array, so LAMMPS may sort or migrate atoms freely.
Positions are rotated into the LAMMPS frame (lower-triangular box, ASE's
:class:`~ase.calculators.lammps.Prism`) and wrapped into the box in periodic directions
here, once, with numpy; forces, per-atom energies and the virial are rotated back.
All per-atom exchange goes through zero-copy numpy views of LAMMPS's own arrays
(``lmp.numpy.extract_atom``), never through ctypes lists.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from ase import Atoms
from ase.calculators.lammps import Prism

from ..errors import (
    EmptyStructureError,
    LammpsError,
    NonFiniteError,
    OverlappingAtomsError,
    UnsupportedCellError,
)
from ..potentials import Potential
from ._mpi import import_lammps

log = logging.getLogger(__name__)

__all__ = ["LammpsEngine", "check_structure", "decode_images", "run_command", "unwrapped_positions"]


# LAMMPS library constants (style, type) for extract_compute
_GLOBAL, _ATOM = 0, 1
_SCALAR, _VECTOR = 0, 1


def check_structure(atoms: Atoms, potential: Potential, *, min_distance: float = 0.5) -> None:
    """Validate a structure for an atomistic calculation.

    Parameters
    ----------
    atoms : ase.Atoms
        The structure.
    potential : Potential
        Must cover every species of ``atoms``.
    min_distance : float
        Smallest allowed interatomic distance in Angstrom (0 disables the check).

    Raises
    ------
    EmptyStructureError, NonFiniteError, SpeciesError, OverlappingAtomsError
    """
    if len(atoms) == 0:
        raise EmptyStructureError("the structure has no atoms")
    cell = np.asarray(atoms.cell)
    if not np.all(np.isfinite(cell)):
        raise NonFiniteError("the cell contains NaN or infinite entries")
    check_positions(atoms.positions)
    lengths = np.linalg.norm(cell, axis=1)
    empty = [("a", "b", "c")[i] for i in range(3) if atoms.pbc[i] and lengths[i] < 1e-8]
    if empty:
        raise EmptyStructureError(
            f"periodic cell vector(s) {', '.join(empty)} have zero length (empty cell); "
            "set a cell or make that direction non-periodic"
        )
    if atoms.pbc.all() and abs(np.linalg.det(cell)) < 1e-8:
        raise EmptyStructureError("the periodic cell has zero volume")
    potential.check_species(atoms.get_chemical_symbols())
    if min_distance > 0 and len(atoms) > 1:
        pairs, dist = close_pairs(atoms, min_distance)
        if len(dist):
            k = int(np.argmin(dist))
            raise OverlappingAtomsError(
                f"atoms {pairs[k, 0]} and {pairs[k, 1]} are {dist[k]:.4g} A apart "
                f"(minimum allowed distance {min_distance} A); {len(dist)} such pair(s)"
            )


def close_pairs(atoms: Atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of atoms closer than ``cutoff`` (Angstrom), periodic images included.

    A k-d tree over the atoms wrapped into the cell plus the periodic copies of those
    within ``cutoff`` of a cell face; memory and time linear in N.

    Returns
    -------
    pairs : ndarray, shape (M, 2)
        Atom indices, ``i < j`` (``i == j`` for an atom close to its own image).
    distances : ndarray, shape (M,)
    """
    from itertools import product

    from scipy.spatial import cKDTree

    pos = atoms.positions
    pbc = np.array(atoms.pbc)
    owner = np.arange(len(atoms))
    points = [pos]
    owners = [owner]
    if pbc.any():
        cell = np.array(atoms.cell)
        frac = np.linalg.solve(cell.T, pos.T).T
        frac[:, pbc] %= 1.0
        pos = frac @ cell
        points = [pos]
        heights = abs(np.linalg.det(cell)) / np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
        margin = cutoff / heights
        for shift in product(*[(-1, 0, 1) if p else (0,) for p in pbc]):
            if not any(shift):
                continue
            near = np.ones(len(pos), bool)
            for d, s in enumerate(shift):
                if s == 1:
                    near &= frac[:, d] < margin[d]
                elif s == -1:
                    near &= frac[:, d] > 1.0 - margin[d]
            points.append(pos[near] + np.array(shift) @ cell)
            owners.append(owner[near])
    allpos, allown = np.concatenate(points), np.concatenate(owners)
    pq = cKDTree(allpos).query_pairs(cutoff, output_type="ndarray")
    n = len(atoms)
    pq = pq[(pq[:, 0] < n) | (pq[:, 1] < n)]  # at least one real atom
    d = np.linalg.norm(allpos[pq[:, 0]] - allpos[pq[:, 1]], axis=1)
    ij = np.sort(allown[pq], axis=1)
    ij, first = np.unique(ij, axis=0, return_index=True)
    return ij, d[first]


def check_positions(positions: np.ndarray) -> None:
    """Raise :class:`NonFiniteError` naming the first atoms with NaN/inf coordinates."""
    bad = ~np.isfinite(positions).all(axis=1)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise NonFiniteError(f"non-finite positions for atom(s) {idx[:10].tolist()}")




def decode_images(image: np.ndarray, bits: int) -> np.ndarray:
    """LAMMPS's packed image flags (``imageint``, ``bits`` per direction) as (n, 3) ints."""
    img = np.asarray(image).astype(np.int64)
    mask, imgmax = (1 << bits) - 1, 1 << (bits - 1)
    return np.stack([(img & mask) - imgmax, ((img >> bits) & mask) - imgmax, (img >> (2 * bits)) - imgmax], axis=1)


def unwrapped_positions(lmp) -> np.ndarray:
    """x + image . box of the local atoms of a ``lammps.lammps`` instance (LAMMPS length units)."""
    boxlo, boxhi, xy, yz, xz, _, _ = lmp.extract_box()
    lx, ly, lz = np.subtract(boxhi, boxlo)
    h = np.array([[lx, 0.0, 0.0], [xy, ly, 0.0], [xz, yz, lz]])
    n = lmp.extract_setting("nlocal")
    bits = 10 if lmp.extract_setting("imageint") == 4 else 21
    return lmp.numpy.extract_atom("x")[:n] + decode_images(lmp.numpy.extract_atom("image")[:n], bits) @ h

def run_command(lmp, line: str) -> None:
    """Execute one input line on a ``lammps.lammps`` instance; a failure raises
    :class:`LammpsError` with LAMMPS's own message and the line."""
    try:
        lmp.command(line)
    except Exception as exc:  # LAMMPS raises plain Exception with its message
        raise LammpsError(line, str(exc)) from None

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
        Atoms closer than this (Angstrom) at construction raise
        :class:`OverlappingAtomsError`.
    sort_every : int
        LAMMPS spatial sorting interval in steps (0 disables it). Results never depend
        on it: everything is mapped by atom id.
    neighbor_skin : float
        Neighbour-list skin in Angstrom (LAMMPS ``neighbor`` command).

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
    ):
        check_structure(atoms, potential, min_distance=min_distance)
        self.potential = potential
        self.natoms = len(atoms)
        self.pbc = np.array(atoms.pbc, dtype=bool)
        self._numbers = atoms.numbers.copy()
        self._external = external_forces
        self._needs_setup = True
        self._wrap_next = True
        self._unwritten = False
        self._peratom = False
        self._lmp = None
        lammps = import_lammps()
        self._lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        try:
            self._setup(atoms, fixed, sort_every, neighbor_skin)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ set-up
    def _box_cell(self, atoms: Atoms, min_free_length: float) -> np.ndarray:
        """The cell as LAMMPS will see it: missing non-periodic vectors completed, and
        non-periodic vectors at least ``min_free_length`` long (LAMMPS's neighbour bins
        need a box no smaller than the cutoff; scaling a vector keeps the frame)."""
        cell = np.array(atoms.cell)
        if abs(np.linalg.det(cell)) < 1e-8:
            if atoms.cell.rank == 0:
                cell = np.diag(np.ptp(atoms.positions, axis=0) + 1.0)
            else:
                cell = np.array(atoms.cell.complete())
            if abs(np.linalg.det(cell)) < 1e-8:
                raise UnsupportedCellError("cannot complete a degenerate cell into a LAMMPS box")
        lengths = np.linalg.norm(cell, axis=1)
        grow = ~self.pbc & (lengths < min_free_length)
        cell[grow] *= (min_free_length / lengths[grow])[:, None]
        return cell

    def _set_prism(self, cell: np.ndarray) -> None:
        self._prism = Prism(cell, self.pbc)
        tilt = self._prism.lammps_tilt
        # LAMMPS: xy needs y periodic, xz and yz need z periodic
        if (abs(tilt[1, 0]) > 1e-12 and not self.pbc[1]) or (
            (abs(tilt[2, 0]) > 1e-12 or abs(tilt[2, 1]) > 1e-12) and not self.pbc[2]
        ):
            raise UnsupportedCellError(
                "LAMMPS allows a tilted box only along periodic directions; "
                "orient the structure so that non-periodic directions are orthogonal"
            )
        self._rot = self._prism.rot_mat
        self._tilt = tilt
        self._tilt_inv = np.linalg.inv(tilt)
        self._triclinic = bool(np.any(np.abs(tilt[[1, 2, 2], [0, 0, 1]]) > 1e-12))

    def _setup(self, atoms: Atoms, fixed, sort_every: int, skin: float) -> None:
        self._set_prism(self._box_cell(atoms, self.potential.cutoff + skin))
        lx, ly, lz, xy, xz, yz = map(float, self._prism.get_lammps_prism())
        # non-periodic: shrink-wrapped, but never smaller than the initial box ("m")
        bnd = " ".join("p" if p else "m" for p in self.pbc)
        region = (
            f"region qcb_box prism 0 {lx!r} 0 {ly!r} 0 {lz!r} {xy!r} {xz!r} {yz!r} units box"
            if self._triclinic
            else f"region qcb_box block 0 {lx!r} 0 {ly!r} 0 {lz!r} units box"
        )
        ntypes = len(self.potential.species)
        self.commands(
            [
                "units metal",
                "atom_style atomic",
                f"atom_modify map array sort {int(sort_every)} 0.0",
                f"boundary {bnd}",
                region,
                f"create_box {ntypes} qcb_box",
                f"create_atoms 1 random {self.natoms} 12345 NULL",
                *[f"mass {k + 1} {float(m)!r}" for k, m in enumerate(self.potential.masses)],
                *self.potential.lammps_commands(self.potential.species),
                f"neighbor {float(skin)!r} bin",
                "neigh_modify every 1 delay 0 check yes",
                "compute qcb_virial all pressure NULL virial",
                "thermo_style custom step pe c_qcb_virial[1]",
                "thermo_modify lost error",
            ]
        )
        self.numpy = self._lmp.numpy
        self._nktv2p = float(self._lmp.extract_global("nktv2p"))  # eV/A^3 -> bar
        self._imgbits = 10 if self._lmp.extract_setting("imageint") == 4 else 21
        self._set_types(atoms.numbers)
        if self._external:  # before setforce: fixes act in the order they are defined
            self.commands(
                [
                    "fix qcb_ext all external pf/array 1",
                    "fix_modify qcb_ext energy yes virial yes",
                ]
            )
            self._lmp.fix_external_set_energy_global("qcb_ext", 0.0)
        self.fixed = np.zeros(self.natoms, dtype=bool)
        if fixed is not None:
            self._set_fixed(fixed)
        self.set_positions(atoms.positions)

    def _ids(self) -> np.ndarray:
        n = self._lmp.extract_setting("nlocal")
        return self.numpy.extract_atom("id")[:n] - 1

    def _set_types(self, numbers: np.ndarray) -> None:
        from ase.data import chemical_symbols

        species = self.potential.species
        types = np.array([species.index(chemical_symbols[z]) + 1 for z in numbers], dtype=np.int32)
        self.numpy.extract_atom("type")[: self.natoms][:] = types[self._ids()]
        self._numbers = np.array(numbers).copy()

    def _set_fixed(self, fixed) -> None:
        mask = np.zeros(self.natoms, dtype=bool)
        fixed = np.asarray(fixed)
        if fixed.dtype == bool:
            if fixed.shape != (self.natoms,):
                raise ValueError(f"fixed mask has shape {fixed.shape}, expected ({self.natoms},)")
            mask = fixed
        else:
            mask[fixed.astype(int)] = True
        self.fixed = mask
        self.commands(["fix qcb_flag all property/atom i_qcb_fixed ghost no"])
        flag = self.numpy.extract_atom("i_qcb_fixed")
        flag[: self.natoms] = mask[self._ids()].astype(np.int32)
        self.commands(
            [
                "variable qcb_isfixed atom i_qcb_fixed",
                "group qcb_fixed variable qcb_isfixed",
                "fix qcb_freeze qcb_fixed setforce 0.0 0.0 0.0",
            ]
        )

    # --------------------------------------------------------------- commands
    @property
    def lmp(self):
        """The underlying :class:`lammps.lammps` instance (for expert use)."""
        if self._lmp is None:
            raise LammpsError("<any>", "the engine has been closed")
        return self._lmp

    def command(self, line: str) -> None:
        """Run one LAMMPS input line; failures raise :class:`LammpsError`.

        Positions set since the last evaluation are written into LAMMPS first. Any
        command may change the system, so the next evaluation does a full LAMMPS setup.
        """
        if self._unwritten:
            self._write_positions()
        self._needs_setup = True
        self._run(line)

    def _run(self, line: str) -> None:
        """Execute a line, turning LAMMPS's exception into :class:`LammpsError`."""
        run_command(self.lmp, line)

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
        """
        positions = np.asarray(positions, dtype=float)
        if positions.shape != (self.natoms, 3):
            raise ValueError(f"positions have shape {positions.shape}, expected ({self.natoms}, 3)")
        check_positions(positions)
        self._pending = positions @ self._rot  # LAMMPS frame, ASE order
        self._dirty = self._unwritten = True

    def _write_positions(self) -> None:
        """Write the pending positions into LAMMPS's own x array.

        The first time (and after a cell change) positions are wrapped into the box here.
        Afterwards each atom keeps the periodic image LAMMPS has it in: LAMMPS's
        unwrapped position ``x + image . box + shift`` equals what the caller set, and
        displacements stay continuous, so LAMMPS's own neighbour-list check is valid.
        """
        self._unwritten = False
        n = self._lmp.extract_setting("nlocal")
        ids = self._ids()
        x = self.numpy.extract_atom("x")
        if not self._wrap_next:
            x_new = (self._pending - self._shift)[ids] - self._images(n) @ self._tilt
            frac = (x_new @ self._tilt_inv)[:, self.pbc]
            if frac.size == 0 or (frac.min() >= -0.5 and frac.max() < 1.5):
                x[:n] = x_new
                return
            # LAMMPS re-wraps by one period only: far-moved atoms need a fresh wrap
            self._needs_setup = True
        shift = np.floor(self._pending @ self._tilt_inv) * self.pbc
        self._shift = shift @ self._tilt
        self.numpy.extract_atom("image")[:n] = self._image_zero
        x[:n] = (self._pending - self._shift)[ids]
        self._wrap_next = False

    def _images(self, n: int) -> np.ndarray:
        """Decoded LAMMPS image flags of the first ``n`` local atoms, shape (n, 3)."""
        return decode_images(self.numpy.extract_atom("image")[:n], self._imgbits)

    @property
    def _image_zero(self) -> int:
        bits = self._imgbits
        imgmax = 1 << (bits - 1)
        return imgmax | (imgmax << bits) | (imgmax << (2 * bits))

    def set_cell(self, cell: np.ndarray, positions: np.ndarray) -> None:
        """Change the periodic cell (Angstrom) and positions without a new instance.

        Parameters
        ----------
        cell : ndarray, shape (3, 3)
            New cell, rows are vectors (ASE convention).
        positions : ndarray, shape (N, 3)
            New positions in Angstrom.
        """
        cell = np.asarray(cell, dtype=float)
        if not np.all(np.isfinite(cell)):
            raise NonFiniteError("the cell contains NaN or infinite entries")
        was_triclinic = self._triclinic
        self._set_prism(cell)
        if self._triclinic and not was_triclinic:
            self.command("change_box all triclinic")
        lx, ly, lz, xy, xz, yz = map(float, self._prism.get_lammps_prism())
        parts = [f"{d} final 0 {v!r}" for d, v, p in zip("xyz", (lx, ly, lz), self.pbc) if p]
        if self._triclinic or was_triclinic:
            parts += [f"{t} final {v!r}" for t, v in (("xy", xy), ("xz", xz), ("yz", yz))]
        self.command(f"change_box all {' '.join(parts)} units box")
        self.set_positions(positions)
        self._wrap_next = True

    def set_numbers(self, numbers: np.ndarray) -> None:
        """Change the species (atomic numbers, ASE order) without a new instance."""
        from ase.data import chemical_symbols

        self.potential.check_species([chemical_symbols[z] for z in numbers])
        self._set_types(np.asarray(numbers))
        self._needs_setup = self._dirty = True

    def set_types(self, types: np.ndarray) -> None:
        """Set LAMMPS atom types directly (1-based, ASE order), e.g. for potentials whose
        types are not chemical species (weighted site energies)."""
        types = np.asarray(types)
        ntypes = len(self.potential.species)
        if types.shape != (self.natoms,) or types.min() < 1 or types.max() > ntypes:
            raise ValueError(f"types must be {self.natoms} integers in 1..{ntypes}, got shape {types.shape}, "
                             f"range {types.min()}..{types.max()}")
        self.numpy.extract_atom("type")[: self.natoms][:] = types.astype(np.int32)[self._ids()]
        self._needs_setup = self._dirty = True

    def set_external_forces(self, forces: np.ndarray, energy: float = 0.0) -> None:
        """Forces (eV/Angstrom, ASE frame and order) and energy (eV) added by ``fix external``.

        Parameters
        ----------
        forces : ndarray, shape (N, 3)
        energy : float
        """
        if not self._external:
            raise ValueError("this engine was built without external_forces=True")
        forces = np.asarray(forces, dtype=float)
        if forces.shape != (self.natoms, 3) or not np.all(np.isfinite(forces)):
            raise ValueError(f"external forces must be finite with shape ({self.natoms}, 3)")
        ids = self._ids()
        self.numpy.fix_external_get_force("qcb_ext")[: len(ids)] = (forces @ self._rot)[ids]
        self._lmp.fix_external_set_energy_global("qcb_ext", float(energy))
        self._dirty = True

    # ------------------------------------------------------------ results out
    def evaluate(self) -> None:
        """Bring forces and energies up to date (one LAMMPS force evaluation).

        The first evaluation, and the first after any :meth:`command`, is a full
        ``run 0`` (LAMMPS init and setup). Later ones are ``run 1 pre no`` without a time
        integrator: LAMMPS then rebuilds neighbour lists only when an atom has moved more
        than half the skin, and otherwise just refreshes its ghost atoms -- the cheap
        path of an MD step.
        """
        if self._unwritten:
            self._write_positions()
        if self._needs_setup:
            self._run("run 0 post no")
            self._needs_setup = False
        else:
            self._run("run 1 pre no post no")
        self._dirty = False

    def _gather(self, array: np.ndarray) -> np.ndarray:
        ids = self._ids()
        out = np.empty((self.natoms,) + array.shape[1:], dtype=float)
        out[ids] = array[: len(ids)]
        return out

    def _current(self) -> None:
        if self._dirty:
            self.evaluate()

    def energy(self) -> float:
        """Potential energy in eV (including ``fix external``'s energy)."""
        self._current()
        return float(self._lmp.get_thermo("pe"))

    def forces(self) -> np.ndarray:
        """Forces in eV/Angstrom, shape (N, 3), ASE frame and atom order."""
        self._current()
        return self._gather(self.numpy.extract_atom("f")) @ self._rot.T

    def energy_forces(self) -> tuple[float, np.ndarray]:
        """Energy (eV) and forces (eV/Angstrom, (N, 3)) in one evaluation."""
        return self.energy(), self.forces()

    def energies(self) -> np.ndarray:
        """Per-atom potential energies in eV, shape (N,), summing to the pair energy.

        The first call installs LAMMPS's ``compute pe/atom`` (and evaluates again); from
        then on every evaluation tallies per-atom energies.
        """
        if not self._peratom:
            self.command("compute qcb_pe_atom all pe/atom")
            self._peratom = True
            self._dirty = True
        self._current()
        pe = self.numpy.extract_compute("qcb_pe_atom", _ATOM, _VECTOR)
        return self._gather(pe)

    def virial(self) -> np.ndarray:
        """Virial tensor W = sum r (x) f in eV, shape (3, 3), ASE frame.

        For periodic systems stress = -W / V.
        """
        self._current()
        p = self.numpy.extract_compute("qcb_virial", _GLOBAL, _VECTOR)  # bar: xx yy zz xy xz yz
        boxlo, boxhi, xy, yz, xz, _, _ = self._lmp.extract_box()
        vol = (boxhi[0] - boxlo[0]) * (boxhi[1] - boxlo[1]) * (boxhi[2] - boxlo[2])
        t = np.array([[p[0], p[3], p[4]], [p[3], p[1], p[5]], [p[4], p[5], p[2]]])
        # LAMMPS's own conversion (force->nktv2p), so virials equal LAMMPS's to round-off
        return self._rot @ (t * (vol / self._nktv2p)) @ self._rot.T

    def stress(self, volume: float) -> np.ndarray:
        """Stress in eV/Angstrom^3, Voigt order xx yy zz yz xz xy (ASE convention).

        Parameters
        ----------
        volume : float
            Reference volume in Angstrom^3 (the ASE cell volume).
        """
        s = -self.virial() / volume
        return s[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]

    def positions(self) -> np.ndarray:
        """Current positions (Angstrom, ASE frame and order), unwrapped as set.

        Useful after LAMMPS itself moved the atoms (``minimize``, ``run``).
        """
        n = self._lmp.extract_setting("nlocal")
        x = self.numpy.extract_atom("x")[:n]
        unwrapped = self._gather(x + self._images(n) @ self._tilt) + self._shift
        return unwrapped @ self._rot.T

    # ------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Destroy the LAMMPS instance (idempotent)."""
        if self._lmp is not None:
            self._lmp.close()
            self._lmp = None

    def __enter__(self) -> "LammpsEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - interpreter shutdown order
        try:
            self.close()
        except Exception:
            pass
