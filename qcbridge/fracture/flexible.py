"""Flexible boundary for a crack (Sinclair, Phil. Mag. 31, 647 (1975)): the far field follows the tip.

The far field's tip position alpha (A along x from the problem's tip) is an unknown beside the
displacements. The boundary nodes hold the anisotropic field U(X; alpha, K); every free node
holds the field plus a correction w. The extra equation is the crack-tip force

    f_alpha = sum_b [f_b(u) - f_b(U(alpha, K))] . dU_b/dalpha,

the boundary nodes' forces minus those of the pure field at the same (alpha, K), projected on
the field's shift dU/dalpha = -dU/dx. It vanishes when the interior next to the boundary is
the far field of a tip at alpha. Subtracting the pure field's forces removes what the
boundary feels at any alpha: the outside material a continuum boundary lacks, and the outer
surface of an atomistic cluster (the role of the padding region of matscipy's SinclairCrack,
which uses the region-II forces alone).

The solution is a saddle point in alpha, which minimizers run away from (relaxed together
with the nodes by FIRE, the field centre drifts and the crack heals), so it is found by
Newton-Krylov: GMRES on finite-difference Jacobian-vector products (:mod:`.linear_solves`),
preconditioned by a graph Laplacian of the nodes or, for full atomistics, by their Hessian
(:mod:`.preconditioners`). :mod:`.continuation` traces K against alpha through its folds with
this corrector.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..coupling.model import QCModel
from ..coupling.reference import site_displacements
from ..engines.lammps import LammpsEngine
from ..errors import ConvergenceError, DefectGeometryError, MeshError, PaddingError, SolverError, StructureError
from ..fingerprint import fingerprint
from ..solvers import FIRE, RelaxOptions, relax
from .linear_solves import augmented_solve
from .preconditioners import Preconditioner
from .problem import CrackProblem

__all__ = ["AtomisticForceField", "CoupledForceField", "CrackForceField", "FlexibleCrack", "FlexibleState"]

#: Errors a trial state may raise (an element compressed past its padding, an inverted
#: element, forces that are not finite, atoms on top of each other): the Newton step is
#: shortened.
TRIAL_ERRORS = (PaddingError, MeshError, SolverError, StructureError)


class CrackForceField(Protocol):
    """Where the forces of a crack model come from (coupled model or full atomistics)."""

    @property
    def reference(self) -> np.ndarray:
        """Reference positions (A) of the degrees of freedom, shape (n, 3)."""
        ...

    @property
    def fixed(self) -> np.ndarray:
        """Boundary nodes held at the far field, bool (n,)."""
        ...

    def forces(self, u: np.ndarray) -> np.ndarray:
        """Forces (eV/A) on every node, boundary nodes included, at displacements u (n, 3)."""
        ...

    def site_positions(self, u: np.ndarray) -> np.ndarray:
        """Deformed positions (A) of every site of the problem's crystal."""
        ...

    def close(self) -> None: ...


class CoupledForceField:
    """Node forces of a coupled model, including the reactions on its prescribed nodes."""

    def __init__(self, model: QCModel):
        self.model = model
        g = model.geometry
        self.reference = g.crystal.positions[g.node_site]
        self.fixed = ~model.free

    def forces(self, u: np.ndarray) -> np.ndarray:
        return self.model.node_forces(u)[1]

    def site_positions(self, u: np.ndarray) -> np.ndarray:
        return self.model.geometry.crystal.positions + site_displacements(self.model, u)

    def close(self) -> None:
        self.model.close()


class AtomisticForceField:
    """Forces of every site of a crack problem by LAMMPS (the boundary layer is held by the
    solver, not by LAMMPS, so its forces are LAMMPS's own)."""

    def __init__(self, problem: CrackProblem):
        self.reference = problem.crystal.positions.copy()
        self.fixed = problem.layer.copy()
        atoms = problem.crystal.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
        self.engine = LammpsEngine(atoms, problem.potential)
        #: a site's move changes the forces within two cutoffs (A), plus a margin for relative moves
        self.reach = 2.0 * problem.potential.cutoff + 1.0

    def forces(self, u: np.ndarray) -> np.ndarray:
        self.engine.set_positions(self.reference + u)
        return self.engine.forces()

    def site_positions(self, u: np.ndarray) -> np.ndarray:
        return self.reference + u

    def close(self) -> None:
        self.engine.close()


class _HeldFarField:
    """The crack with its far field held, as a :class:`~qcbridge.solvers.Problem` (for FIRE,
    which finds the minimum from the bare field where Newton may not)."""

    def __init__(self, crack: FlexibleCrack, K: float):
        self.crack, self.K = crack, K
        self.free = crack.free

    def initial_guess(self) -> np.ndarray:
        return self.crack.field(0.0, self.K)

    def evaluate(self, u: np.ndarray) -> tuple[float | None, np.ndarray]:
        f = np.array(self.crack.force_field.forces(u), dtype=float)
        self.crack.evaluations += 1
        f[~self.free] = 0.0
        return None, f

    def fingerprint(self) -> dict[str, str]:
        return {"nodes": fingerprint(self.crack.X, self.free), "K": fingerprint(np.array([self.K]))}


@dataclass
class FlexibleState:
    """A solution of the flexible-boundary crack.

    Attributes
    ----------
    w : ndarray, shape (n_free, 3)
        Displacements of the free nodes beyond the far field (A).
    alpha : float
        Tip of the far field, from the problem's tip along x (A).
    K : float
        Mode-I stress intensity (eV/A^(5/2)).
    tip : float
        Crack tip measured from the broken face bonds (A, reference x).
    iterations : int
        Newton iterations of the solve.
    """

    w: np.ndarray
    alpha: float
    K: float
    tip: float = float("nan")
    iterations: int = 0


class FlexibleCrack:
    """A crack model whose far field follows the tip (see the module docstring).

    Parameters
    ----------
    problem : CrackProblem
    forces : CrackForceField
        :class:`CoupledForceField` or :class:`AtomisticForceField` of the problem; owned
        (:meth:`close` closes it).
    fmax : float
        Converged when the largest force on a free node and the crack-tip force are below
        this (eV/A).
    max_iterations : int
        Newton iterations per solve.
    krylov : int
        GMRES iterations per Newton step (one force evaluation each).
    preconditioner : Preconditioner
        The node block's approximate inverse: the graph Laplacian (any force field), or the
        force field's Hessian by coloured finite differences (full atomistics; GMRES then
        converges in a few iterations, near folds too).
    """

    def __init__(self, problem: CrackProblem, forces: CrackForceField, *, fmax: float = 1e-3,
                 max_iterations: int = 40, krylov: int = 80,
                 preconditioner: Preconditioner = Preconditioner.LAPLACIAN):
        if not (np.isfinite(fmax) and fmax > 0):
            raise SolverError(f"fmax must be a positive number of eV/A, got {fmax}")
        self.problem, self.force_field = problem, forces
        self.fmax, self.max_iterations, self.krylov = fmax, max_iterations, krylov
        self.X = np.asarray(forces.reference, dtype=float)
        self.free = ~np.asarray(forces.fixed, dtype=bool)
        self.boundary = np.flatnonzero(~self.free)
        self._sublattice = problem.sublattice_of(self.X)
        self._precon = Preconditioner(preconditioner).build(forces, self.X, self.free, problem)
        self.evaluations, self.seconds = 0, 0.0
        self.log: Callable[[str], None] | None = None
        self._pure: tuple[tuple[float, float], np.ndarray, np.ndarray] | None = None
        self._field_at: tuple[tuple[float, float], np.ndarray] | None = None
        self._last_u = np.zeros_like(self.X)  # displacements of the last residual (A)

    @classmethod
    def atomistic(cls, problem: CrackProblem, **options: Any) -> FlexibleCrack:
        """Every site of the problem's domain atomistic (LAMMPS); ``options`` as for the class."""
        return cls(problem, AtomisticForceField(problem), **options)

    @classmethod
    def coupled(cls, problem: CrackProblem, radius: float | np.ndarray, method: str = "bqcf", *,
                blend_width: float = 8.0, **options: Any) -> FlexibleCrack:
        """The problem's coupled model (atomistic disc of ``radius`` A at the slit's tip, or a
        mask over sites) with ``method``."""
        return cls(problem, CoupledForceField(problem.model(radius, method, blend_width=blend_width)), **options)

    def start(self, K: float | None = None) -> FlexibleState:
        """The nodes relaxed with the far field of ``K`` (eV/A^(5/2), default K_G) held at the
        slit's tip: the start of :meth:`find_tip`."""
        K = self.problem.griffith_K if K is None else float(K)
        if not (np.isfinite(K) and K >= 0):
            raise DefectGeometryError(f"K must be a finite number >= 0, got {K}")
        u = relax(_HeldFarField(self, K), FIRE(), RelaxOptions(fmax=self.fmax, max_steps=20000,
                                                              raise_on_failure=True)).u
        return self.state((u - self.field(0.0, K))[self.free], 0.0, K)

    @property
    def node_dofs(self) -> int:
        """Degrees of freedom of the free nodes (3 each): the leading part of every unknown
        vector of :meth:`newton`."""
        return 3 * int(self.free.sum())

    @property
    def dofs(self) -> int:
        """Free degrees of freedom (3 per free node) plus the tip position."""
        return self.node_dofs + 1

    @property
    def preconditioner_evaluations(self) -> int:
        """Force evaluations spent building the preconditioner (the Hessian's; 0 for the
        Laplacian), beside :attr:`evaluations` of the residual."""
        return int(getattr(self._precon, "evaluations", 0))

    # ----------------------------------------------------------------- field
    def field(self, alpha: float, K: float, X: np.ndarray | None = None) -> np.ndarray:
        """Far-field displacement (A) of mode-I ``K`` (eV/A^(5/2)) with its tip ``alpha`` (A)
        ahead of the problem's tip, at the nodes (or at ``X``)."""
        if X is not None:
            return self.problem.far_field(X, K, alpha)
        if self._field_at is None or self._field_at[0] != (alpha, K):  # GMRES asks at one (alpha, K)
            self._field_at = ((alpha, K), self.problem.far_field(self.X, K, alpha, self._sublattice))
        return self._field_at[1].copy()

    def shift(self, alpha: float, K: float, X: np.ndarray) -> np.ndarray:
        """dU/dalpha (dimensionless) at ``X`` by central differences (the boundary is far from
        the tip, where the field is smooth)."""
        h = 1e-4
        return (self.field(alpha + h, K, X) - self.field(alpha - h, K, X)) / (2 * h)

    def displacements(self, w: np.ndarray, alpha: float, K: float) -> np.ndarray:
        """Every node's displacement (A): the field, plus ``w`` on the free nodes."""
        u = self.field(alpha, K)
        u[self.free] += w
        return u

    # -------------------------------------------------------------- residual
    def residual(self, w: np.ndarray, alpha: float, K: float) -> tuple[np.ndarray, float]:
        """Forces on the free nodes (eV/A, (n_free, 3)) and the crack-tip force f_alpha (eV/A).

        The pure field's boundary term depends on (alpha, K) alone: it is kept for the last
        pair, so that derivatives along the nodes (all of GMRES's) cost one evaluation."""
        t0 = time.perf_counter()
        b = self.boundary
        try:
            self._last_u = self.displacements(w, alpha, K)
            f = self.force_field.forces(self._last_u)
            self.evaluations += 1
            if self._pure is None or self._pure[0] != (alpha, K):
                f_pure = self.force_field.forces(self.field(alpha, K))[b]
                self._pure = ((alpha, K), f_pure, self.shift(alpha, K, self.X[b]))
                self.evaluations += 1
        finally:
            self.seconds += time.perf_counter() - t0
        _, f_pure, V = self._pure
        f_alpha = float(np.sum((f[b] - f_pure) * V))
        if not (np.all(np.isfinite(f)) and np.isfinite(f_alpha)):
            raise SolverError("the forces are not finite: the configuration left the potential's range")
        return f[self.free], f_alpha

    def precondition(self, g: np.ndarray) -> np.ndarray:
        """Approximate inverse stiffness applied to node forces (n_free, 3) -> A."""
        return self._precon.apply(g)

    def state(self, w: np.ndarray, alpha: float, K: float, iterations: int = 0) -> FlexibleState:
        """A :class:`FlexibleState` with its measured tip."""
        tip = self.problem.tip_position(self.force_field.site_positions(self.displacements(w, alpha, K)))
        return FlexibleState(np.array(w, dtype=float), float(alpha), float(K), tip, iterations)

    # ---------------------------------------------------------------- solving
    def solve(self, start: FlexibleState, K: float | None = None) -> FlexibleState:
        """Equilibrium at fixed ``K`` (default the start's) with the tip position free,
        Newton-Krylov from ``start``."""
        K = start.K if K is None else float(K)
        n = self.node_dofs

        def F(z: np.ndarray) -> np.ndarray:
            f, f_alpha = self.residual(z[:n].reshape(-1, 3), float(z[n]), K)
            return np.append(-f.ravel(), -f_alpha)

        z, its = self.newton(F, np.append(start.w.ravel(), start.alpha), lambda r: self.converged(r, n))
        return self.state(z[:n].reshape(-1, 3), float(z[n]), K, its)

    def relax_at(self, start: FlexibleState, alpha: float) -> tuple[FlexibleState, float]:
        """Equilibrium of the nodes with the far field's tip held at ``alpha`` (A), and the
        crack-tip force f_alpha there (eV/A)."""
        n = self.node_dofs

        def F(z: np.ndarray) -> np.ndarray:
            return -self.residual(z.reshape(-1, 3), alpha, start.K)[0].ravel()

        w, its = self.newton(F, start.w.ravel(), lambda r: self.converged(r, n))
        return self.state(w.reshape(-1, 3), alpha, start.K, its), self.residual(w.reshape(-1, 3), alpha, start.K)[1]

    def find_tip(self, start: FlexibleState, *, tolerance: float | None = None, max_steps: int = 12) -> FlexibleState:
        """The far field's tip for a crack held at fixed K: secant steps in alpha, each with
        the nodes relaxed (:meth:`relax_at`), until abs(f_alpha) is below ``tolerance``
        (eV/A, default 2 fmax); then :meth:`solve`. The first step is a column spacing towards
        f_alpha. For a start far from the flexible equilibrium (a state relaxed with the
        field's tip at the slit's end), where Newton on all unknowns at once can wander.

        Raises
        ------
        ConvergenceError
            No tip within ``max_steps``.
        """
        tol = 2 * self.fmax if tolerance is None else tolerance
        s0, f0 = self.relax_at(start, start.alpha)
        a1 = s0.alpha + np.sign(f0) * self.problem.spacing
        for _ in range(max_steps):
            if abs(f0) < tol:
                return self.solve(s0)
            # the nodes stay where they are; only the boundary moves with the far field
            w = s0.w + (self.field(s0.alpha, s0.K) - self.field(a1, s0.K))[self.free]
            s1, f1 = self.relax_at(FlexibleState(w, a1, s0.K), a1)
            if self.log is not None:
                self.log(f"tip search: alpha {s0.alpha:.4f} -> {a1:.4f} A, f_alpha {f0:.3g} -> {f1:.3g} eV/A")
            step = -f1 * (a1 - s0.alpha) / (f1 - f0) if f1 != f0 else np.sign(f1) * self.problem.spacing
            step = float(np.clip(step, -self.problem.spacing, self.problem.spacing))
            s0, f0, a1 = s1, f1, s1.alpha + step
        raise ConvergenceError(f"no far-field tip with a vanishing crack-tip force within {max_steps} secant steps "
                               f"(last alpha {s0.alpha:.3f} A, f_alpha {f0:.3g} eV/A)")

    def converged(self, r: np.ndarray, n: int) -> bool:
        """Whether a residual (negated forces on the ``n`` node components, then the extra
        rows) is below ``fmax``: the largest node force and every extra row (eV/A)."""
        return bool(np.linalg.norm(r[:n].reshape(-1, 3), axis=1).max(initial=0.0) < self.fmax
                    and np.all(np.abs(r[n:]) < self.fmax))

    def newton(self, F: Callable[[np.ndarray], np.ndarray], z0: np.ndarray,
               converged: Callable[[np.ndarray], bool], max_iterations: int | None = None) -> tuple[np.ndarray, int]:
        """Newton-Krylov for F(z) = 0, where z starts with the free nodes' 3 n_free
        components and F with their negated forces, followed by a few extra unknowns (tip,
        K) and equations (tip force, arclength). Each step is :meth:`linear_solve`; a
        backtracking line search on norm(F) accepts it.
        ``max_iterations`` defaults to the crack's.

        Raises
        ------
        ConvergenceError
            No convergence within ``max_iterations``, or no step length reduces norm(F).
        """
        n = self.node_dofs
        limit = self.max_iterations if max_iterations is None else max_iterations
        z = np.array(z0, dtype=float)
        r = F(z)
        r0 = float(np.linalg.norm(r))
        stale = True  # the preconditioner is rebuilt at the start and after GMRES fails
        for it in range(limit + 1):
            if converged(r):
                return z, it
            if it == limit:
                break
            if stale:
                self._precon.update(self._last_u)  # F(z) was the last residual taken
            rnorm = float(np.linalg.norm(r))
            eta = min(0.1, rnorm / max(r0, 1e-300))
            d, info = self.linear_solve(F, z, r, -r, eta)
            stale = info != 0
            step = 1.0
            for _ in range(12):
                try:
                    r_new = F(z + step * d)
                    if np.linalg.norm(r_new) <= (1 - 1e-4 * step) * rnorm:
                        break
                except TRIAL_ERRORS:
                    pass
                step *= 0.5
            else:
                raise ConvergenceError(f"no step along the Newton direction reduces the residual ({rnorm:.3g}; "
                                       f"GMRES {'converged' if info == 0 else 'did not converge'})")
            z, r = z + step * d, r_new
            if self.log is not None:
                self.log(f"newton {it}: |r| {rnorm:.3g} -> {np.linalg.norm(r):.3g}, step {step:.3g}, "
                         f"extras {np.round(d[n:], 4).tolist()}, |d_u| {np.abs(d[:n]).max():.3g}, gmres {info}")
        raise ConvergenceError(f"the flexible-boundary solve did not converge in {limit} Newton "
                               f"iterations (residual {np.linalg.norm(r):.3g})")

    def linear_solve(self, F: Callable[[np.ndarray], np.ndarray], z: np.ndarray, Fz: np.ndarray,
                     rhs: np.ndarray, eta: float) -> tuple[np.ndarray, int]:
        """Solve J d = rhs, J the Jacobian of F at z (F(z) = ``Fz``) by differences, with GMRES
        on all of J right-preconditioned by the node preconditioner (:mod:`.linear_solves`).
        Returns d and GMRES's info."""
        return augmented_solve(F, z, Fz, rhs, eta, n=self.node_dofs, precondition=self.precondition,
                               krylov=self.krylov)

    def close(self) -> None:
        """Release the force field (its LAMMPS instance)."""
        self.force_field.close()

    def __enter__(self) -> FlexibleCrack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
