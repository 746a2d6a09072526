"""The ASE face of a coupled model: Atoms with a calculator, and an Optimizable.

Energy-based models run with any ASE optimizer through :func:`model_atoms` (nodes as
atoms, prescribed nodes under ``FixAtoms``); every model, force-based included, through
:class:`QCOptimizable` (free-node displacements).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, PropertyNotImplementedError, all_changes
from ase.constraints import FixAtoms
from ase.utils.abc import Optimizable

__all__ = ["QCCalculator", "QCOptimizable", "model_atoms"]


class QCCalculator(Calculator):
    """ASE calculator of a coupled model acting on Atoms of its nodes.

    ``implemented_properties`` is ``energy``, ``free_energy`` and ``forces`` for energy-based
    methods and ``forces`` only for force-based ones, whose forces are not the gradient
    of any energy: asking for their energy raises PropertyNotImplementedError.
    """

    def __init__(self, model: Any):
        super().__init__()  # type: ignore[no-untyped-call]  # unannotated in ase
        self.model = model
        self.implemented_properties = (["energy", "free_energy", "forces"] if model.method.energy_based
                                       else ["forces"])

    def calculate(self, atoms: Atoms | None = None, properties: Sequence[str] = ("forces",),
                  system_changes: list[str] = all_changes) -> None:
        for p in properties:
            if p not in self.implemented_properties:
                raise PropertyNotImplementedError(f"{self.model.method.name} does not provide {p!r}")
        super().calculate(atoms, properties, system_changes)  # type: ignore[no-untyped-call]  # unannotated in ase
        e, f = self.model.evaluate(self.model.displacements(self.atoms))
        self.results = {"forces": f}
        if e is not None:
            self.results["energy"] = self.results["free_energy"] = e


def model_atoms(model: Any, u: np.ndarray) -> Atoms:
    """The nodes of a coupled model at displacements u (Angstrom) as ASE Atoms, with
    ``region`` and ``beta`` arrays, the nodes' lumped masses (amu, :func:`~.masses.lumped_masses`:
    ASE's molecular dynamics runs on them), the prescribed nodes fixed and a :class:`QCCalculator`."""
    g = model.geometry
    atoms = Atoms(np.array(g.crystal.get_chemical_symbols())[g.node_site], positions=g.reference_nodes + u,
                  cell=g.crystal.cell, pbc=g.crystal.pbc, masses=model.masses)
    # Atoms.set_array, Atoms.set_constraint and FixAtoms are unannotated in ase
    atoms.set_array("region", g.region[g.node_site].astype(np.int32))  # type: ignore[no-untyped-call]
    atoms.set_array("beta", g.beta[g.node_site].copy())  # type: ignore[no-untyped-call]
    if len(model.fixed):
        atoms.set_constraint(FixAtoms(indices=model.fixed))  # type: ignore[no-untyped-call]
    atoms.calc = QCCalculator(model)
    return atoms


class QCOptimizable(Optimizable):
    """Free-node displacements as an ASE Optimizable; the value is the energy for
    energy-based methods and NaN for force-based ones (ASE only logs it)."""

    def __init__(self, model: Any, u: np.ndarray):
        self.model = model
        self.u = np.array(u, dtype=float)
        self._cache: tuple[float | None, np.ndarray] | None = None

    def ndofs(self) -> int:
        return 3 * int(self.model.free.sum())

    def get_x(self) -> np.ndarray:
        return self.u[self.model.free].ravel().copy()

    def set_x(self, x: np.ndarray) -> None:
        self.u[self.model.free] = np.asarray(x).reshape(-1, 3)
        self._cache = None

    def evaluate(self) -> tuple[float | None, np.ndarray]:
        """Energy (eV or None) and node forces (eV/A) at the current x (cached)."""
        if self._cache is None:
            self._cache = self.model.evaluate(self.u)
        return self._cache

    def get_gradient(self) -> np.ndarray:
        return -self.evaluate()[1][self.model.free].ravel()

    def get_value(self) -> float:
        e = self.evaluate()[0]
        return float("nan") if e is None else e

    def iterimages(self) -> Iterator[Atoms]:
        yield self.model.snapshot(self.u)
