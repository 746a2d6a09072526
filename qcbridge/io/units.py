"""LAMMPS unit styles and their conversion to ASE units (eV, Angstrom, amu, ASE time).

Every factor multiplies a LAMMPS value to give the ASE value: x_ASE = x_LAMMPS * factor.
``metal`` and ``real`` masses are g/mol, numerically equal to amu; ``lj`` stays reduced
(every factor is 1, and k_B = 1).
"""

from __future__ import annotations

from enum import Enum

from ase import units

from ..errors import UnitsError

__all__ = ["LammpsUnits"]


class LammpsUnits(Enum):
    """A LAMMPS ``units`` style. Factors multiply LAMMPS values to give ASE values; for
    ``lj`` every factor is 1 (reduced units stay reduced)."""

    METAL = "metal"  #: Angstrom, ps, eV, g/mol, K
    REAL = "real"  #: Angstrom, fs, kcal/mol, g/mol, K
    LJ = "lj"  #: reduced units

    @classmethod
    def parse(cls, style: LammpsUnits | str) -> LammpsUnits:
        """Member from a member or a LAMMPS style name.

        Raises
        ------
        UnitsError
            The style is not supported; the message lists the choices.
        """
        if isinstance(style, cls):
            return style
        try:
            return cls(style)
        except ValueError:
            raise UnitsError(f"unsupported LAMMPS units {style!r}; choose one of "
                             + ", ".join(m.value for m in cls)) from None

    @property
    def time(self) -> float:
        """ASE time units per LAMMPS time unit."""
        return {LammpsUnits.METAL: 1000 * units.fs, LammpsUnits.REAL: units.fs, LammpsUnits.LJ: 1.0}[self]

    @property
    def time_name(self) -> str:
        """Name of the LAMMPS time unit: ``"ps"``, ``"fs"`` or ``"tau"``."""
        return {LammpsUnits.METAL: "ps", LammpsUnits.REAL: "fs", LammpsUnits.LJ: "tau"}[self]

    @property
    def length(self) -> float:
        """Angstrom per LAMMPS length unit."""
        return 1.0

    @property
    def mass(self) -> float:
        """amu per LAMMPS mass unit (g/mol for metal and real)."""
        return 1.0

    @property
    def mass_name(self) -> str:
        """Name of the LAMMPS mass unit."""
        return "mass" if self is LammpsUnits.LJ else "g/mol"

    @property
    def velocity(self) -> float:
        """ASE velocity units per LAMMPS velocity unit."""
        return self.length / self.time

    @property
    def force(self) -> float:
        """eV/Angstrom per LAMMPS force unit."""
        return self.energy / self.length

    @property
    def energy(self) -> float:
        """eV per LAMMPS energy unit."""
        return {LammpsUnits.METAL: 1.0, LammpsUnits.REAL: units.kcal / units.mol, LammpsUnits.LJ: 1.0}[self]

    @property
    def energy_name(self) -> str:
        """Name of the LAMMPS energy unit."""
        return {LammpsUnits.METAL: "eV", LammpsUnits.REAL: "kcal/mol", LammpsUnits.LJ: "epsilon"}[self]

    @property
    def boltzmann(self) -> float:
        """k_B in ASE energy (eV) per LAMMPS temperature unit (K; 1 for lj)."""
        return 1.0 if self is LammpsUnits.LJ else units.kB

    def temperature(self, kT: float) -> float:
        """LAMMPS temperature (K, or reduced for lj) of a thermal energy kT in eV (reduced for lj)."""
        return kT / self.boltzmann
