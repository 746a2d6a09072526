"""Positions on their way into LAMMPS's own ``x`` array, and back.

The caller's positions (ASE order, LAMMPS frame) are written into LAMMPS's x array through
the id mapping. The first time, after a cell change and after :meth:`WrappedPositions.reset`
they are wrapped into the box here (lattice shifts ``shift`` subtracted, image flags zero).
Afterwards each atom keeps the periodic image LAMMPS has it in: LAMMPS's unwrapped position
``x + image . box + shift`` equals what the caller set, and displacements stay continuous,
so LAMMPS's own neighbour-list check is valid. An atom that moved by more than half a period
outside the box is wrapped afresh (LAMMPS re-wraps by one period only).
"""

from __future__ import annotations

import numpy as np

from ..errors import EngineStateError
from .box import LammpsBox
from .instance import LammpsInstance, decode_images

__all__ = ["WrappedPositions"]


class WrappedPositions:
    """Pending positions and the wrap of those LAMMPS holds.

    Parameters
    ----------
    instance : LammpsInstance
        Holds the atoms (ids 1..N).
    """

    def __init__(self, instance: LammpsInstance):
        self.instance = instance
        self.bits = instance.image_bits
        self.pending: np.ndarray | None = None  # LAMMPS-frame positions not yet written, ASE order
        self.shift: np.ndarray | None = None  # lattice shifts of the current wrap; None: wrap afresh

    def set(self, x: np.ndarray) -> None:
        """Positions to write (Angstrom, LAMMPS frame, ASE order), shape (N, 3)."""
        self.pending = x

    def rewrap(self) -> None:
        """Wrap afresh at the next :meth:`flush` (after a cell change)."""
        self.shift = None

    def reset(self, box: LammpsBox) -> None:
        """Write the current positions again, wrapped afresh, as a new engine would."""
        if self.pending is None:
            self.pending = self.written(box)
        self.shift = None

    def flush(self, box: LammpsBox) -> bool:
        """Write pending positions into LAMMPS; True when they were wrapped afresh (LAMMPS
        then needs a full setup)."""
        pending = self.pending
        if pending is None:
            return False
        self.pending = None
        ids = self.instance.ids()
        x = self.instance.atom_array("x")
        if self.shift is not None:
            x_new = (pending - self.shift)[ids] - self._images() @ box.tilt
            frac = box.fractional(x_new)[:, box.pbc]
            if self.instance.all_ranks(frac.size == 0 or (frac.min() >= -0.5 and frac.max() < 1.5)):
                x[:] = x_new
                return False
        self.shift = box.wrap_shift(pending)
        self.instance.atom_array("image")[:] = self._image_zero()
        x[:] = (pending - self.shift)[ids]
        return True

    def written(self, box: LammpsBox) -> np.ndarray:
        """Unwrapped positions LAMMPS holds (Angstrom, LAMMPS frame, ASE order)."""
        if self.shift is None:
            raise EngineStateError("the engine has not written any positions yet")
        x = self.instance.atom_array("x")
        return self.instance.gather(x + self._images() @ box.tilt) + self.shift

    def _images(self) -> np.ndarray:
        return decode_images(self.instance.atom_array("image"), self.bits)

    def _image_zero(self) -> int:
        imgmax = 1 << (self.bits - 1)
        return imgmax | (imgmax << self.bits) | (imgmax << (2 * self.bits))
