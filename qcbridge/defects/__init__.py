"""Defects: elastic fields of dislocations used as boundary conditions and predictors, and
measures of relaxed defects (disregistry, partial positions)."""

from .analysis import PartialsFit, disregistry, fit_partials
from .dislocations import DislocationDipole, EdgeDislocation, StrohDislocation, voigt_poisson_ratio

__all__ = ["DislocationDipole", "EdgeDislocation", "PartialsFit", "StrohDislocation", "disregistry", "fit_partials",
           "voigt_poisson_ratio"]
