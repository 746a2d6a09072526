"""The coupled model: a geometry, a boundary condition and a method bound to them.

geometry (:class:`~.geometry.CoupledGeometry`, immutable) + boundary ->
:class:`~.kinematics.Kinematics` -> method.bind -> contributions ->
:class:`~.assembly.Assembly` -> energy and node forces -> solvers. Degrees of freedom are
the node displacements u (n_nodes x 3, Angstrom); prescribed nodes get zero force. The
ASE face (``Atoms`` + calculator, ``Optimizable``) is a thin adapter (:mod:`.ase_adapter`).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import CouplingError, PaddingError
from ..fingerprint import fingerprint
from ..potentials.potential import Potential
from .assembly import Assembly
from .boundary import Boundary, FreeSurface
from .contributions import DeadLoad
from .geometry import CoupledGeometry, Region
from .kinematics import Kinematics
from .masses import lumped_masses
from .methods import CouplingMethod, method_from_name

__all__ = ["QCModel"]


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
        :class:`~qcbridge.continuum.CauchyBorn` of the same potential.
    method : CouplingMethod or str
        ``"bqcf"`` (default), ``"bqce"``, ``"qcf"``, ``"qce"``, ``"qce-gfc"``.
    boundary : Boundary, optional
        Outer boundary (default free surfaces).
    fixed : array of int, optional
        Prescribed nodes (default: the mesh's outer boundary nodes, or none for free surfaces).
    comm : mpi4py.MPI.Comm, optional
        MPI communicator for the LAMMPS instances of the atomistic region, for a large region:
        LAMMPS decomposes the atoms over its ranks. Every rank runs the same Python script
        (``mpiexec -n 4 python run.py``) and holds the whole model; only LAMMPS's work is
        divided. Default: LAMMPS on this process alone.
    rest : ndarray, shape (n_nodes, 3), optional
        Displacements (Angstrom) the model is made to hold at rest: its forces there are
        subtracted as a dead load, and they are the predictor. For a relaxed free surface,
        which Cauchy-Born elements do not know (:mod:`~qcbridge.coupling.surface`).

    Raises
    ------
    CouplingError
        A blended method on a geometry without blending region; prescribed nodes out of range.
    UnknownMethodError
        Unknown method name (the message lists the choices).
    DeformationError
        A boundary condition the geometry cannot take (e.g. a slab F that tilts z).
    """

    def __init__(self, geometry: CoupledGeometry, potential: Potential, material: Any,
                 method: CouplingMethod | str = "bqcf", boundary: Boundary | None = None, *,
                 fixed: np.ndarray | None = None, comm: Any = None, rest: np.ndarray | None = None):
        self.geometry = geometry
        self.potential = potential
        self.material = material
        self.method: CouplingMethod = method_from_name(method)
        self.boundary = FreeSurface() if boundary is None else boundary
        has_continuum = np.any(geometry.region[geometry.node_site] == Region.CONTINUUM)
        if self.method.blended and has_continuum and not np.any(geometry.region == Region.BLEND):
            raise CouplingError(f"{self.method.name} blends over a blending region; build the geometry with "
                                "blend_width > 0")
        n = len(geometry.node_site)
        if fixed is not None:
            self.fixed = np.unique(np.asarray(fixed, dtype=np.int64))
            if self.fixed.size and (self.fixed.min() < 0 or self.fixed.max() >= n):
                raise CouplingError(f"prescribed nodes must be node indices in 0..{n - 1}")
        else:
            self.fixed = geometry.boundary_nodes if self.boundary.fixes_outer else np.zeros(0, dtype=np.int64)
        self.free = np.ones(n, dtype=bool)
        self.free[self.fixed] = False
        self.kinematics = Kinematics.of(geometry, self.boundary, material)
        self.rest: np.ndarray | None = None
        needed = (2.0 if potential.is_manybody else 1.0) * potential.cutoff
        self.min_padding_stretch = needed / geometry.padding_depth
        self.check_padding(self.predictor(), "the boundary field")
        self.assembly = Assembly(self.method.bind(self.kinematics, potential, material, comm=comm))
        if rest is not None:
            self._hold_at_rest(np.asarray(rest, dtype=float))
        self.evaluations = 0

    def _hold_at_rest(self, rest: np.ndarray) -> None:
        if rest.shape != (self.n_nodes, 3) or not np.all(np.isfinite(rest)):
            self.close()
            raise CouplingError(f"rest must be finite displacements of shape ({self.n_nodes}, 3), got {rest.shape}")
        try:
            self.check_padding(rest, "the rest state")
            _, f = self.assembly.evaluate(rest)
        except BaseException:
            self.close()
            raise
        f[self.fixed] = 0.0
        self.assembly.contributions.append(DeadLoad(rest, f))
        self.rest = rest.copy()

    # ------------------------------------------------------------ geometry
    @property
    def n_nodes(self) -> int:
        """Degrees of freedom (rows of u): mesh nodes, then a multilattice's extra atoms."""
        return len(self.geometry.node_site)

    @cached_property
    def masses(self) -> np.ndarray:
        """Lumped mass of every node (amu, :func:`~.masses.lumped_masses`)."""
        return lumped_masses(self.geometry)

    def predictor(self) -> np.ndarray:
        """Displacement of every node from the boundary condition's field (the homogeneous
        state for a homogeneous F; zero for free surfaces), or the rest state if one was
        given, shape (n_nodes, 3)."""
        return self.kinematics.predictor() if self.rest is None else self.rest.copy()

    initial_guess = predictor

    def atom_positions(self, u: np.ndarray) -> np.ndarray:
        """Positions of the LAMMPS atoms, X + I u (Angstrom; plus the slip correction of
        atoms in elements cut by a slip surface)."""
        return self.kinematics.atom_positions(u)

    # ------------------------------------------------------------ results
    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        """Energy (eV, None for force-based methods) and node forces (eV/A) at u; the
        forces on prescribed nodes are set to zero."""
        e, f = self.node_forces(u)
        f = f.copy()
        f[~self.free] = 0.0
        return e, f

    def node_forces(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        """Energy (eV or None) and the forces (eV/A) on every node at u, prescribed nodes
        included (their reactions, which a flexible boundary projects on its field's shift)."""
        u = np.asarray(u, dtype=float)
        if u.shape != (self.n_nodes, 3):
            raise CouplingError(f"u has shape {u.shape}, expected ({self.n_nodes}, 3)")
        self.check_padding(u, "the displacements")
        e, f = self.assembly.evaluate(u)
        self.evaluations += 1
        return e, f

    def check_padding(self, u: np.ndarray, what: str = "u") -> None:
        """Raise :class:`PaddingError` if u compresses an element holding padding atoms below
        the stretch the padding depth allows (see :meth:`Kinematics.padding_stretch`)."""
        stretch, element = self.kinematics.padding_stretch(u)
        if stretch < self.min_padding_stretch:
            allowed = self.min_padding_stretch
            raise PaddingError(
                f"{what} compress(es) element {element} near the atomistic region to {stretch:.3g} of its length; the "
                f"padding ({self.geometry.padding_depth:.3g} A deep) allows {allowed:.3g}. Build the geometry with "
                f"strain_margin >= {1.0 / stretch - 1.0:.2g}, or, for a field with a cut (a dislocation), pass cut= "
                "and side= so that elements are not torn across it"
            )

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
        # Atoms.set_array is unannotated in ase
        atoms.set_array("displacement", pos[sites] - g.crystal.positions[sites])  # type: ignore[no-untyped-call]
        return atoms

    # ------------------------------------------------------------ solver protocol
    def fingerprint(self) -> dict[str, str]:
        """Hashes of geometry, boundary (its field at the nodes, prescribed nodes, slip
        corrections), method, potential and material: what a checkpoint must match."""
        g = self.geometry
        path = getattr(self.potential, "path", None)
        content = Path(path).read_bytes() if path is not None and Path(path).is_file() else b""
        return {
            "geometry": fingerprint(g.crystal.positions, g.crystal.numbers, np.asarray(g.crystal.cell), g.region,
                                    g.beta, g.node_site, g.atom_site, g.mesh.elements),
            "boundary": fingerprint(self.predictor(), self.fixed, self.kinematics.eigen_gradient),
            "rest": fingerprint(self.rest),
            "method": self.method.name,
            "potential": fingerprint(repr(self.potential), content),
            "material": fingerprint(type(self.material).__name__, getattr(self.material, "cell", None),
                                    getattr(self.material, "basis", None)),
        }

    def reset(self) -> None:
        """Forget the LAMMPS instances' history: the next evaluation starts as a new model's
        would (checkpoints call this, so resumed runs repeat the uninterrupted ones exactly)."""
        self.assembly.reset()

    # ------------------------------------------------------------ ASE face
    def atoms(self, u: np.ndarray | None = None) -> Atoms:
        """The nodes as ASE Atoms with a calculator and the prescribed nodes fixed
        (:func:`~.ase_adapter.model_atoms`)."""
        from .ase_adapter import model_atoms

        return model_atoms(self, self.predictor() if u is None else u)

    def displacements(self, atoms: Atoms) -> np.ndarray:
        """Node displacements (Angstrom) of Atoms made by :meth:`atoms`."""
        return atoms.positions - self.geometry.reference_nodes

    def optimizable(self, u: np.ndarray | None = None) -> Any:
        """An ASE Optimizable over the free nodes (:class:`~.ase_adapter.QCOptimizable`)."""
        from .ase_adapter import QCOptimizable

        return QCOptimizable(self, self.predictor() if u is None else u)

    # ------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Close the LAMMPS instances and remove generated potential files."""
        self.assembly.close()

    def __enter__(self) -> QCModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
