"""Crack orientation: the crystal plane and front as Miller indices, the defect frame they
define (x: the direction the crack advances in, y: the plane normal, z: the front), and the
widest gap between atomic planes, where a crack (or a cleaved surface) goes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..defects.stroh import defect_axes
from ..errors import DefectGeometryError
from ..structures import miller_indices, normal_frame

__all__ = ["CrackOrientation", "widest_gap"]


@dataclass(frozen=True)
class CrackOrientation:
    """A crack on the cubic crystal plane (h k l) with its front along [u v w].

    Attributes
    ----------
    plane : ndarray of int, shape (3,)
        Plane normal (Miller indices; for cubic crystals the normal's direction indices).
    front : ndarray of int, shape (3,)
        Crack front direction; must lie in the plane.
    """

    plane: np.ndarray
    front: np.ndarray

    @classmethod
    def of(cls, plane: tuple[int, int, int] | np.ndarray, front: tuple[int, int, int] | np.ndarray
           ) -> CrackOrientation:
        """Validated orientation.

        Raises
        ------
        DefectGeometryError
            Non-integer or zero indices, or a front not in the plane (h u + k v + l w != 0).
        """
        n = miller_indices(plane, "the crack plane", DefectGeometryError)
        t = miller_indices(front, "the crack front", DefectGeometryError)
        if int(n @ t) != 0:
            raise DefectGeometryError(f"the front {t.tolist()} is not in the plane {n.tolist()} "
                                      f"(h u + k v + l w = {int(n @ t)}, must be 0); e.g. the front "
                                      f"{np.cross(n, [1, 0, 0] if abs(n[0]) < max(abs(n)) else [0, 1, 0]).tolist()}")
        return cls(n, t)

    @property
    def directions(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """Crystal directions along x (propagation, plane x front), y (normal) and z (front)."""
        return normal_frame(self.plane, self.front)

    @property
    def axes(self) -> np.ndarray:
        """Unit rows of the frame (x, y, z) in crystal coordinates."""
        return defect_axes(self.plane, self.front)

    def __str__(self) -> str:
        def idx(v: np.ndarray) -> str:
            return "".join(str(int(i)) if i >= 0 else f"-{-int(i)}" for i in v)
        return f"({idx(self.plane)})[{idx(self.front)}]"


def widest_gap(y: np.ndarray, period: float | None = None, near: float | None = None) -> tuple[float, float]:
    """Middle and width (A) of the widest gap between the atomic planes at heights ``y``.

    Parameters
    ----------
    y : ndarray
        Atom heights (A).
    period : float, optional
        Periodic length along y (the gap across the boundary counts too).
    near : float, optional
        Among gaps as wide as the widest (to 1e-6 A), the one closest to this height.
    """
    planes = np.unique(np.round(np.asarray(y, dtype=float), 6))
    if len(planes) < 2:
        raise DefectGeometryError("the crystal has fewer than two atomic planes along the crack normal")
    lo, hi = planes[:-1], planes[1:]
    if period is not None:
        lo, hi = np.append(lo, planes[-1]), np.append(hi, planes[0] + period)
    width = hi - lo
    widest = np.flatnonzero(width > width.max() - 1e-6)
    mid = 0.5 * (lo + hi)
    pick = widest[np.argmin(np.abs(mid[widest] - near))] if near is not None else widest[0]
    return float(mid[pick]), float(width[pick])
