"""Bad input to the kernel estimators and fits: each case raises a KernelError that says what is
wrong (before, these gave NaN kernels, silently wrong kernels or raw numpy errors), and random
bad arrays never give NaN without an error (hypothesis)."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qcbridge.errors import KernelError, MissingForceWarning, QCBridgeError
from qcbridge.memory import (
    KernelFit,
    correlation,
    diffusion_coefficient,
    estimate_kernel,
    estimate_matrix_kernel,
    fit_kernel,
    fit_tail,
    invert_first_kind,
    invert_running_integral,
    invert_second_kind,
    sample_gle,
)

RNG = np.random.default_rng(0)
V, F = RNG.standard_normal((200, 4)), RNG.standard_normal((200, 4))
T = np.linspace(0, 5, 101)
K = np.exp(-T)


def _nan_at(a, frame):
    b = a.copy()
    b[frame, 0] = np.nan
    return b


BAD_ESTIMATES = {
    "all-zero velocity": (dict(velocity=np.zeros((200, 4)), force=F), "velocity is zero in every frame"),
    "constant velocity": (dict(velocity=np.full((200, 4), 0.3), force=F), "velocity sample 0 is constant"),
    "one frozen sample": (dict(velocity=np.c_[V[:, :3], np.zeros(200)], force=F), "velocity sample 3 is constant"),
    "all-zero force": (dict(velocity=V, force=np.zeros_like(V)), "force is zero in every frame"),
    "x 1e200": (dict(velocity=V * 1e200, force=F * 1e200), r"largest \|velocity\| is .*e\+200.*units"),
    "x 1e-200": (dict(velocity=V * 1e-200, force=F * 1e-200), r"largest \|velocity\| is .*e-200"),
    "NaN force": (dict(velocity=V, force=_nan_at(F, 7)), "force contains NaN .* frame 7"),
    "inf velocity": (dict(velocity=np.where(np.arange(200)[:, None] == 3, np.inf, V), force=F), "frame 3"),
    "force frames differ": (dict(velocity=V, force=F[:150]), r"shapes differ: \(200, 4\) vs \(150, 4\)"),
    "too few frame times": (dict(velocity=V, force=F, dt=np.arange(150) * 0.1), "150 frame times .* 200 frames"),
    "mass inf": (dict(velocity=V, force=F, mass=np.inf), "mass must be positive and finite"),
    "mass NaN": (dict(velocity=V, force=F, mass=np.nan), "mass must be positive and finite"),
    "kT negative": (dict(velocity=V, force=F, kT=-1.0), "kT must be positive"),
    "max_time NaN": (dict(velocity=V, force=F, max_time=np.nan), "max_time must be positive"),
    "n_blocks 0": (dict(velocity=V, force=F, n_blocks=0), "n_blocks must be a positive integer"),
    "no runs": (dict(velocity=[], force=None), "no velocity runs"),
    "text": (dict(velocity=np.array([["a", "b"]] * 10), force=None), "array of numbers"),
}


@pytest.mark.parametrize("case", BAD_ESTIMATES, ids=list(BAD_ESTIMATES))
def test_bad_input_to_estimate_kernel_is_a_named_kernel_error(case):
    kwargs, message = BAD_ESTIMATES[case]
    kwargs = {"dt": 0.1, "mass": 1.0, **kwargs}
    with pytest.raises(KernelError, match=message):
        estimate_kernel(kwargs.pop("velocity"), kwargs.pop("dt"), **kwargs)


def test_bad_input_to_the_matrix_kernel_and_the_fit_is_a_named_kernel_error():
    pair = np.stack([V, F], axis=-1)
    with pytest.raises(KernelError, match="singular .* linearly dependent"):
        estimate_matrix_kernel(np.stack([V, V], -1), 0.1, derivative=np.stack([F, F], -1))
    with pytest.raises(KernelError, match="observable is zero"):
        estimate_matrix_kernel(np.zeros((200, 4, 2)), 0.1, derivative=pair)
    with pytest.raises(KernelError, match="largest"):
        estimate_matrix_kernel(pair * 1e200, 0.1, derivative=pair[..., ::-1] * 1e200)
    with pytest.raises(KernelError, match="150 frame times"):
        estimate_matrix_kernel(pair, np.arange(150) * 0.1, derivative=pair)
    with pytest.raises(KernelError, match="NaN"):
        fit_kernel(T, np.where(T > 1, np.nan, K))
    with pytest.raises(KernelError, match="one length"):
        fit_kernel(T, K[:50])
    with pytest.raises(KernelError, match="increase"):
        fit_kernel(T[::-1], K)
    with pytest.raises(KernelError, match="n_exp must be a non-negative integer"):
        fit_kernel(T, K, n_exp=-1, n_osc=2)
    with pytest.raises(KernelError, match="order one"):
        fit_kernel(T, 1e200 * K, n_osc=0)


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
    with pytest.raises(KernelError, match="dt must be positive"):
        sample_gle(KernelFit([2.0], [2.0], [0.0], mass=1.0, kT=1.0), -1.0, 10)
    with pytest.raises(KernelError, match="equal length"):
        KernelFit([1.0, 2.0], [1.0], [0.0])


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
def estimate_inputs(draw):
    n = draw(st.integers(3, 40))
    m = draw(st.integers(1, 4))
    v = draw(series((n, m)))
    f_shape = draw(st.sampled_from([(n, m), (n, m), (max(n - 1, 1), m), (n, m + 1)]))
    f = draw(st.one_of(st.none(), series(f_shape)))
    dt = draw(st.one_of(st.sampled_from([0.1, 0.0, -1.0, np.nan, np.inf, 1e-300, 1e300]),
                        st.just(np.arange(n) * 0.1), st.just(np.arange(n + 2) * 0.1)))
    mass = draw(st.sampled_from([1.0, 0.0, -2.0, np.nan, np.inf, 1e-300, 1e300, 39.948]))
    kind = draw(st.sampled_from(["second", "first", "integral"]))
    max_time = draw(st.one_of(st.none(), st.sampled_from([0.2, 0.5, 1e300, np.nan, -1.0])))
    kT = draw(st.one_of(st.none(), st.sampled_from([1.0, 0.0, np.nan, 1e-300])))
    return v, f, dt, mass, kind, max_time, kT


def _check_estimate(v, f, dt, mass, kind, max_time, kT):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingForceWarning)
        warnings.simplefilter("error", RuntimeWarning)  # numpy overflow must not leak either
        try:
            r = estimate_kernel(v, dt, force=f, mass=mass, kind=kind, max_time=max_time, kT=kT)
        except QCBridgeError:
            return
    for name in ("t", "gamma", "c_vv", "integral"):
        assert np.all(np.isfinite(getattr(r, name))), name
    assert not np.any(np.isnan(r.gamma_err))
    assert np.isfinite(r.kT) and r.kT > 0 and np.isfinite(r.mass) and r.mass > 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estimate_inputs())
def test_random_bad_arrays_never_give_nan_without_an_error(inputs):
    _check_estimate(*inputs)


@st.composite
def fit_inputs(draw):
    n = draw(st.integers(3, 30))
    k = draw(series((n,)))
    t = draw(st.sampled_from([np.linspace(0, 5, n), np.linspace(0, 5, n)[::-1], np.zeros(n), np.arange(n) * 1e-300]))
    return t, k, draw(st.integers(-1, 2)), draw(st.integers(0, 2))


def _check_fit(t, k, n_exp, n_osc):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            fit = fit_kernel(t, k, n_exp=n_exp, n_osc=n_osc, mass=1.0, kT=1.0, n_tries=2)
        except QCBridgeError:
            return
    assert np.all(np.isfinite(fit(t))) and np.isfinite(fit.integral())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fit_inputs())
def test_random_bad_kernels_fit_finitely_or_raise(inputs):
    _check_fit(*inputs)


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
