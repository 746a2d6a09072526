import numpy as np
import pytest


def rel_err(x, ref) -> float:
    """Largest absolute difference relative to the largest reference magnitude."""
    x, ref = np.asarray(x, float), np.asarray(ref, float)
    return float(np.max(np.abs(x - ref)) / max(np.max(np.abs(ref)), 1e-300))


@pytest.fixture
def rel():
    return rel_err


def engine_force_by_differences(engine, positions: np.ndarray, i: int, k: int, h: float = 1e-5) -> float:
    """-(E(x + h e_ik) - E(x - h e_ik)) / 2h from a LAMMPS engine (eV/A); leaves the engine at
    the minus-displaced positions."""
    p = np.array(positions, dtype=float)
    p[i, k] += h
    engine.set_positions(p)
    ep = engine.energy()
    p[i, k] -= 2 * h
    engine.set_positions(p)
    return -(ep - engine.energy()) / (2 * h)


def assert_weighted_site_energies(atoms, pot, atom: int, seed: int = 0) -> None:
    """LAMMPS with the weight types of a generated weighted file gives sum_i w_i E_i (E_i:
    LAMMPS's own pe/atom of the unweighted potential) for random weights, and a force on
    ``atom`` equal to central differences of that energy (eV/A)."""
    import tempfile
    from pathlib import Path

    from qcbridge.engines import LammpsEngine
    from qcbridge.potentials.weighted import weighted_potential

    levels = [0.0, 0.3, 0.7, 1.0]
    w = np.random.default_rng(seed).choice(levels, len(atoms))
    with tempfile.TemporaryDirectory() as d:
        wpot = weighted_potential(pot, levels, Path(d))
        with LammpsEngine(atoms, pot) as plain, LammpsEngine(atoms, wpot) as weighted:
            weighted.set_types(wpot.types(w, atoms.get_chemical_symbols()))
            e, f = weighted.energy_forces()
            assert e == pytest.approx(float(w @ plain.energies()), rel=1e-12)
            for k in range(3):
                assert engine_force_by_differences(weighted, atoms.positions, atom, k) == pytest.approx(f[atom, k],
                                                                                                     abs=1e-7)


def sih_paris_irwin_modulus(C: np.ndarray, axes: np.ndarray) -> float:
    """E' (stiffness units) of mode I in an orthotropic medium in plane strain, closed form of
    Sih, Paris & Irwin (1965) with the reduced compliances b_ij = s_ij - s_i3 s_j3 / s_33:
    1/E' = sqrt(b11 b22 / 2) sqrt(sqrt(b22 / b11) + (2 b12 + b66) / (2 b11)).

    C: Voigt stiffness in crystal coordinates; axes: rows x (advance), y (normal), z (front)."""
    from qcbridge.defects.stroh import rotate_stiffness
    from qcbridge.tensors import stiffness_to_voigt

    s = np.linalg.inv(stiffness_to_voigt(rotate_stiffness(C, axes)))
    bb = s - np.outer(s[:, 2], s[2, :]) / s[2, 2]
    b11, b22, b12, b66 = bb[0, 0], bb[1, 1], bb[0, 1], bb[5, 5]
    return 1.0 / (np.sqrt(b11 * b22 / 2) * np.sqrt(np.sqrt(b22 / b11) + (2 * b12 + b66) / (2 * b11)))
