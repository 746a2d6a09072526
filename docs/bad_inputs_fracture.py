"""Bad inputs of the fracture area (cracks and Stroh fields), each with the error it must
raise; docs/bad_inputs.py collects them with the rest."""

from __future__ import annotations

import numpy as np

from qcbridge import errors


def _crack(**kw):
    from qcbridge import load_potential
    from qcbridge.fracture import CrackOrientation
    from qcbridge.fracture.problem import CrackProblem
    from qcbridge.structures import Lattice

    args = {"plane": (1, 0, 0), "front": (0, 1, 0), "half_width": 70.0} | kw
    return CrackProblem.build(load_potential("W_zhou.eam.alloy"), Lattice.BCC,
                             CrackOrientation.of(args.pop("plane"), args.pop("front")), **args)


def _tip_leaves(tmp):
    from qcbridge.defects.stroh import crack_displacement
    from qcbridge.fracture.trapping import CoupledCrackSolver

    p = _crack()
    with CoupledCrackSolver(p, 15.0) as qc:
        nodes = qc.model.geometry.reference_nodes
        return qc.tip(p.griffith_K * crack_displacement(p.solutions, [0, 1, 0], nodes[:, :2] - p.centre - [12.0, 0]))


def _tip_margin_too_wide(tmp):
    from qcbridge.fracture.adaptive import AdaptiveCrackSolver

    return AdaptiveCrackSolver(_crack(), 15.0, margin=20.0)


def _flexible_negative_K(tmp):
    from qcbridge.fracture.flexible import FlexibleCrack

    with FlexibleCrack.atomistic(_crack()) as crack:
        return crack.start(-0.5)


def _branch_without_start(tmp):
    from qcbridge.fracture.continuation import trace_branch
    from qcbridge.fracture.flexible import FlexibleCrack

    with FlexibleCrack.atomistic(_crack()) as crack:
        return trace_branch(crack, None, checkpoint=tmp / "none.npz")


def _stroh_unstable(tmp):
    from qcbridge.defects.stroh import stroh_solutions

    C = np.full((6, 6), 0.0)
    C[:3, :3] = 1.2
    C[range(3), range(3)] = 1.0
    C[range(3, 6), range(3, 6)] = 0.5
    return stroh_solutions(C)


CASES = [
    ("fracture", "a crack plane with non-integer Miller indices (1, 0.5, 0)",
        lambda tmp: _crack(plane=(1, 0.5, 0), front=(0, 0, 1)), errors.DefectGeometryError),
    ("fracture", "a crack front [100] not in the plane (110)", lambda tmp: _crack(plane=(1, 1, 0), front=(1, 0, 0)),
        errors.DefectGeometryError),
    ("fracture", "a negative stress intensity factor", lambda tmp: _crack(K=-0.5), errors.DefectGeometryError),
    ("fracture", "a domain smaller than four boundary layers", lambda tmp: _crack(half_width=30.0),
        errors.DefectGeometryError),
    ("fracture", "a crack tip 12 A ahead, out of a 15 A atomistic region", _tip_leaves, errors.DefectGeometryError),
    ("fracture", "a tip margin (20 A) wider than the atomistic disc that follows the tip (15 A)",
        _tip_margin_too_wide, errors.DefectGeometryError),
    ("fracture", "a flexible-boundary crack started at K < 0", _flexible_negative_K, errors.DefectGeometryError),
    ("fracture", "a continuation with neither a start state nor a checkpoint to resume", _branch_without_start,
        errors.SolverError),
    ("fracture", "elastic constants with C12 > C11 (unstable) for a Stroh field", _stroh_unstable,
        errors.ElasticConstantsError),
]
