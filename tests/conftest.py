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
