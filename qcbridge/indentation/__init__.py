"""Nanoindentation: a rigid indenter on a free surface, load-displacement curves and the first
dislocation nucleation, by a coupled model (optionally adaptive) and by full atomistics."""

from .problem import IndentationProblem, IndenterShape, surface_frame

__all__ = ["IndentationProblem", "IndenterShape", "surface_frame"]
