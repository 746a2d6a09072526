"""ASE calculator on top of :class:`~qcbridge.engines.LammpsEngine`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from .engines import LammpsEngine
from .errors import EmptyStructureError, StructureError
from .potentials import Potential

__all__ = ["LammpsCalculator"]


class LammpsCalculator(Calculator):
    """Energies, forces, per-atom energies and stress from an embedded LAMMPS.

    The LAMMPS instance is built on first use and reused while the number of atoms
    and the periodicity stay the same; new positions, cells and species are pushed
    into the running instance.

    Parameters
    ----------
    potential : Potential
        From :func:`qcbridge.load_potential` or the analytic constructors.
    fixed : array_like, optional
        Indices or mask of atoms LAMMPS keeps fixed (zero force).
    min_distance : float
        Overlap threshold in Angstrom checked when the instance is (re)built.

    Examples
    --------
    >>> from ase.build import bulk
    >>> import qcbridge
    >>> atoms = bulk("Cu", "fcc", a=3.615, cubic=True)
    >>> atoms.calc = qcbridge.LammpsCalculator(qcbridge.load_potential("Cu_u3.eam"))
    >>> e = atoms.get_potential_energy()  # eV
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies"]

    def __init__(
        self,
        potential: Potential,
        *,
        fixed: Sequence[int] | np.ndarray | None = None,
        min_distance: float = 0.5,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]  # ase leaves Calculator.__init__ unannotated
        self.potential = potential
        self.fixed = fixed
        self.min_distance = min_distance
        self.engine: LammpsEngine | None = None

    def _engine_for(self, atoms: Atoms, changes: list[str]) -> LammpsEngine:
        eng = self.engine
        if eng is not None and (eng.natoms != len(atoms) or "pbc" in changes):
            eng.close()
            eng = self.engine = None
        if eng is None:
            self.engine = LammpsEngine(
                atoms, self.potential, fixed=self.fixed, min_distance=self.min_distance
            )
            return self.engine
        if "numbers" in changes:
            eng.set_numbers(atoms.numbers)
        if "cell" in changes:
            eng.set_cell(atoms.cell, atoms.positions)
        else:
            eng.set_positions(atoms.positions)
        return eng

    def calculate(self, atoms: Atoms | None = None, properties: Sequence[str] = ("energy",),
                  system_changes: list[str] = all_changes) -> None:
        super().calculate(atoms, properties, system_changes)  # type: ignore[no-untyped-call]  # unannotated in ase
        atoms = self.atoms
        if atoms is None:
            raise StructureError("no structure to compute: pass atoms, or attach the calculator to an Atoms object")
        if len(atoms) == 0:
            raise EmptyStructureError("the structure has no atoms")
        eng = self._engine_for(atoms, system_changes)
        energy, forces = eng.energy_forces()
        self.results["energy"] = self.results["free_energy"] = energy
        self.results["forces"] = forces
        if "energies" in properties:
            self.results["energies"] = eng.energies()
        if "stress" in properties:
            if not atoms.pbc.all():
                from ase.calculators.calculator import PropertyNotImplementedError

                raise PropertyNotImplementedError("stress needs a cell periodic in all directions")
            self.results["stress"] = eng.stress(atoms.get_volume())

    def close(self) -> None:
        """Release the LAMMPS instance."""
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def __enter__(self) -> LammpsCalculator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
