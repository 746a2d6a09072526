"""What a coupled model is made of: contributions to its energy and node forces.

A coupling method (:mod:`qcbridge.coupling.methods`) binds to a geometry once and returns
a list of contributions; :class:`~qcbridge.coupling.assembly.Assembly` adds them up. Each
contribution maps node displacements u (n_nodes, 3; Angstrom) to an energy (eV, or None
when it has none) and node forces (eV/Angstrom, (n_nodes, 3)). Contributions that hold a
LAMMPS instance release it in :meth:`close` and forget its history in :meth:`reset`.

* :class:`WeightedAtomistic`: sum_i w_i E_i of the LAMMPS atoms, from a LAMMPS instance
  whose atom types are weight levels (:mod:`qcbridge.potentials.weighted`), so that
  LAMMPS's energy is the weighted sum and its forces the exact gradient; the padding
  atoms' forces reach the nodes through I^T.
* :class:`AtomisticNodeForces`: w_a times LAMMPS's force on every atom that is a node.
* :class:`CauchyBornElements`: sum_T w_T V_T W(F_T) over the mesh, or, with node weights,
  the forces of the whole mesh scaled per node (force blending).
* :class:`DeadLoad`: a constant force g with energy -g . (u - u_ref) (ghost-force correction).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from ase import Atoms

from ..continuum.assembly import ContinuumModel
from ..engines.lammps import LammpsEngine
from ..errors import QCBridgeError
from ..potentials.potential import Potential
from ..potentials.weighted import weighted_potential
from .kinematics import Kinematics

__all__ = ["AtomisticNodeForces", "CauchyBornElements", "Contribution", "DeadLoad", "WeightedAtomistic",
           "lammps_atoms"]


class Contribution(Protocol):
    """One term of a coupled model's energy and forces."""

    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        """Energy (eV or None) and node forces (eV/Angstrom, (n_nodes, 3))."""
        ...

    def reset(self) -> None:
        """Forget evaluation history (a LAMMPS instance's neighbour lists)."""
        ...

    def close(self) -> None:
        """Release resources (LAMMPS instances, files)."""
        ...


def lammps_atoms(kinematics: Kinematics) -> Atoms:
    """The atoms LAMMPS simulates (resolved region and padding) at their reference sites."""
    g = kinematics.geometry
    symbols = g.crystal.get_chemical_symbols()  # type: ignore[no-untyped-call]  # unannotated in ase
    return Atoms(np.array(symbols)[g.atom_site], positions=g.reference_atoms,
                 cell=g.crystal.cell, pbc=g.crystal.pbc)


class WeightedAtomistic:
    """sum_i w_i E_i of the LAMMPS atoms (eV) and its node forces I^T f.

    Parameters
    ----------
    kinematics : Kinematics
    potential : Potential
    weights : ndarray, shape (n_atoms,)
        Site weight of every LAMMPS atom, in [0, 1].
    comm : mpi4py.MPI.Comm, optional
        MPI communicator LAMMPS runs on (default: this process alone).
    """

    def __init__(self, kinematics: Kinematics, potential: Potential, weights: np.ndarray, *, comm: Any = None):
        self.kinematics = kinematics
        self._tmp = tempfile.TemporaryDirectory(prefix="qcbridge-weights-")
        levels = np.unique(np.concatenate([[0.0, 1.0], weights]))
        wpot = weighted_potential(potential, levels, Path(self._tmp.name))
        try:
            atoms = lammps_atoms(kinematics)
            self.engine = LammpsEngine(atoms, wpot, comm=comm)
            symbols = atoms.get_chemical_symbols()  # type: ignore[no-untyped-call]  # unannotated in ase
            self.engine.set_types(wpot.types(weights, symbols))
        except BaseException:
            self._tmp.cleanup()
            raise

    def evaluate(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        kin = self.kinematics
        self.engine.set_positions(kin.atom_positions(u))
        e, f = self.engine.energy_forces()
        nodal = kin.geometry.interpolation.T @ f
        if len(kin.geometry.shifted_atoms):  # atoms placed through inner shifts: the chain rule through s(F)
            nodal = nodal + kin.shift_forces(u, f)
        return e, nodal

    def reset(self) -> None:
        self.engine.reset()

    def close(self) -> None:
        self.engine.close()
        self._tmp.cleanup()


class AtomisticNodeForces:
    """w_a times LAMMPS's force (eV/Angstrom) on every atom that is a node a; no energy.

    Parameters
    ----------
    kinematics : Kinematics
    potential : Potential
    node_weights : ndarray, shape (n_nodes,)
    comm : mpi4py.MPI.Comm, optional
        MPI communicator LAMMPS runs on (default: this process alone).
    """

    def __init__(self, kinematics: Kinematics, potential: Potential, node_weights: np.ndarray, *,
                 comm: Any = None):
        self.kinematics = kinematics
        self.node_weights = np.asarray(node_weights, dtype=float)[:, None]
        self.engine = LammpsEngine(lammps_atoms(kinematics), potential, comm=comm)

    def evaluate(self, u: np.ndarray) -> tuple[None, np.ndarray]:
        self.engine.set_positions(self.kinematics.atom_positions(u))
        f = self.engine.forces()
        out = np.zeros((len(self.kinematics.geometry.node_site), 3))
        an = self.kinematics.geometry.atom_node
        out[an[an >= 0]] = f[an >= 0]
        return None, self.node_weights * out

    def reset(self) -> None:
        self.engine.reset()

    def close(self) -> None:
        self.engine.close()


class CauchyBornElements:
    """Cauchy-Born energy and forces of the mesh.

    Parameters
    ----------
    kinematics : Kinematics
        Mesh and slip corrections.
    material : object
        ``energy_and_stress(F)`` and ``tangent(F)`` (eV/Angstrom^3).
    element_weights : ndarray, shape (n_elements,)
        Fraction of each element's volume that counts (0: not evaluated).
    node_weights : ndarray, shape (n_nodes,), optional
        Force blending: the forces are multiplied per node and no energy is reported.
    comm : mpi4py.MPI.Comm, optional
        Share the elements out over the ranks of an MPI communicator: each rank evaluates its own
        contiguous block of the elements that count, and the energies and node forces are summed
        over the ranks (the same on every rank; equal to a serial evaluation up to the order of
        the sum).
    """

    def __init__(self, kinematics: Kinematics, material: Any, element_weights: np.ndarray,
                 node_weights: np.ndarray | None = None, *, comm: Any = None):
        w = np.asarray(element_weights, dtype=float)
        self.comm = comm if comm is not None and comm.Get_size() > 1 else None
        if self.comm is not None:
            mine = np.zeros(len(w), dtype=bool)
            mine[np.array_split(np.flatnonzero(w), self.comm.Get_size())[self.comm.Get_rank()]] = True
            w = np.where(mine, w, 0.0)
        self.model = ContinuumModel(kinematics.geometry.mesh, material, w, kinematics.eigen_gradient)
        self.node_weights = None if node_weights is None else np.asarray(node_weights, dtype=float)[:, None]
        self.n_mesh = kinematics.geometry.n_mesh_nodes

    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        e, f_mesh = self._energy_forces(u[: self.n_mesh])
        f = f_mesh if len(u) == self.n_mesh else np.concatenate([f_mesh, np.zeros((len(u) - self.n_mesh, 3))])
        if self.node_weights is None:
            return e, f
        return None, self.node_weights * f

    def _energy_forces(self, u_mesh: np.ndarray) -> tuple[float, np.ndarray]:
        if self.comm is None:
            return self.model.energy_forces(u_mesh)
        try:  # an element one rank rejects must raise on every rank, or the others wait forever
            local, failure = self.model.energy_forces(u_mesh), None
        except QCBridgeError as exc:
            local, failure = (0.0, np.zeros((self.n_mesh, 3))), exc
        failures = self.comm.allgather(None if failure is None else (type(failure), str(failure)))
        if failure is not None:
            raise failure
        for rank, item in enumerate(failures):
            if item is not None:
                cls, message = item
                error = cls.__new__(cls)
                Exception.__init__(error, f"{message} (on MPI rank {rank})")
                raise error
        return self.comm.allreduce(local, op=_sum_pairs)

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def _sum_pairs(a: tuple[float, np.ndarray], b: tuple[float, np.ndarray]) -> tuple[float, np.ndarray]:
    """Reduction of (energy, forces) pairs over MPI ranks."""
    return a[0] + b[0], a[1] + b[1]


class DeadLoad:
    """A constant force -g on the nodes with the energy g . (u - u_ref) that makes it
    conservative (eV, eV/Angstrom).

    Parameters
    ----------
    u_ref : ndarray, shape (n_nodes, 3)
    g : ndarray, shape (n_nodes, 3)
    """

    def __init__(self, u_ref: np.ndarray, g: np.ndarray):
        self.u_ref = np.array(u_ref, dtype=float)
        self.g = np.array(g, dtype=float)

    def evaluate(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        return float(np.sum(self.g * (u - self.u_ref))), -self.g

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass
