"""LAMMPS unit styles and their conversion to ASE units (eV, Angstrom, amu, ASE time)."""

from __future__ import annotations

from enum import Enum

from ase import units

__all__ = ["LammpsUnits"]


class LammpsUnits(Enum):
    """A LAMMPS ``units`` style. Factors multiply LAMMPS values to give ASE values; for
    ``lj`` every factor is 1 (reduced units stay reduced)."""

    METAL = "metal"  #: Angstrom, ps, eV, g/mol
    REAL = "real"  #: Angstrom, fs, kcal/mol, g/mol
    LJ = "lj"  #: reduced units

    @classmethod
    def parse(cls, style: "LammpsUnits | str") -> "LammpsUnits":
        """Member from a member or a LAMMPS style name; ValueError lists the choices."""
        if isinstance(style, cls):
            return style
        try:
            return cls(style)
        except ValueError:
            raise ValueError(f"unsupported LAMMPS units {style!r}; choose one of "
                             + ", ".join(m.value for m in cls)) from None

    @property
    def time(self) -> float:
        """ASE time units per LAMMPS time unit."""
        return {LammpsUnits.METAL: 1000 * units.fs, LammpsUnits.REAL: units.fs, LammpsUnits.LJ: 1.0}[self]

    @property
    def length(self) -> float:
        """Angstrom per LAMMPS length unit."""
        return 1.0

    @property
    def velocity(self) -> float:
        """ASE velocity units per LAMMPS velocity unit."""
        return self.length / self.time

    @property
    def force(self) -> float:
        """eV/Angstrom per LAMMPS force unit."""
        return {LammpsUnits.METAL: 1.0, LammpsUnits.REAL: units.kcal / units.mol, LammpsUnits.LJ: 1.0}[self]
