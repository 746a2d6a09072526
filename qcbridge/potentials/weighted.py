"""Weighted site energies evaluated by LAMMPS: E_w = sum_i w_i E_i with per-atom weights.

Energy-based coupling needs the energy of a subset of atoms (weights 1 and 0) or a blended
sum (weights in [0, 1]) and its exact gradient, while every atom keeps acting as a
neighbour. With atom types as weight levels w_a this is an ordinary potential:

* EAM (E_i = 1/2 sum_j phi_ef(r_ij) + F_e(rho_i)): a generated file whose element (e, a) --
  species e at weight level a -- has embedding w_a F_e, unchanged densities rho_ef, and pair
  term (w_a + w_b)/2 phi_ef between (e, a) and (f, b). LAMMPS's splines are linear in the
  tabulated values and the tables are written on the grid of the source file, so LAMMPS
  evaluates exactly the weighted energy, and its forces are exactly its gradient. One
  species gives a setfl file; several give a Finnis-Sinclair file (densities per pair).
* Lennard-Jones and Morse: well depth (w_a + w_b)/2 per type pair.

LAMMPS type 1 + s n + a is species s at level a (n levels). Weights are quantized to the
given levels (e.g. 0 and 1 for a sharp interface).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import PotentialError
from .eam_files import read_eam
from .manybody import ThreeBodyPotential
from .potential import EAMPotential, LennardJones, Morse, Potential

__all__ = ["WeightedPotential", "weighted_potential", "write_weighted_eam"]


@dataclass(frozen=True)
class WeightedPotential(Potential):
    """A potential with one LAMMPS atom type per (species, weight level).

    Attributes
    ----------
    base : Potential
        The unweighted potential.
    levels : tuple of float
        Weight levels; type 1 + s n + a is ``base.species[s]`` at ``levels[a]``.
    path : Path or None
        Generated EAM file.
    """

    base: Potential | None = None
    levels: tuple[float, ...] = ()
    path: Path | None = field(default=None)

    @property
    def _base(self) -> Potential:
        if self.base is None:
            raise PotentialError("a weighted potential needs its base potential")
        return self.base

    @property
    def pair_style(self) -> str:
        if isinstance(self.base, EAMPotential):
            return "eam/alloy" if len(self._base.species) == 1 else "eam/fs"
        return self._base.pair_style

    @property
    def is_manybody(self) -> bool:
        return self._base.is_manybody

    def pair_coeff(self, type_species: Sequence[str]) -> list[str]:
        base = self._base
        n = len(self.levels) * len(base.species)
        if isinstance(base, (EAMPotential, ThreeBodyPotential)):
            return [f"pair_coeff * * {self.path} {' '.join(f'W{k}' for k in range(n))}"]
        w = np.tile(self.levels, len(base.species))
        lines = []
        for a in range(n):
            for b in range(a, n):
                scale = 0.5 * (float(w[a]) + float(w[b]))
                if isinstance(base, LennardJones):
                    lines.append(f"pair_coeff {a + 1} {b + 1} {scale * base.epsilon!r} {base.sigma!r}")
                elif isinstance(base, Morse):
                    lines.append(f"pair_coeff {a + 1} {b + 1} {scale * base.d0!r} {base.alpha!r} {base.r0!r}")
        shift = getattr(base, "shift", False)
        return lines + [f"pair_modify shift {'yes' if shift else 'no'}"]

    def types(self, weights: np.ndarray, species: Sequence[str] | None = None) -> np.ndarray:
        """LAMMPS type (1-based) of each atom from its weight (one of the levels) and species
        (default: the base potential's only species).

        Raises
        ------
        PotentialError
            A weight that is not a level, or a species the base does not cover.
        """
        weights = np.asarray(weights, dtype=float)
        lv = np.asarray(self.levels)
        k = np.argmin(np.abs(weights[:, None] - lv[None, :]), axis=1)
        if np.abs(lv[k] - weights).max(initial=0.0) > 1e-12:
            raise PotentialError("weights must be quantized to the weighted potential's levels")
        base_species = self._base.species
        if species is None:
            if len(base_species) != 1:
                raise PotentialError(f"{self._base.name} covers {', '.join(base_species)}: "
                                     "give the species of the atoms")
            s = np.zeros(len(weights), dtype=int)
        else:
            self._base.check_species(list(species))
            s = np.array([base_species.index(x) for x in species], dtype=int)
        return s * len(lv) + k + 1


def write_weighted_eam(potential: EAMPotential, levels: Sequence[float], path: Path) -> None:
    """Write the weighted EAM file of a funcfl, setfl or Finnis-Sinclair potential: setfl
    for one element, Finnis-Sinclair (densities per element pair) for several.

    Element W<s n + a> is species s at weight ``levels[a]``.
    """
    tab = read_eam(potential.path)
    n_el, n = len(tab.elements), len(levels)
    w = np.tile(np.asarray(levels, dtype=float), n_el)
    el = np.repeat(np.arange(n_el), n)
    masses = potential.masses if len(potential.masses) == n_el else tab.masses

    def table(values: np.ndarray) -> None:  # LAMMPS reads lines of limited length: 5 per line
        v = np.asarray(values, dtype=float) + 0.0  # no negative zeros
        rows = [" ".join(f"{x:.17g}" for x in v[i : i + 5]) for i in range(0, len(v), 5)]
        fh.write("\n".join(rows) + "\n")

    with open(path, "w") as fh:
        fh.write(f"weighted site energies of {potential.name} generated by qcbridge\n")
        fh.write("element W<s n + a> (species s, level a) has embedding w_a F_s, densities rho, "
                 "pair (w_a + w_b)/2 phi\n")
        fh.write("species " + " ".join(tab.elements) + " levels " + " ".join(repr(float(x)) for x in levels) + "\n")
        fh.write(f"{n_el * n} " + " ".join(f"W{k}" for k in range(n_el * n)) + "\n")
        fh.write(f"{tab.nrho} {tab.drho!r} {tab.nr} {tab.dr!r} {tab.cutoff!r}\n")
        for t in range(n_el * n):
            fh.write(f"0 {float(masses[el[t]])!r} 0.0 none\n")
            table(w[t] * tab.frho[el[t]])
            if n_el == 1:
                table(tab.rhor[0, 0])
            else:
                for u in range(n_el * n):  # density at an atom of type u due to a neighbour of type t
                    table(tab.rhor[el[t], el[u]])
        for a in range(n_el * n):
            for b in range(a + 1):
                table(0.5 * (w[a] + w[b]) * tab.z2r[el[a], el[b]])


def weighted_potential(potential: Potential, levels: Sequence[float] | np.ndarray, workdir: Path) -> WeightedPotential:
    """The weighted-site-energy version of a potential.

    Parameters
    ----------
    potential : EAMPotential, StillingerWeber, Tersoff, LennardJones or Morse
    levels : sequence of float
        Weight levels.
    workdir : Path
        Where the generated EAM file is written.

    Raises
    ------
    PotentialError
        Unsupported potential.
    """
    levels = tuple(float(w) for w in levels)
    path = None
    if isinstance(potential, EAMPotential):
        path = Path(workdir) / ("weighted.eam.alloy" if len(potential.species) == 1 else "weighted.eam.fs")
        write_weighted_eam(potential, levels, path)
    elif isinstance(potential, ThreeBodyPotential):
        path = Path(workdir) / f"weighted.{potential.style}"
        write_weighted_threebody(potential, levels, path)
    elif not isinstance(potential, (LennardJones, Morse)):
        raise PotentialError(f"weighted site energies are available for EAM, Stillinger-Weber, Tersoff, "
                             f"Lennard-Jones and Morse, not {type(potential).__name__}; use a force-based "
                             "method (bqcf, qcf)")
    n = len(levels)
    species = tuple(s for s in potential.species for _ in range(n))
    masses = tuple(m for m in potential.masses for _ in range(n))
    return WeightedPotential(f"weighted {potential.name}", species, masses, potential.cutoff, potential, levels, path)


def write_weighted_threebody(potential: ThreeBodyPotential, levels: Sequence[float], path: Path) -> None:
    """Write the weighted Stillinger-Weber or Tersoff file: element W<s n + a> is species s at
    weight ``levels[a]``.

    LAMMPS splits a pair term half and half between its atoms and a Stillinger-Weber
    triplet term in thirds, so sum_i w_i E_i scales pair terms by (w_i + w_j)/2 (SW: A;
    Tersoff: A and B, the repulsive and the bond-order attractive term) and triplet terms
    by (w_i + w_j + w_k)/3 (SW: lambda); every other parameter keeps its value.
    """
    from .manybody import PARAMETER_NAMES

    t = potential.parameters()
    names = PARAMETER_NAMES[t.style]
    n_el, n = len(t.elements), len(levels)
    w = np.tile(np.asarray(levels, dtype=float), n_el)
    el = np.repeat(np.arange(n_el), n)
    T = n_el * n
    i, j, k = (g.ravel() for g in np.meshgrid(np.arange(T), np.arange(T), np.arange(T), indexing="ij"))
    values = t.values[el[i], el[j], el[k]].copy()  # (T^3, n_parameters)
    pair = 0.5 * (w[i] + w[j])
    for name in ("A",) if t.style == "sw" else ("A", "B"):
        values[:, names.index(name)] *= pair
    if t.style == "sw":
        values[:, names.index("lambda")] *= (w[i] + w[j] + w[k]) / 3.0
    rows = [f"W{a} W{b} W{c} " + " ".join(f"{x:.17g}" for x in v) for a, b, c, v in zip(i, j, k, values, strict=True)]
    path.write_text(f"# weighted site energies of {potential.name} generated by qcbridge. UNITS: metal\n"
                    + "\n".join(rows) + "\n")
