import numpy as np
import pytest


def rel_err(x, ref) -> float:
    """Largest absolute difference relative to the largest reference magnitude."""
    x, ref = np.asarray(x, float), np.asarray(ref, float)
    return float(np.max(np.abs(x - ref)) / max(np.max(np.abs(ref)), 1e-300))


@pytest.fixture
def rel():
    return rel_err
