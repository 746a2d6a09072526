"""Rigid indenters as external potentials on atoms and nodes, with LAMMPS's ``fix indent`` law.

An indenter pushes every point it overlaps with the repulsive law of LAMMPS's ``fix indent``:
with the penetration d = R - r > 0 (r the distance from the indenter's centre, axis or face),
the energy is K d^3 / 3 and the force K d^2 along the outward normal. :class:`SphericalIndenter`
(3D), :class:`CylindricalIndenter` (a slab's 2D indentation) and :class:`FlatPunch` (a flat face
of finite half-width) share it; :meth:`~Indenter.moved` gives the indenter displaced rigidly,
which is how a depth is prescribed. :class:`IndentedModel` adds an indenter to a coupled model:
it acts on the nodes (the atoms of the atomistic region and, where it reaches them, the mesh
nodes) and reports its reaction force, the load. Units: Angstrom, eV, eV/Angstrom^3 for K.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import CouplingError
from ..fingerprint import fingerprint

__all__ = ["CylindricalIndenter", "FlatPunch", "IndentedModel", "Indenter", "SphericalIndenter"]


@dataclass(frozen=True)
class Indenter:
    """Common part: stiffness K (eV/Angstrom^3) and the cubic law; subclasses give the geometry.

    Attributes
    ----------
    stiffness : float
        K of ``fix indent`` (eV/Angstrom^3 in ``units metal``).
    """

    stiffness: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.stiffness) and self.stiffness > 0):
            raise CouplingError(f"the indenter stiffness K must be positive and finite (eV/A^3), got {self.stiffness}")

    def penetration(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Penetration d >= 0 (Angstrom) of every point and the unit outward normal, shapes (n,), (n, 3)."""
        raise NotImplementedError

    def energy_forces(self, positions: np.ndarray) -> tuple[float, np.ndarray]:
        """Energy (eV) and forces (eV/Angstrom, (n, 3)) of the indenter on points at ``positions``."""
        x = np.asarray(positions, dtype=float)
        if x.ndim != 2 or x.shape[1] != 3 or not np.all(np.isfinite(x)):
            raise CouplingError(f"positions must be a finite (n, 3) array, got shape {x.shape}")
        d, normal = self.penetration(x)
        return float(self.stiffness * np.sum(d**3) / 3.0), self.stiffness * (d**2)[:, None] * normal

    def moved(self, shift: np.ndarray) -> Indenter:
        """The same indenter displaced rigidly by ``shift`` (Angstrom, 3)."""
        raise NotImplementedError


def _radial(relative: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    r = np.linalg.norm(relative, axis=1)
    safe = np.where(r > 0, r, 1.0)
    normal = np.where((r > 0)[:, None], relative / safe[:, None], 0.0)
    return np.clip(radius - r, 0.0, None), normal


@dataclass(frozen=True)
class SphericalIndenter(Indenter):
    """A sphere of ``radius`` (Angstrom) centred at ``center`` (``fix indent K sphere x y z R``)."""

    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    radius: float = 1.0

    def penetration(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _radial(positions - np.asarray(self.center), self.radius)

    def moved(self, shift: np.ndarray) -> SphericalIndenter:
        return replace(self, center=tuple(np.asarray(self.center) + np.asarray(shift, dtype=float)))


@dataclass(frozen=True)
class CylindricalIndenter(Indenter):
    """A cylinder of ``radius`` (Angstrom) along ``axis`` through ``center`` (``fix indent K cylinder``)."""

    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    axis: tuple[float, float, float] = (0.0, 0.0, 1.0)
    radius: float = 1.0

    def penetration(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.asarray(self.axis, dtype=float)
        a = a / np.linalg.norm(a)
        rel = positions - np.asarray(self.center)
        return _radial(rel - np.outer(rel @ a, a), self.radius)

    def moved(self, shift: np.ndarray) -> CylindricalIndenter:
        return replace(self, center=tuple(np.asarray(self.center) + np.asarray(shift, dtype=float)))


@dataclass(frozen=True)
class FlatPunch(Indenter):
    """A flat face through ``point`` with outward ``normal`` (towards the crystal) and half-width
    ``half_width`` (Angstrom) about ``point`` in the face (infinite along a slab's periodic z if
    ``periodic_axis`` is given): points inside the footprint and behind the face are pushed out."""

    point: tuple[float, float, float] = (0.0, 0.0, 0.0)
    normal: tuple[float, float, float] = (0.0, -1.0, 0.0)
    half_width: float = 1.0
    periodic_axis: tuple[float, float, float] | None = (0.0, 0.0, 1.0)

    def penetration(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = np.asarray(self.normal, dtype=float)
        n = n / np.linalg.norm(n)
        rel = positions - np.asarray(self.point)
        depth = -(rel @ n)  # > 0 behind the face
        lateral = rel - np.outer(rel @ n, n)
        if self.periodic_axis is not None:
            z = np.asarray(self.periodic_axis, dtype=float)
            z = z / np.linalg.norm(z)
            lateral -= np.outer(lateral @ z, z)
        inside = np.linalg.norm(lateral, axis=1) <= self.half_width
        d = np.where(inside, np.clip(depth, 0.0, None), 0.0)
        return d, np.broadcast_to(n, positions.shape).copy()

    def moved(self, shift: np.ndarray) -> FlatPunch:
        return replace(self, point=tuple(np.asarray(self.point) + np.asarray(shift, dtype=float)))


class IndentedModel:
    """A coupled model with an indenter acting on its nodes; same interface as the model for the solvers.

    Parameters
    ----------
    model : QCModel
    indenter : Indenter

    Notes
    -----
    ``evaluate(u)`` returns the model's energy (None for force-based methods) plus the
    indenter's, and the sum of the forces (free nodes only). :meth:`load` is the reaction on the
    indenter, minus the sum of the forces it exerts (eV/Angstrom).
    """

    def __init__(self, model: Any, indenter: Indenter):
        self.model = model
        self.indenter = indenter

    def __getattr__(self, name: str) -> Any:  # free, fixed, fingerprint, initial_guess, ... of the model
        return getattr(self.model, name)

    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        e, f = self.model.evaluate(u)
        e_ind, f_ind = self.indenter.energy_forces(self.model.geometry.reference_nodes + u)
        f = f + f_ind
        f[~self.model.free] = 0.0
        return (None if e is None else e + e_ind), f

    def fingerprint(self) -> dict[str, str]:
        """The model's fingerprint and the indenter's: a checkpoint of another depth is refused."""
        return {**self.model.fingerprint(), "indenter": fingerprint(repr(self.indenter))}

    def load(self, u: np.ndarray) -> np.ndarray:
        """Force on the indenter (eV/Angstrom, 3) at displacements u."""
        return -self.indenter.energy_forces(self.model.geometry.reference_nodes + u)[1].sum(axis=0)
