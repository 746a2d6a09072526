"""The coupled model: geometry + LAMMPS for the atoms + Cauchy-Born elements + a method.

Degrees of freedom are the node displacements u (n_nodes x 3, Angstrom). LAMMPS holds the
atoms of the fully resolved region and the padding at X + I u. Energy-based methods use a
LAMMPS instance whose atom types carry the site weights
(:mod:`qcbridge.potentials.weighted`), so that its energy is sum_i beta_i E_i and its forces
the exact gradient; the padding atoms' forces reach the nodes through I^T. Force-based
methods use a plain LAMMPS instance and take the forces on resolved atoms.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes
from ase.constraints import FixAtoms
from ase.utils.abc import Optimizable

from ..continuum import ContinuumModel
from ..engines.lammps import LammpsEngine
from ..errors import CouplingError, DeformationError
from ..potentials.potential import Potential
from ..potentials.weighted import weighted_potential
from .boundary import Boundary, FreeSurface, HomogeneousDeformation
from .geometry import CoupledGeometry, Region, slip_corrections
from .methods import CouplingMethod, method_from_name

__all__ = ["QCCalculator", "QCModel", "QCOptimizable"]


class QCModel:
    """A coupled atomistic-continuum model.

    Parameters
    ----------
    geometry : CoupledGeometry
        From :func:`~qcbridge.coupling.geometry.build_geometry`.
    potential : Potential
        Single-species potential (LAMMPS evaluates the atoms).
    material : object
        Continuum material (``energy_and_stress``, ``tangent``), normally the
        :class:`~qcbridge.cauchy_born.CauchyBorn` of the same potential.
    method : CouplingMethod or str
        ``"bqcf"`` (default), ``"bqce"``, ``"qcf"``, ``"qce"``, ``"qce-gfc"``.
    boundary : Boundary, optional
        Outer boundary (default free surfaces).
    fixed : array of int, optional
        Prescribed nodes (default: the mesh's outer boundary nodes, or none for free surfaces).

    Raises
    ------
    CouplingError
        A blended method on a geometry without blending region.
    UnknownMethodError
        Unknown method name (the message lists the choices).
    """

    def __init__(self, geometry: CoupledGeometry, potential: Potential, material, method="bqcf",
                 boundary: Boundary | None = None, *, fixed: np.ndarray | None = None):
        self.geometry = geometry
        self.potential = potential
        self.material = material
        self.method: CouplingMethod = method_from_name(method)
        self.boundary = FreeSurface() if boundary is None else boundary
        has_continuum = np.any(geometry.region[geometry.node_site] == Region.CONTINUUM)
        if self.method.blended and has_continuum and not np.any(geometry.region == Region.BLEND):
            raise CouplingError(f"{self.method.name} blends over a blending region; build the geometry with "
                                "blend_width > 0")
        if geometry.dim == 2 and isinstance(self.boundary, HomogeneousDeformation):
            F = self.boundary.F
            if np.abs(F[:, 2] - [0, 0, 1]).max() > 1e-14:
                raise DeformationError("a slab is periodic along z: F must leave the z axis unchanged "
                                       f"(third column (0, 0, 1)), got {F[:, 2].tolist()}")
        if fixed is not None:
            self.fixed = np.unique(np.asarray(fixed, dtype=np.int64))
        else:
            self.fixed = geometry.boundary_nodes if self.boundary.fixes_outer else np.zeros(0, dtype=np.int64)
        # elements crossed by a cut of the boundary field (a dislocation's slip plane)
        self._eigen, self._atom_offset = slip_corrections(
            geometry.mesh, geometry.reference_nodes, self.boundary, geometry.reference_atoms,
            geometry.atom_element, geometry.atom_bary)
        self._free = np.ones(geometry.mesh.n_nodes, dtype=bool)
        self._free[self.fixed] = False
        self._tmp = tempfile.TemporaryDirectory(prefix="qcbridge-qc-")
        self._engines: dict[str, LammpsEngine] = {}
        self._continua: dict[bool, ContinuumModel] = {}
        self.evaluations = 0
        self.dead_load: tuple[np.ndarray, np.ndarray] | None = None  # set by GhostForceCorrection
        self.method.prepare(self)

    # ------------------------------------------------------------ geometry
    @property
    def n_nodes(self) -> int:
        return self.geometry.mesh.n_nodes

    @property
    def free(self) -> np.ndarray:
        """Mask of nodes that are degrees of freedom."""
        return self._free

    def predictor(self) -> np.ndarray:
        """Displacement of every node from the boundary condition's field (the homogeneous
        state for a homogeneous F; zero for free surfaces), shape (n_nodes, 3)."""
        return self.boundary.displacement(self.geometry.reference_nodes)

    def atom_positions(self, u: np.ndarray) -> np.ndarray:
        """Positions of the LAMMPS atoms, X + I u (Angstrom; plus the slip correction of
        atoms in elements cut by a slip surface)."""
        return self.geometry.reference_atoms + self.geometry.interpolation @ u + self._atom_offset

    # ------------------------------------------------------------ engines
    def _lammps_atoms(self) -> Atoms:
        g = self.geometry
        return Atoms(np.array(g.crystal.get_chemical_symbols())[g.atom_site], positions=g.reference_atoms,
                     cell=g.crystal.cell, pbc=g.crystal.pbc)

    def _engine(self, key: str, beta: np.ndarray | None = None) -> LammpsEngine:
        if key not in self._engines:
            if beta is None:
                self._engines[key] = LammpsEngine(self._lammps_atoms(), self.potential)
            else:
                levels = np.unique(np.concatenate([[0.0, 1.0], beta]))
                wpot = weighted_potential(self.potential, levels, Path(self._tmp.name))
                eng = LammpsEngine(self._lammps_atoms(), wpot)
                eng.set_types(wpot.types(beta))
                self._engines[key] = eng
        return self._engines[key]

    def atomistic_weighted(self, u: np.ndarray, method: CouplingMethod) -> tuple[float, np.ndarray]:
        """sum_i beta_i E_i from LAMMPS (eV) and its node forces I^T f (eV/A)."""
        beta = method.site_beta(self)
        eng = self._engine("blended" if method.blended else "sharp", beta)
        eng.set_positions(self.atom_positions(u))
        e, f = eng.energy_forces()
        return e, self.geometry.interpolation.T @ f

    def atomistic_node_forces(self, u: np.ndarray) -> np.ndarray:
        """Full atomistic forces (eV/A) on the atoms that are nodes; zero on other nodes."""
        eng = self._engine("plain")
        eng.set_positions(self.atom_positions(u))
        f = eng.forces()
        out = np.zeros((self.n_nodes, 3))
        an = self.geometry.atom_node
        out[an[an >= 0]] = f[an >= 0]
        return out

    def atom_energies(self, u: np.ndarray) -> np.ndarray:
        """Per-atom energies (eV) of the LAMMPS atoms from the unweighted potential; exact
        for atoms whose neighbourhood lies inside the padding (core and blending region)."""
        eng = self._engine("plain")
        eng.set_positions(self.atom_positions(u))
        return eng.energies()

    def continuum(self, u: np.ndarray, method: CouplingMethod, *, elements_weighted: bool) -> tuple[float, np.ndarray]:
        """Cauchy-Born energy (eV) and node forces (eV/A): elements weighted by 1 - mean beta
        (energy-based) or all elements (force-based)."""
        key = (elements_weighted, method.blended)
        if key not in self._continua:
            mesh = self.geometry.mesh
            beta_e = method.node_beta(self)[mesh.elements]
            if elements_weighted:
                w = 1.0 - beta_e.mean(axis=1)
            else:  # forces of elements whose vertices all have beta = 1 are never used
                w = np.where(np.all(beta_e == 1.0, axis=1), 0.0, 1.0)
            self._continua[key] = ContinuumModel(mesh, self.material, w, self._eigen)
        return self._continua[key].energy_forces(u)

    # ------------------------------------------------------------ results
    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        """Energy (eV, None for force-based methods) and node forces (eV/A) at u; the
        forces on prescribed nodes are set to zero."""
        u = np.asarray(u, dtype=float)
        if u.shape != (self.n_nodes, 3):
            raise ValueError(f"u has shape {u.shape}, expected ({self.n_nodes}, 3)")
        e, f = self.method.evaluate(self, u)
        self.evaluations += 1
        f = f.copy()
        f[~self._free] = 0.0
        return e, f

    def residual_report(self, u: np.ndarray) -> tuple[float, int]:
        """Largest force norm on free nodes (eV/A) and the node where it sits."""
        _, f = self.evaluate(u)
        norms = np.linalg.norm(f, axis=1)
        k = int(np.argmax(norms))
        return float(norms[k]), k

    def snapshot(self, u: np.ndarray) -> Atoms:
        """Atoms of every node and simulated atom at their current positions, with
        ``region``, ``repatom``, ``beta`` and ``displacement`` arrays (for extxyz / OVITO)."""
        g = self.geometry
        sites = np.union1d(g.node_site, g.atom_site)
        pos = g.crystal.positions.copy()
        pos[g.atom_site] = self.atom_positions(u)
        pos[g.node_site] = g.reference_nodes + u
        atoms = g.annotated()[sites]
        atoms.positions = pos[sites]
        atoms.set_array("displacement", pos[sites] - g.crystal.positions[sites])
        return atoms

    def atoms(self, u: np.ndarray | None = None) -> Atoms:
        """The nodes as ASE Atoms with a :class:`QCCalculator` and the prescribed nodes
        fixed: energy-based models run with any ASE optimizer."""
        g = self.geometry
        u = self.predictor() if u is None else u
        atoms = Atoms(np.array(g.crystal.get_chemical_symbols())[g.node_site], positions=g.reference_nodes + u,
                      cell=g.crystal.cell, pbc=g.crystal.pbc)
        atoms.set_array("region", g.region[g.node_site].astype(np.int32))
        atoms.set_array("beta", g.beta[g.node_site].copy())
        if len(self.fixed):
            atoms.set_constraint(FixAtoms(indices=self.fixed))
        atoms.calc = QCCalculator(self)
        return atoms

    def optimizable(self, u: np.ndarray | None = None) -> "QCOptimizable":
        """An ASE Optimizable over the free nodes: FIRE and LBFGS run on it for every
        method, force-based ones included."""
        return QCOptimizable(self, self.predictor() if u is None else u)

    def close(self) -> None:
        """Close the LAMMPS instances and remove generated potential files."""
        for eng in self._engines.values():
            eng.close()
        self._engines.clear()
        self._tmp.cleanup()

    def __enter__(self) -> "QCModel":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class QCCalculator(Calculator):
    """ASE calculator of a :class:`QCModel` acting on Atoms of its nodes.

    ``implemented_properties`` is ``energy``, ``free_energy`` and ``forces`` for energy-based
    methods and ``forces`` only for force-based ones, whose forces are not the gradient
    of any energy: asking for their energy raises PropertyNotImplementedError.
    """

    def __init__(self, model: QCModel):
        super().__init__()
        self.model = model
        self.implemented_properties = (["energy", "free_energy", "forces"] if model.method.energy_based
                                       else ["forces"])

    def calculate(self, atoms=None, properties=("forces",), system_changes=all_changes):
        for p in properties:
            if p not in self.implemented_properties:
                raise PropertyNotImplementedError(f"{self.model.method.name} does not provide {p!r}")
        super().calculate(atoms, properties, system_changes)
        u = self.atoms.positions - self.model.geometry.reference_nodes
        e, f = self.model.evaluate(u)
        self.results = {"forces": f}
        if e is not None:
            self.results["energy"] = self.results["free_energy"] = e


class QCOptimizable(Optimizable):
    """Free-node displacements as an ASE Optimizable; the value is the energy for
    energy-based methods and NaN for force-based ones (ASE only logs it)."""

    def __init__(self, model: QCModel, u: np.ndarray):
        self.model = model
        self.u = np.array(u, dtype=float)
        self._cache = None

    def ndofs(self) -> int:
        return 3 * int(self.model.free.sum())

    def get_x(self) -> np.ndarray:
        return self.u[self.model.free].ravel().copy()

    def set_x(self, x: np.ndarray) -> None:
        self.u[self.model.free] = np.asarray(x).reshape(-1, 3)
        self._cache = None

    def _eval(self):
        if self._cache is None:
            self._cache = self.model.evaluate(self.u)
        return self._cache

    def get_gradient(self) -> np.ndarray:
        return -self._eval()[1][self.model.free].ravel()

    def get_value(self) -> float:
        e = self._eval()[0]
        return float("nan") if e is None else e

    def iterimages(self):
        yield self.model.snapshot(self.u)
