"""Flexible boundary for a crack (the far field follows the tip): the tip force vanishes where
an independent least-squares fit of the anisotropic LEFM field to the interior puts the tip,
the coupled model puts the tip where full atomistics does, and the continuation in
(tip, K) passes the folds a load ramp cannot."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares
from scipy.spatial import cKDTree

from qcbridge.errors import CheckpointError, DefectGeometryError
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.continuation import trace_branch
from qcbridge.fracture.flexible import FlexibleCrack, FlexibleState
from qcbridge.fracture.problem import CrackProblem
from qcbridge.potentials import load_potential
from qcbridge.structures import Lattice


@pytest.fixture(scope="module")
def w_crack() -> CrackProblem:
    orientation = CrackOrientation.of((1, 0, 0), (0, 1, 0))
    return CrackProblem.build(load_potential("W_zhou.eam.alloy"), Lattice.BCC, orientation, half_width=70.0)


@pytest.fixture(scope="module")
def full_tip(w_crack):
    """Full atomistics at K_G: held at the slit's tip, and with its far field's tip found."""
    with FlexibleCrack.atomistic(w_crack, fmax=1e-4) as crack:
        held = crack.start()
        free = crack.find_tip(held)
        yield crack, held, free


def lefm_fit(crack: FlexibleCrack, s: FlexibleState, band: tuple[float, float] = (0.0, 10.0)) -> tuple[float, float]:
    """(alpha, K) of the LEFM field that best fits (least squares, in-plane components) the
    displacements of the free sites at depths ``band`` (A) from the boundary layer."""
    u = crack.displacements(s.w, s.alpha, s.K)
    X = crack.X
    d = cKDTree(X[~crack.free, :2]).query(X[:, :2])[0]
    sel = crack.free & (d >= band[0]) & (d < band[1])

    def residual(q):
        shifted = X[sel] - np.array([q[0], 0.0, 0.0])
        return (q[1] * crack.problem.unit_field(shifted) - u[sel])[:, :2].ravel()

    q = least_squares(residual, [0.0, crack.problem.griffith_K]).x
    return float(q[0]), float(q[1])


def test_the_tip_force_vanishes_where_the_lefm_field_fits_the_interior(full_tip):
    """Held at the slit's tip, the interior is not the field it is held at: fits of the LEFM
    field deeper and deeper inside put the tip further and further ahead (by 2.2 A from the
    band next to the boundary to 20-30 A inside). With the tip free, the crack-tip force
    vanishes (Newton-Krylov, to 1e-4 eV/A) where the fit next to the boundary puts the tip, to
    a quarter of a column spacing, with K to 1 %, and the drift inwards is less than half."""
    crack, held, free = full_tip
    spacing = crack.problem.spacing

    def drift(s):
        return lefm_fit(crack, s, (20.0, 30.0))[0] - lefm_fit(crack, s, (0.0, 5.0))[0]

    f, f_alpha = crack.residual(free.w, free.alpha, free.K)
    assert np.linalg.norm(f, axis=1).max() < 1e-4 and abs(f_alpha) < 1e-4
    a_held, _ = lefm_fit(crack, held)
    a_fit, K_fit = lefm_fit(crack, free)
    assert a_held - held.alpha > 0.25 * spacing > abs(a_fit - free.alpha)
    assert abs(K_fit / free.K - 1) < 0.01
    assert drift(held) > 2 * drift(free) > 0
    assert free.tip == held.tip  # at K_G the bonds stay where the slit put them


def test_the_coupled_model_puts_the_tip_where_full_atomistics_does(w_crack, full_tip):
    """BQCF with a 15 A atomistic disc: the far field's tip at K_G within 0.5 A (a third of a
    column spacing) of full atomistics', the bond tip the same, at fewer degrees of freedom."""
    full, _, free_full = full_tip
    with FlexibleCrack.coupled(w_crack, 15.0, fmax=1e-4) as qc:
        s = qc.find_tip(qc.start())
        assert abs(s.alpha - free_full.alpha) < 0.5
        assert s.tip == free_full.tip
        assert qc.dofs < 0.65 * full.dofs


def test_bad_flexible_input_is_named(w_crack):
    with FlexibleCrack.atomistic(w_crack) as crack:
        with pytest.raises(DefectGeometryError, match="K must be"):
            crack.start(-1.0)


@pytest.mark.slow
def test_continuation_passes_the_fold_a_load_ramp_cannot(w_crack, full_tip, tmp_path):
    """From K_G the branch rises to a maximum of K above K_G, turns (a fold: Newton at fixed
    K finds no equilibrium just above it) and falls below K_G: K- < K_G < K+. A checkpointed
    trace resumed from its file continues where it stopped."""
    crack, _, start = full_tip
    K_G = w_crack.griffith_K
    path = tmp_path / "branch.npz"
    first = trace_branch(crack, start, points=6, checkpoint=path)
    lines: list[str] = []
    branch = trace_branch(crack, start, points=26, checkpoint=path, progress=lines.append)
    assert lines[0].startswith("resumed 7 points") and branch.K[:7] == first.K
    folds = branch.folds()
    assert folds and folds[0].maximum and folds[0].K > K_G
    assert branch.K_minus is not None and branch.K_minus < K_G < folds[0].K
    with pytest.raises(CheckpointError):
        with FlexibleCrack.coupled(w_crack, 15.0) as qc:
            trace_branch(qc, qc.start(), points=3, checkpoint=path)


def test_the_trapping_range_is_the_first_fold_up_and_the_first_fold_down_in_K():
    """K+ and K- of the flexible boundary are the folds of the trapped stretch through K_G,
    whichever way alpha moves along it: branches leaning forwards (alpha grows with K) and
    backwards give the same folds; a later fold of an unstable arm is never
    reported; a trace that ends at a snap gives its last point, and one that stops for
    another reason before its fold is named."""
    from qcbridge.errors import ConvergenceError
    from qcbridge.fracture.continuation import Branch, TrappedBranch

    forwards = TrappedBranch(up=Branch(alpha=[0.0, 0.2, 0.4, 0.6], K=[1.0, 1.05, 1.07, 1.04]),
                             down=Branch(alpha=[0.0, -0.2, -0.4, -0.6], K=[1.0, 0.95, 0.93, 0.96]))
    backwards = TrappedBranch(up=Branch(alpha=[0.0, -0.1, -0.2, -0.1, 2.0, 3.0], K=[1.0, 1.3, 1.38, 1.35, 0.3, 0.5]),
                              down=Branch(alpha=[0.0, 0.03, 0.06, 0.0, -3.0, -3.3], K=[1.0, 0.7, 0.56, 0.57, 1.4, 1.3]))
    for trapped, (K_plus, K_minus) in ((forwards, (1.07, 0.93)), (backwards, (1.38, 0.56))):
        top, low = trapped.folds()
        assert top.maximum and not low.maximum
        assert top.K == pytest.approx(K_plus, abs=0.01) and low.K == pytest.approx(K_minus, abs=0.01)
    snapped = TrappedBranch(up=Branch(alpha=[0.0, 0.1, 0.2], K=[1.0, 1.1, 1.2], stopped="jumped", snapped=True),
                            down=forwards.down)
    top, _ = snapped.folds()
    assert top.snap and top.K == 1.2 and top.alpha == 0.2
    unfinished = TrappedBranch(up=Branch(alpha=[0.0, 0.1, 0.2], K=[1.0, 1.1, 1.2], stopped="the corrector failed"),
                               down=forwards.down)
    with pytest.raises(ConvergenceError, match="up in K found no maximum of K within 2 points; it stopped before one"):
        unfinished.folds()
