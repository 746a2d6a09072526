"""Bad input to the low-level kernel tools (correlations, Volterra inversions, tails) and to the
matrix kernel: each case raises a KernelError that says what is wrong (before: raw numpy errors
or NaN), and random bad observables never give NaN without an error (hypothesis)."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qcbridge.errors import KernelError, MissingForceWarning, QCBridgeError
from qcbridge.memory import (
    correlation,
    diffusion_coefficient,
    estimate_matrix_kernel,
    fit_tail,
    invert_first_kind,
    invert_running_integral,
    invert_second_kind,
)

RNG = np.random.default_rng(0)
V, F = RNG.standard_normal((200, 4)), RNG.standard_normal((200, 4))
T = np.linspace(0, 5, 101)
K = np.exp(-T)


def test_bad_input_to_the_matrix_kernel_is_a_named_kernel_error():
    pair = np.stack([V, F], axis=-1)
    with pytest.raises(KernelError, match="singular .* linearly dependent"):
        estimate_matrix_kernel(np.stack([V, V], -1), 0.1, derivative=np.stack([F, F], -1))
    with pytest.raises(KernelError, match="observable is zero"):
        estimate_matrix_kernel(np.zeros((200, 4, 2)), 0.1, derivative=pair)
    with pytest.raises(KernelError, match="largest"):
        estimate_matrix_kernel(pair * 1e200, 0.1, derivative=pair[..., ::-1] * 1e200)
    with pytest.raises(KernelError, match="150 frame times"):
        estimate_matrix_kernel(pair, np.arange(150) * 0.1, derivative=pair)


def test_low_level_functions_name_their_bad_input():
    with pytest.raises(KernelError, match="max_lag must be an integer"):
        correlation(V, V, 2.5)
    with pytest.raises(KernelError, match="<v v>\\(0\\) must be positive"):
        invert_second_kind(0.0, K, K, 0.05, 1.0)
    with pytest.raises(KernelError, match="equal lengths"):
        invert_first_kind(K, K[:-1], 1.0, 0.05)
    with pytest.raises(KernelError, match="at least 3 lags"):
        invert_running_integral(K[:2], K[:2], 0.05)
    with pytest.raises(KernelError, match="diverges"):
        invert_second_kind(1.0, np.ones(200), np.full(200, -1.9999), 1.0, 1.0)  # growth ~ dt |c_fv| / diag = 4e4
    with pytest.raises(KernelError, match="NaN"):
        fit_tail(T, np.where(T > 2, np.inf, K), t_min=1.0)
    with pytest.raises(KernelError, match="one length"):
        diffusion_coefficient(T, K[:-3], t_min=1.0)


# ---- property: random bad arrays give finite results or a QCBridgeError, never NaN ----

SPECIAL = [0.0, np.nan, np.inf, -np.inf, 1e-310, 1e200, -1e200, 1e300]


@st.composite
def series(draw, shape):
    """An array that is random, zero, constant, rescaled by 10^±300 or spiked with a special value."""
    base = draw(arrays(float, shape, elements=st.floats(-10, 10, allow_nan=False, allow_infinity=False)))
    how = draw(st.sampled_from(["random", "zeros", "constant", "scaled", "spiked", "tiny"]))
    if how == "zeros":
        return np.zeros(shape)
    if how == "constant":
        return np.full(shape, draw(st.sampled_from(SPECIAL + [0.5])))
    if how == "scaled":
        return base * 10.0 ** draw(st.integers(-300, 300))
    if how == "tiny":
        return base * 1e-320
    if how == "spiked":
        out = base.copy()
        out.flat[draw(st.integers(0, out.size - 1))] = draw(st.sampled_from(SPECIAL))
        return out
    return base


@st.composite
def matrix_inputs(draw):
    n, m, d = draw(st.integers(3, 30)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    a = draw(series((n, m, d)))
    da = draw(st.one_of(st.none(), series((n, m, d))))
    return a, da, draw(st.sampled_from([0.1, np.nan, np.arange(n) * 0.1]))


def _check_matrix(a, da, dt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingForceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            r = estimate_matrix_kernel(a, dt, derivative=da)
        except QCBridgeError:
            return
    assert np.all(np.isfinite(r.kernel)) and np.all(np.isfinite(r.omega)) and not np.any(np.isnan(r.kernel_err))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix_inputs())
def test_random_bad_observables_never_give_nan_without_an_error(inputs):
    _check_matrix(*inputs)
