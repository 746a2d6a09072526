"""An ASE cell as a LAMMPS box.

LAMMPS wants a lower-triangular box (a along x, b in the xy plane); ASE's
:class:`~ase.calculators.lammps.Prism` gives the rotation R from the ASE frame into that
box (row vectors: x_lammps = x_ase R). Positions are wrapped into the box here, with
numpy, so that LAMMPS never has to re-wrap an atom by more than one period.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from ase.calculators.lammps import Prism

from ..errors import UnsupportedCellError

__all__ = ["LammpsBox"]


@dataclass(frozen=True, eq=False)
class LammpsBox:
    """A cell and periodicity in LAMMPS's frame.

    Attributes
    ----------
    pbc : ndarray of bool, shape (3,)
    rotation : ndarray, shape (3, 3)
        ASE frame -> LAMMPS frame for row vectors.
    tilt : ndarray, shape (3, 3)
        Rows: the box vectors in the LAMMPS frame (Angstrom), lower triangular.
    """

    pbc: np.ndarray
    rotation: np.ndarray
    tilt: np.ndarray

    @classmethod
    def from_cell(cls, cell: np.ndarray, pbc: np.ndarray) -> LammpsBox:
        """Box of an ASE cell (rows are vectors, Angstrom).

        Raises
        ------
        UnsupportedCellError
            A tilt along a non-periodic direction, which LAMMPS does not allow.
        """
        prism = Prism(np.asarray(cell, dtype=float), pbc)
        tilt = np.array(prism.lammps_tilt)
        pbc = np.array(pbc, dtype=bool)
        # LAMMPS: xy needs y periodic, xz and yz need z periodic
        if ((abs(tilt[1, 0]) > 1e-12 and not pbc[1])
                or ((abs(tilt[2, 0]) > 1e-12 or abs(tilt[2, 1]) > 1e-12) and not pbc[2])):
            raise UnsupportedCellError(
                "LAMMPS allows a tilted box only along periodic directions; "
                "orient the structure so that non-periodic directions are orthogonal"
            )
        return cls(pbc, np.array(prism.rot_mat), tilt)

    @property
    def triclinic(self) -> bool:
        """Whether LAMMPS needs a triclinic box."""
        return bool(np.any(np.abs(self.tilt[[1, 2, 2], [0, 0, 1]]) > 1e-12))

    @property
    def prism(self) -> tuple[float, float, float, float, float, float]:
        """lx, ly, lz, xy, xz, yz (Angstrom)."""
        t = self.tilt
        return (float(t[0, 0]), float(t[1, 1]), float(t[2, 2]), float(t[1, 0]), float(t[2, 0]), float(t[2, 1]))

    def region_command(self, name: str) -> str:
        """``region`` line of the box at the origin."""
        lx, ly, lz, xy, xz, yz = self.prism
        if self.triclinic:
            return f"region {name} prism 0 {lx!r} 0 {ly!r} 0 {lz!r} {xy!r} {xz!r} {yz!r} units box"
        return f"region {name} block 0 {lx!r} 0 {ly!r} 0 {lz!r} units box"

    def change_command(self, previous: LammpsBox) -> list[str]:
        """``change_box`` lines that turn ``previous`` into this box (periodic lengths and tilts)."""
        lines = ["change_box all triclinic"] if self.triclinic and not previous.triclinic else []
        lx, ly, lz, xy, xz, yz = self.prism
        parts = [f"{d} final 0 {v!r}" for d, v, p in zip("xyz", (lx, ly, lz), self.pbc, strict=True) if p]
        if self.triclinic or previous.triclinic:
            parts += [f"{t} final {v!r}" for t, v in (("xy", xy), ("xz", xz), ("yz", yz))]
        return [*lines, f"change_box all {' '.join(parts)} units box"]

    def to_lammps(self, x: np.ndarray) -> np.ndarray:
        """ASE-frame vectors (n, 3) in the LAMMPS frame."""
        return x @ self.rotation

    def to_ase(self, x: np.ndarray) -> np.ndarray:
        """LAMMPS-frame vectors (n, 3) in the ASE frame."""
        return x @ self.rotation.T

    def wrap_shift(self, x: np.ndarray) -> np.ndarray:
        """Lattice translations (LAMMPS frame, (n, 3)) that bring points x into the box
        along periodic directions."""
        return (np.floor(self.fractional(x)) * self.pbc) @ self.tilt

    def fractional(self, x: np.ndarray) -> np.ndarray:
        """Fractional coordinates of LAMMPS-frame points x, shape (n, 3)."""
        return x @ self._tilt_inv

    @cached_property
    def _tilt_inv(self) -> np.ndarray:
        return np.linalg.inv(self.tilt)


def completed_cell(cell: np.ndarray, pbc: np.ndarray, positions: np.ndarray, min_free_length: float) -> np.ndarray:
    """The cell as LAMMPS will see it: missing non-periodic vectors completed, and
    non-periodic vectors at least ``min_free_length`` long (LAMMPS's neighbour bins need a
    box no smaller than the cutoff; scaling a vector keeps the frame).

    Raises
    ------
    UnsupportedCellError
        The cell cannot be completed into a box of positive volume.
    """
    from ase.cell import Cell

    cell = np.array(cell, dtype=float)
    if abs(np.linalg.det(cell)) < 1e-8:
        c = Cell(cell)  # type: ignore[no-untyped-call]  # Cell and Cell.complete are unannotated in ase
        cell = (np.diag(np.ptp(positions, axis=0) + 1.0) if c.rank == 0
                else np.array(c.complete()))  # type: ignore[no-untyped-call]
        if abs(np.linalg.det(cell)) < 1e-8:
            raise UnsupportedCellError("cannot complete a degenerate cell into a LAMMPS box")
    lengths = np.linalg.norm(cell, axis=1)
    grow = ~np.asarray(pbc, dtype=bool) & (lengths < min_free_length)
    cell[grow] *= (min_free_length / lengths[grow])[:, None]
    return cell
