"""The one place where a coupled model's contributions are added up."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .contributions import Contribution

__all__ = ["Assembly"]


class Assembly:
    """Sum of contributions: energy (eV; None if any contribution has none) and node forces
    (eV/Angstrom), in the order given.

    Parameters
    ----------
    contributions : sequence of Contribution
        Owned by the assembly: :meth:`close` closes them.
    """

    def __init__(self, contributions: Sequence[Contribution]):
        self.contributions = list(contributions)

    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        energy: float | None = 0.0
        forces: np.ndarray | None = None
        for c in self.contributions:
            e, f = c.evaluate(u)
            energy = None if e is None or energy is None else energy + e
            forces = f if forces is None else forces + f
        if forces is None:
            return energy, np.zeros_like(np.asarray(u, dtype=float))
        return energy, forces

    def reset(self) -> None:
        for c in self.contributions:
            c.reset()

    def close(self) -> None:
        for c in self.contributions:
            c.close()
