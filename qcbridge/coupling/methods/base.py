"""The coupling-method strategy: bound to a geometry once, it returns contributions.

Notation: beta_i site weights (1 in the core), W the Cauchy-Born energy density, element
weights w_T = 1 - mean of beta over the element's vertices. A sharp method uses beta = 1 on
the core and 0 elsewhere; a blended one the smooth weights of the blending region.

A new method is one new module: subclass :class:`CouplingMethod` with a ``name`` and
implement :meth:`CouplingMethod.bind`; the class registers itself under its name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from ...errors import UnknownMethodError
from ...potentials.potential import Potential
from ..contributions import Contribution
from ..geometry import CoupledGeometry, Region
from ..kinematics import Kinematics

__all__ = ["METHODS", "CouplingMethod", "method_from_name"]

#: Methods by name, in the order they were defined.
METHODS: dict[str, type[CouplingMethod]] = {}


class CouplingMethod(ABC):
    """How a coupled model's energy and forces are put together."""

    name: ClassVar[str]
    energy_based: ClassVar[bool]
    blended: ClassVar[bool]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            METHODS[cls.name] = cls

    def site_weights(self, geometry: CoupledGeometry) -> np.ndarray:
        """Weight of every site: blended, or sharp (1 on the core only)."""
        return geometry.beta if self.blended else (geometry.region == Region.CORE).astype(float)

    @abstractmethod
    def bind(self, kinematics: Kinematics, potential: Potential, material: Any, *,
             comm: Any = None) -> list[Contribution]:
        """The contributions of this method on a geometry (LAMMPS instances are opened here, on
        the MPI communicator ``comm`` when one is given)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def method_from_name(name: str | CouplingMethod) -> CouplingMethod:
    """A method instance from its name (``qce``, ``qce-gfc``, ``qcf``, ``bqce``, ``bqcf``).

    Raises
    ------
    UnknownMethodError
        The message lists the choices.
    """
    if isinstance(name, CouplingMethod):
        return name
    try:
        return METHODS[str(name).lower()]()
    except KeyError:
        raise UnknownMethodError(str(name), METHODS) from None


def closing_on_error(contributions: list[Contribution], build: Any) -> list[Contribution]:
    """Append ``build()`` to contributions, closing those already built if it fails."""
    try:
        contributions.append(build())
    except BaseException:
        for c in contributions:
            c.close()
        raise
    return contributions
