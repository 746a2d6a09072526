"""Interatomic potentials as LAMMPS knows them.

A :class:`Potential` is an immutable description: species it covers, their masses,
its cutoff, and the ``pair_style`` / ``pair_coeff`` lines that make LAMMPS evaluate it.
Energies in eV, distances in Angstrom, masses in amu (LAMMPS ``units metal``).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ase.data import atomic_masses, atomic_numbers

from ..errors import PotentialError, SpeciesError

__all__ = ["Potential", "EAMPotential", "LennardJones", "Morse", "TabulatedPair"]


@dataclass(frozen=True)
class Potential(ABC):
    """Base class: what every potential tells the engines.

    Attributes
    ----------
    name : str
        Registry name (file name for tabulated potentials).
    species : tuple of str
        Chemical symbols the potential covers, in its own order.
    masses : tuple of float
        Masses in amu, one per species.
    cutoff : float
        Interaction cutoff in Angstrom.
    """

    name: str
    species: tuple[str, ...]
    masses: tuple[float, ...]
    cutoff: float

    def __post_init__(self) -> None:
        if len(self.species) != len(self.masses):
            raise PotentialError(f"{self.name}: {len(self.species)} species but {len(self.masses)} masses")
        if not (self.cutoff > 0 and math.isfinite(self.cutoff)):
            raise PotentialError(f"{self.name}: cutoff must be positive and finite, got {self.cutoff}")

    @property
    @abstractmethod
    def pair_style(self) -> str:
        """The LAMMPS ``pair_style`` line (without the keyword)."""

    @abstractmethod
    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        """LAMMPS ``pair_coeff`` (and ``pair_modify``) lines.

        Parameters
        ----------
        type_species : sequence of str
            Chemical symbol of LAMMPS atom type 1, 2, ...

        Returns
        -------
        list of str
            Complete input lines.
        """

    @property
    def is_manybody(self) -> bool:
        """True for embedded-atom potentials (site energies are not pairwise)."""
        return False

    def lammps_commands(self, type_species: Sequence[str]) -> list[str]:
        """All input lines that set up this potential for the given atom types."""
        self.check_species(type_species)
        return [f"pair_style {self.pair_style}", *self.pair_coeff(type_species)]

    def check_species(self, symbols: Sequence[str]) -> None:
        """Raise :class:`SpeciesError` if a symbol is not covered by the potential."""
        missing = sorted(set(symbols) - set(self.species))
        if missing:
            raise SpeciesError(
                f"potential {self.name!r} covers {', '.join(self.species)}; "
                f"not {', '.join(missing)}"
            )

    def mass(self, symbol: str) -> float:
        """Mass of a species in amu."""
        self.check_species([symbol])
        return self.masses[self.species.index(symbol)]


@dataclass(frozen=True)
class EAMPotential(Potential):
    """An embedded-atom potential read from a funcfl, setfl or Finnis-Sinclair file.

    Attributes
    ----------
    path : Path
        The potential file, passed to LAMMPS by absolute path.
    style : str
        ``"eam"``, ``"eam/alloy"`` or ``"eam/fs"``.
    """

    path: Path = field(default=Path())
    style: str = "eam"

    @property
    def pair_style(self) -> str:
        return self.style

    @property
    def is_manybody(self) -> bool:
        return True

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        from .eam_files import read_eam

        read_eam(self.path)  # validated (and cached) before LAMMPS reads it: a bad file crashes LAMMPS
        if self.style == "eam":
            if set(type_species) != set(self.species):
                raise SpeciesError(f"funcfl potential {self.name} covers only {self.species[0]}")
            return [f"pair_coeff * * {self.path}"]
        return [f"pair_coeff * * {self.path} {' '.join(type_species)}"]


def _masses_for(species: Sequence[str], masses: Sequence[float] | None) -> tuple[float, ...]:
    if masses is not None:
        return tuple(float(m) for m in masses)
    try:
        return tuple(float(atomic_masses[atomic_numbers[s]]) for s in species)
    except KeyError as exc:
        raise PotentialError(f"no mass known for species {exc}; pass masses=") from exc


@dataclass(frozen=True)
class LennardJones(Potential):
    """12-6 Lennard-Jones, LAMMPS ``pair_style lj/cut``.

    E(r) = 4 epsilon [(sigma/r)^12 - (sigma/r)^6] for r < cutoff (shifted to zero at the
    cutoff when ``shift`` is true, as ``pair_modify shift yes`` does).

    Attributes
    ----------
    epsilon : float
        Well depth in eV.
    sigma : float
        Zero crossing in Angstrom.
    shift : bool
        Shift the energy to zero at the cutoff.
    """

    epsilon: float = 1.0
    sigma: float = 1.0
    shift: bool = True

    @classmethod
    def create(
        cls,
        species: str | Sequence[str],
        epsilon: float,
        sigma: float,
        cutoff: float | None = None,
        *,
        shift: bool = True,
        masses: Sequence[float] | None = None,
    ) -> LennardJones:
        """Build a Lennard-Jones potential.

        Parameters
        ----------
        species : str or sequence of str
            Species that all interact with the same parameters.
        epsilon : float
            eV.
        sigma : float
            Angstrom.
        cutoff : float, optional
            Angstrom; default 2.5 sigma.
        shift : bool
            Shift energies to zero at the cutoff.
        masses : sequence of float, optional
            amu; default ASE's standard masses.
        """
        species = (species,) if isinstance(species, str) else tuple(species)
        if not (epsilon > 0 and sigma > 0):
            raise PotentialError(f"Lennard-Jones needs epsilon > 0 and sigma > 0, got {epsilon}, {sigma}")
        cutoff = 2.5 * sigma if cutoff is None else float(cutoff)
        name = f"lj({'-'.join(species)}, eps={epsilon:g}, sigma={sigma:g}, rc={cutoff:g})"
        return cls(name, species, _masses_for(species, masses), cutoff, float(epsilon), float(sigma), shift)

    @property
    def pair_style(self) -> str:
        return f"lj/cut {self.cutoff!r}"

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        return [
            f"pair_coeff * * {self.epsilon!r} {self.sigma!r}",
            f"pair_modify shift {'yes' if self.shift else 'no'}",
        ]


@dataclass(frozen=True)
class Morse(Potential):
    """Morse pair potential, LAMMPS ``pair_style morse``.

    E(r) = D0 [exp(-2 alpha (r - r0)) - 2 exp(-alpha (r - r0))] for r < cutoff.

    Attributes
    ----------
    d0 : float
        Well depth in eV.
    alpha : float
        Stiffness in 1/Angstrom.
    r0 : float
        Equilibrium distance in Angstrom.
    shift : bool
        Shift the energy to zero at the cutoff.
    """

    d0: float = 1.0
    alpha: float = 1.0
    r0: float = 1.0
    shift: bool = True

    @classmethod
    def create(
        cls,
        species: str | Sequence[str],
        d0: float,
        alpha: float,
        r0: float,
        cutoff: float,
        *,
        shift: bool = True,
        masses: Sequence[float] | None = None,
    ) -> Morse:
        """Build a Morse potential (parameters as in the class docstring)."""
        species = (species,) if isinstance(species, str) else tuple(species)
        if not (d0 > 0 and alpha > 0 and r0 > 0):
            raise PotentialError(f"Morse needs d0, alpha, r0 > 0, got {d0}, {alpha}, {r0}")
        name = f"morse({'-'.join(species)}, D0={d0:g}, alpha={alpha:g}, r0={r0:g}, rc={cutoff:g})"
        return cls(name, species, _masses_for(species, masses), float(cutoff), float(d0), float(alpha), float(r0),
                   shift)

    @property
    def pair_style(self) -> str:
        return f"morse {self.cutoff!r}"

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        return [
            f"pair_coeff * * {self.d0!r} {self.alpha!r} {self.r0!r}",
            f"pair_modify shift {'yes' if self.shift else 'no'}",
        ]


@dataclass(frozen=True)
class TabulatedPair(Potential):
    """A pair potential tabulated in a LAMMPS ``pair_style table`` file.

    LAMMPS interpolates energy and force linearly in r^2 (``pair_style table linear N``),
    each from its own column, so forces equal -dE/dr only up to the table resolution.

    Attributes
    ----------
    path : Path
        The table file.
    keyword : str
        Section keyword in the file.
    length : int
        N of ``pair_style table linear N`` (default: the section's own N, so that LAMMPS
        uses the file values directly when they are spaced in r^2).
    """

    path: Path = field(default=Path())
    keyword: str = ""
    length: int = 0

    @property
    def pair_style(self) -> str:
        return f"table linear {self.length}"

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        from .table_files import read_table_section

        read_table_section(self.path, self.keyword)  # validated (and cached) before LAMMPS reads it
        return [f"pair_coeff * * {self.path} {self.keyword} {self.cutoff!r}"]
