"""A straight crack through the middle of a slab, loaded by its anisotropic K field.

The slab (periodic along the front z) has the crack frame's directions: x the direction of
advance, y the plane normal. The crack lies in the widest gap between atomic planes nearest
the slab's middle, from the left edge to a tip half-way between two columns of face sites
near the middle. The far field is the Stroh near-tip field of the Cauchy-Born elastic
constants (:mod:`qcbridge.defects.stroh`), held on a boundary layer as for every
:class:`~qcbridge.coupling.problems.DefectProblem`; the coupled model's mesh is slit along
the crack (:class:`~qcbridge.coupling.slit.Slit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from ..continuum.cauchy_born import CauchyBorn
from ..continuum.materials import cauchy_born_material
from ..coupling.boundary import DisplacementField
from ..coupling.builders import cubic_lattice_constant
from ..coupling.geometry import CoupledGeometry
from ..coupling.problems import DefectProblem, layer_width
from ..coupling.slit import Slit
from ..defects.stroh import (
    MPA_SQRT_M,
    StrohSolution,
    crack_displacement,
    crack_opening,
    mode_one_modulus,
    stroh_solutions,
)
from ..errors import DefectGeometryError
from ..potentials.potential import Potential
from ..structures import Lattice, cubic_crystal, oriented_primitive_cell
from .orientation import CrackOrientation, widest_gap
from .surface import surface_energy

__all__ = ["BROKEN", "CrackProblem"]

#: A pair of face sites is broken when its length exceeds this multiple of its reference
#: length: bonds ahead of a loaded tip stretch smoothly to ~1.1 of it, a broken bond snaps
#: past ~1.5 (W (100) at K_G: 3.06 A intact, 4.48 A broken, from 2.74 A).
BROKEN = 1.3


@dataclass
class CrackProblem(DefectProblem):
    """Mode-I crack in a slab (see the module docstring). Attributes beyond
    :class:`~qcbridge.coupling.problems.DefectProblem`'s (whose ``centre`` is the tip):

    Attributes
    ----------
    orientation : CrackOrientation
    lattice : Lattice
    slit : Slit
        The crack in the mesh plane (tip at ``centre``).
    solutions : tuple of StrohSolution
        Stroh solution of the Cauchy-Born elastic constants in the crack frame.
    gamma : float
        Relaxed surface energy of the cleavage plane (eV/A^2).
    K : float
        Mode-I stress intensity factor of ``boundary`` (eV/A^(5/2)).
    face_pairs : ndarray of int, shape (m, 2)
        Sites (upper face, lower face) bonded across the crack plane, nearest neighbours.
    break_distance : float
        Length (A) beyond which a face pair counts as broken (:data:`BROKEN` times its
        reference length).
    spacing : float
        Distance (A) between neighbouring columns of face pairs along x.
    """

    orientation: CrackOrientation | None = None
    lattice: Lattice = Lattice.FCC
    slit: Slit | None = None
    solutions: tuple[StrohSolution, ...] = ()
    gamma: float = 0.0
    K: float = 0.0
    face_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    break_distance: float = 0.0
    spacing: float = 0.0

    @classmethod
    def build(cls, potential: Potential, lattice: Lattice, orientation: CrackOrientation, *, a: float | None = None,
              symbol: str | None = None, half_width: float = 60.0, K: float | None = None) -> CrackProblem:
        """Crack problem in a square slab of half-width ``half_width`` (A).

        Parameters
        ----------
        potential : Potential
        lattice : Lattice
            FCC, BCC or DIAMOND (the crystal's element: ``symbol``, default the potential's first).
        orientation : CrackOrientation
        a : float, optional
            Lattice constant (A); default the Cauchy-Born equilibrium.
        half_width : float
            Half the slab's width and height (A).
        K : float, optional
            Mode-I K of the boundary field (eV/A^(5/2)); default Griffith's K_G.

        Raises
        ------
        DefectGeometryError
            A domain smaller than four boundary-layer depths, or a K < 0.
        """
        symbol = potential.species[0] if symbol is None else symbol
        dirs = orientation.directions
        if a is None:
            a = cubic_lattice_constant(potential, lattice, dirs, symbol)
        cell = cubic_crystal(lattice, symbol, a, directions=dirs, pbc=True)
        lengths = np.diag(np.array(cell.cell))
        layer = layer_width(potential)
        if half_width < 4 * layer:
            raise DefectGeometryError(f"a domain of half-width {half_width:g} A is too small: the boundary layer "
                                      f"is {layer:.3g} A deep; use half_width >= {4 * layer:.3g} A")
        n = [max(1, int(np.ceil(2 * half_width / lengths[i]))) for i in range(2)]
        crystal = cubic_crystal(lattice, symbol, a, directions=dirs, size=(n[0], n[1], 1), pbc=(False, False, True))
        X = crystal.positions
        mid = 0.5 * (X.min(axis=0) + X.max(axis=0))
        y_c, gap = widest_gap(X[:, 1], near=mid[1])
        below = np.abs(X[:, 1] - (y_c - 0.5 * gap)) < 1e-6
        above = np.abs(X[:, 1] - (y_c + 0.5 * gap)) < 1e-6
        # the tip: half-way between two columns of face sites next to the middle
        cols = np.unique(np.round(X[below | above, 0], 6))
        j = int(np.clip(np.searchsorted(cols, mid[0]), 1, len(cols) - 1))
        tip = 0.5 * (cols[j - 1] + cols[j])
        cb = cauchy_born_material(oriented_primitive_cell(lattice, symbol, a, dirs), potential)
        if isinstance(cb, CauchyBorn):
            # the continuum's inner shifts relax from the shifts linearized about rest only: the
            # local minimum continuous with the lattice, the one LAMMPS finds for the atomistic
            # region (LammpsCauchyBorn relaxes so too); the extra starts that look for other
            # minima under large shears cost 10x
            cb.start_step = 0.0
        sols = stroh_solutions(cb.elastic_constants())  # the cell's frame is the crack frame
        e_bulk = float(cb.energy_density(np.eye(3))) * abs(np.linalg.det(cb.cell)) / cb.nbasis
        gamma = surface_energy(potential, lattice, symbol, a, orientation)
        K_G = np.sqrt(2 * gamma * mode_one_modulus(sols))
        K = K_G if K is None else float(K)
        if not (np.isfinite(K) and K >= 0):
            raise DefectGeometryError(f"K must be a finite number >= 0, got {K}")
        # neighbour shells of the bulk: face pairs are first neighbours across the plane
        d, _ = cKDTree(X).query(X[len(X) // 2], k=40)
        shells = np.unique(np.round(d[1:], 4))
        up, dn = np.flatnonzero(above), np.flatnonzero(below)
        pairs = cKDTree(X[up]).query_ball_tree(cKDTree(X[dn]), shells[0] * 1.05 if gap < shells[0] else gap * 1.05)
        face_pairs = np.array([(up[i], dn[j]) for i, js in enumerate(pairs) for j in js], dtype=np.int64).reshape(-1, 2)
        problem = cls(potential, crystal, np.array([tip, y_c]), DisplacementField(field=lambda Y: np.zeros_like(Y)),
                      cb, a, e_bulk, orientation=orientation, lattice=lattice, slit=Slit(y_c, tip), solutions=sols,
                      gamma=gamma, K=K, face_pairs=face_pairs,
                      break_distance=BROKEN * float(gap if gap > shells[0] else shells[0]), spacing=0.0)
        problem.spacing = float(np.min(np.diff(problem.pair_columns)))
        problem.boundary = problem.boundary_at(K)
        return problem

    # --------------------------------------------------------------- fields
    @property
    def griffith_K(self) -> float:
        """K_G = sqrt(2 gamma E') (eV/A^(5/2))."""
        return float(np.sqrt(2 * self.gamma * self.modulus))

    @property
    def modulus(self) -> float:
        """E' of mode I in the crack frame (eV/A^3)."""
        return mode_one_modulus(self.solutions)

    def unit_field(self, X: np.ndarray, alpha: float = 0.0, sublattice: np.ndarray | None = None) -> np.ndarray:
        """Displacement (A) of the mode-I field for K = 1 eV/A^(5/2) at lattice sites X (n, 3),
        tip ``alpha`` (A) ahead of ``centre``; the faces are split at the crack plane.

        For a multilattice the sites of the other sublattices (``sublattice``, default
        :meth:`sublattice_of`) also get the inner shift of the field's strain, to first order
        (:attr:`inner_shift_gradient`): without it, a held boundary of diamond pushes on the
        atoms inside it (a 2 % strain at a 60 A boundary at Si's K_G moves the second
        sublattice by ~0.01 A). :meth:`far_field` adds the second order.
        """
        return self._field(X, 1.0, alpha, sublattice, second_order=False)

    def far_field(self, X: np.ndarray, K: float, alpha: float = 0.0,
                  sublattice: np.ndarray | None = None) -> np.ndarray:
        """Displacement (A) of the mode-I field of ``K`` (eV/A^(5/2)) at lattice sites X (n, 3),
        tip ``alpha`` (A) ahead of ``centre``: ``K * unit_field`` with the other sublattices'
        inner shift to second order in the field's strain (:attr:`inner_shift_curvature`).

        What a held boundary of a multilattice needs: at Si's K_G the strain at a 60 A boundary
        is 2-3 %, the first-order shift leaves forces of 0.04 eV/A on the atoms inside it, and
        they put the flexible boundary's tip 1.2 A behind where the exact shift (and the
        coupled model, whose boundary nodes carry no shift) puts it. Beyond 30 A from the tip
        the first-order shift is within 3.3e-3 A of Cauchy-Born's relaxed shift, this one
        within 2.0e-4 A. Equal to ``K * unit_field`` for a simple lattice.
        """
        return self._field(X, K, alpha, sublattice, second_order=True)

    def _field(self, X: np.ndarray, K: float, alpha: float, sublattice: np.ndarray | None, *,
               second_order: bool) -> np.ndarray:
        """The mode-I field of K with the other sublattices' inner shift to first (or second)
        order in the field's displacement gradient G = K du/dX (central differences; the
        field does not vary along z)."""
        X = np.asarray(X, dtype=float)
        rel = X[:, :2] - self.centre - np.array([alpha, 0.0])
        u = K * crack_displacement(self.solutions, [0.0, 1.0, 0.0], rel)
        Z = self.inner_shift_gradient
        if Z is None:
            return u
        k = self.sublattice_of(X) if sublattice is None else np.asarray(sublattice)
        other = np.flatnonzero(k != 0)
        G = np.zeros((len(other), 3, 3))
        h = 1e-4
        for J in range(2):
            step = np.eye(2)[J] * h
            G[:, :, J] = K * (crack_displacement(self.solutions, [0.0, 1.0, 0.0], rel[other] + step)
                              - crack_displacement(self.solutions, [0.0, 1.0, 0.0], rel[other] - step)) / (2 * h)
        u[other] += np.einsum("nmiJ,niJ->nm", Z[k[other]], G)
        Y = self.inner_shift_curvature if second_order else None
        if Y is not None:
            u[other] += 0.5 * np.einsum("nmiJjL,niJ,njL->nm", Y[k[other]], G, G)
        return u

    def _shift_gradient(self, F: np.ndarray) -> np.ndarray:
        """d s_k / d F at F (nbasis, 3, 3, 3; Angstrom), from the material's
        ``shift_derivatives`` or else by central differences of its relaxed shifts."""
        m = self.material
        if hasattr(m, "shift_derivatives"):
            return np.asarray(m.shift_derivatives(F)[1][0])
        Z = np.zeros((m.nbasis, 3, 3, 3))
        h = 1e-4
        for J in range(3):
            for L in range(3):
                E = np.zeros((3, 3))
                E[J, L] = h
                Z[:, :, J, L] = (m.inner_shifts(F + E) - m.inner_shifts(F - E)) / (2 * h)
        return Z

    @cached_property
    def inner_shift_gradient(self) -> np.ndarray | None:
        """d s_k / d F at F = I (nbasis, 3, 3, 3; Angstrom): the inner shift of each basis
        atom per unit displacement gradient, from the material's ``shift_derivatives`` (the
        relaxed shifts' stationarity) or else by central differences of its relaxed shifts;
        None for a simple lattice."""
        return None if self.material.nbasis == 1 else self._shift_gradient(np.eye(3))

    @cached_property
    def inner_shift_curvature(self) -> np.ndarray | None:
        """d^2 s_k / dF_iJ dF_jL at F = I (nbasis, 3, 3, 3, 3, 3; Angstrom), by central
        differences (step 1e-4) of :meth:`_shift_gradient`; None for a simple lattice."""
        if self.material.nbasis == 1:
            return None
        Y = np.zeros((self.material.nbasis, 3, 3, 3, 3, 3))
        h = 1e-4
        for j in range(3):
            for L in range(3):
                E = np.zeros((3, 3))
                E[j, L] = h
                Y[..., j, L] = (self._shift_gradient(np.eye(3) + E) - self._shift_gradient(np.eye(3) - E)) / (2 * h)
        return Y

    def boundary_at(self, K: float) -> DisplacementField:
        """The far field for mode-I ``K`` (eV/A^(5/2))."""
        return DisplacementField(field=lambda X: self.far_field(X, K), carries_inner_shift=True)

    def opening(self, K: float, r: np.ndarray) -> np.ndarray:
        """LEFM opening (A) of mode-I ``K`` at distances ``r`` (A) behind the tip."""
        return crack_opening(self.solutions, [0.0, K, 0.0], r)[:, 1]

    # ---------------------------------------------------------- measuring
    def pair_lengths(self, positions: np.ndarray) -> np.ndarray:
        """Length (A) of every face pair in deformed ``positions`` (n_sites, 3), the nearest
        periodic image along z."""
        d = positions[self.face_pairs[:, 0]] - positions[self.face_pairs[:, 1]]
        d[:, 2] -= np.rint(d[:, 2] / self.crystal.cell[2, 2]) * self.crystal.cell[2, 2]
        return np.linalg.norm(d, axis=1)

    def broken(self, positions: np.ndarray) -> np.ndarray:
        """Which face pairs are broken (longer than ``break_distance``, :data:`BROKEN` times
        their reference length) in deformed ``positions`` (n_sites, 3)."""
        return self.pair_lengths(positions) > self.break_distance

    @property
    def pair_x(self) -> np.ndarray:
        """Reference x (A) of every face pair (the mean of its two sites)."""
        X = self.crystal.positions
        return 0.5 * (X[self.face_pairs[:, 0], 0] + X[self.face_pairs[:, 1], 0])

    @property
    def pair_columns(self) -> np.ndarray:
        """Distinct x (A) of the face pairs, ascending."""
        return np.unique(np.round(self.pair_x, 6))

    def face_openings(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reference distance behind the tip (A; negative ahead of it) and opening (A, the
        change of the y distance across the crack plane) of every face pair, at deformed
        ``positions`` (n_sites, 3)."""
        X = self.crystal.positions
        i, j = self.face_pairs.T
        return self.centre[0] - self.pair_x, (positions[i, 1] - positions[j, 1]) - (X[i, 1] - X[j, 1])

    def opening_behind(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`face_openings` of the pairs behind the tip, sorted by distance (A, A)."""
        r, opening = self.face_openings(positions)
        behind = r > 0
        order = np.argsort(r[behind])
        return r[behind][order], opening[behind][order]

    def tip_position(self, positions: np.ndarray) -> float:
        """x (A, reference) of the crack tip: half a pair column past the farthest column of
        broken pairs connected to the left edge through broken columns."""
        x, xs, broken = self.pair_x, self.pair_columns, self.broken(positions)
        broken_at = np.array([broken[np.abs(x - c) < 1e-5].all() for c in xs])
        n = len(xs) if broken_at.all() else int(np.argmin(broken_at))
        return float(xs[0] - 0.5 * self.spacing) if n == 0 else float(xs[n - 1] + 0.5 * self.spacing)

    def geometry(self, radius: float | np.ndarray, *, blend_width: float = 8.0,
                 **geometry_options: Any) -> CoupledGeometry:
        """Coupled geometry, slit along the crack, atomistic disc of ``radius`` (A) at the tip
        (or a mask over sites); a multilattice's mesh on its Bravais sublattice
        (:meth:`DefectProblem.geometry`)."""
        return super().geometry(radius, blend_width=blend_width, slit=self.slit, **geometry_options)

    def report(self) -> dict[str, float]:
        """Surface energy (J/m^2), E' (GPa) and K_G (MPa sqrt(m))."""
        from ase import units

        return {"surface_energy": self.gamma / (units.J / units.m**2), "E_prime_GPa": self.modulus / units.GPa,
                "K_G": self.griffith_K / MPA_SQRT_M}
