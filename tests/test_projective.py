"""Equation-free projective integration and patch dynamics against independent references: exact
slow solutions (logistic growth, x' = -sin x), a stiff Radau solution of the full fine model, the
exact decay of a Fourier mode of the heat equation, and measured convergence rates."""

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from qcbridge.errors import BurstError, MultiscaleError, StabilityWarning
from qcbridge.multiscale.patch import Teeth, gap_tooth_step, heat_stepper, patch_burst
from qcbridge.multiscale.projective import projective_integrate


def rk4_burst(rhs, h_max, counter=None):
    """A burst of the fine model u' = rhs(u) by classical RK4 steps of at most h_max, every step sampled."""

    def burst(state, duration):
        n = max(1, math.ceil(duration / h_max - 1e-9))
        h = duration / n
        out = np.empty((n + 1, *np.shape(state)))
        u = out[0] = np.array(state, dtype=float)
        for i in range(n):
            k1 = rhs(u)
            k2 = rhs(u + 0.5 * h * k1)
            k3 = rhs(u + 0.5 * h * k2)
            k4 = rhs(u + h * k3)
            u = out[i + 1] = u + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if counter is not None:
            counter[0] += n
        return h * np.arange(n + 1), out

    return burst


def decay_burst(state, duration):
    """Exact samples of x' = -x (11 per burst)."""
    t = np.linspace(0.0, duration, 11)
    return t, np.exp(-t).reshape(-1, *[1] * np.ndim(state)) * state


# --- orders ---------------------------------------------------------------------------------------

EPS_ORDER = 1e-5


def _mixed_logistic(u):
    """Fine model with a slow logistic mode a' = a (1 - a) and a fast mode b' = -(1 + a^2) b / eps,
    seen through the mixed coordinates x = a + b, y = a - b; the slow manifold is b = 0."""
    a, b = 0.5 * (u[0] + u[1]), 0.5 * (u[0] - u[1])
    da, db = a * (1 - a), -(1 + a * a) * b / EPS_ORDER
    return np.array([da + db, da - db])


@pytest.mark.parametrize("method, order, steps", [
    ("PFE", 1, (0.02, 0.04, 0.08, 0.16)),
    ("PIRK2", 2, (0.02, 0.04, 0.08, 0.16)),
    # larger steps: at 0.02 the PIRK4 error (1e-10) meets the round-off of the slope fits
    ("PIRK4", 4, (0.05, 0.1, 0.2, 0.4)),
])
def test_convergence_order_against_the_exact_slow_solution(method, order, steps):
    a0, b0, t_end = 0.1, 0.01, 4.0
    exact = 1 / (1 + (1 / a0 - 1) * math.exp(-t_end))  # logistic; b decays to 0 like exp(-t/eps)
    burst = rk4_burst(_mixed_logistic, EPS_ORDER)
    errors = []
    for dt in steps:
        with warnings.catch_warnings():
            warnings.simplefilter("error", StabilityWarning)
            times, states = projective_integrate(burst, np.array([a0 + b0, a0 - b0]), t_end, method=method,
                                                 burst_time=40 * EPS_ORDER, outer_step=dt, fit_degree=3)
        assert times[-1] == t_end and states.shape == (len(times), 2)
        errors.append(max(abs(states[-1, 0] - exact), abs(states[-1, 1] - exact)))
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    shown = ", ".join(f"{e:.2e}" for e in errors)
    print(f"\n{method}: errors {shown} at outer steps {steps}, log-log slope {slope:.3f}")
    assert abs(slope - order) < 0.3


# --- stability on a stiff fast-slow system --------------------------------------------------------

EPS_STIFF = 1e-4


def _fast_slow(u):
    """x' = -y, y' = -(y - sin x) / eps: slow manifold y = sin x + O(eps), reduced x' = -sin x."""
    return np.array([-u[1], -(u[1] - math.sin(u[0])) / EPS_STIFF])


def test_projective_integration_is_stable_where_explicit_euler_blows_up():
    u0, t_end, dt = np.array([1.0, 0.0]), 2.0, 0.05
    reference = solve_ivp(lambda t, u: _fast_slow(u), (0, t_end), u0, method="Radau", rtol=1e-11,
                          atol=1e-13).y[:, -1]
    reduced = 2 * math.atan(math.tan(0.5) * math.exp(-t_end))  # exact slow solution, O(eps) from the fine one
    assert abs(reference[0] - reduced) < 3e-5

    u = u0.copy()  # explicit Euler with the outer step: |1 - dt / eps| = 499 per step
    with np.errstate(over="ignore"):
        for _ in range(4):
            u = u + dt * _fast_slow(u)
    assert abs(u[1]) > 1e9

    fine_steps = [0]
    burst = rk4_burst(_fast_slow, EPS_STIFF, fine_steps)
    errors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", StabilityWarning)
        for method in ("PFE", "PIRK4"):
            fine_steps[0] = 0
            _, states = projective_integrate(burst, u0, t_end, method=method, burst_time=20 * EPS_STIFF,
                                             outer_step=dt)
            errors[method] = np.abs(states[-1] - reference).max()
            print(f"\n{method}, outer step {dt}: error {errors[method]:.2e}, {fine_steps[0]} fine steps "
                  f"(direct: {t_end / EPS_STIFF:.0f}); explicit Euler |y| after 4 steps {abs(u[1]):.1e}")
            assert np.all(np.abs(states) < 2)
            assert fine_steps[0] <= 0.2 * t_end / EPS_STIFF
        # coarse variable x only, lifted onto the leading-order manifold: an O(eps) lifting error
        _, coarse = projective_integrate(burst, 1.0, t_end, method="PIRK4", burst_time=20 * EPS_STIFF, outer_step=dt,
                                         lift=lambda x: np.array([x, math.sin(x)]), restrict=lambda u: u[0])
    assert errors["PFE"] < 1e-2 and errors["PIRK4"] < 1e-6
    assert abs(coarse[-1] - reference[0]) < 1e-4


def test_stability_warnings_carry_the_estimate():
    with pytest.warns(StabilityWarning, match=r"slow mode \(rate -[01]\.\d+ 1/time.*stable for outer_step <= 2\.2"):
        projective_integrate(decay_burst, np.array([1.0]), 20.0, method="PFE", burst_time=0.1, outer_step=2.5)
    with warnings.catch_warnings():  # |1 - 1.4| e^-0.1 < 1: stable, no warning
        warnings.simplefilter("error", StabilityWarning)
        projective_integrate(decay_burst, np.array([1.0]), 20.0, method="PFE", burst_time=0.1, outer_step=1.5)
    # a burst of 6 fast times damps the fast mode by e^-3 only: the projection amplifies it
    burst = rk4_burst(_fast_slow, EPS_STIFF / 5)
    with pytest.warns(StabilityWarning, match=r"fast mode \(rate -(9999|1e\+04) 1/time.*lengthen burst_time"):
        _, states = projective_integrate(burst, np.array([1.0, 0.0]), 0.5, method="PFE", burst_time=6 * EPS_STIFF,
                                         outer_step=0.05)
    assert np.abs(states[-1]).max() > 100  # and indeed it grows


# --- gap-tooth and patch dynamics -----------------------------------------------------------------

def test_gap_tooth_and_patch_dynamics_follow_the_decay_of_a_fourier_mode():
    length, diffusivity, n = 1.0, 1.0, 20
    teeth = Teeth(length, n, 0.2 * length / n, 5)
    k = 2 * np.pi / length
    fine_dt = 0.4 * teeth.fine_spacing**2 / diffusivity
    steps = [0]
    heat = heat_stepper(teeth, diffusivity)

    def fine_step(u, gradients, dt):
        steps[0] += 1
        return heat(u, gradients, dt)

    x, h = teeth.centres, teeth.width
    u0 = np.sin(k * x) * math.sin(k * h / 2) / (k * h / 2)  # tooth averages of sin(k x)
    t_end = 0.08
    exact = math.exp(-diffusivity * k * k * t_end)  # 0.042
    lam = -diffusivity * (2 - 2 * math.cos(k * teeth.spacing)) / teeth.spacing**2
    fine_work = t_end / fine_dt * length / teeth.fine_spacing  # cell updates of the fine model everywhere

    def decay(u):
        return np.dot(u, np.sin(k * x)) / np.dot(u0, np.sin(k * x))

    coarse_step = teeth.spacing**2 / (10 * diffusivity)
    u = u0
    for _ in range(round(t_end / coarse_step)):
        u = gap_tooth_step(teeth, u, fine_step, duration=coarse_step, fine_dt=fine_dt)
    gap_tooth = (decay(u), steps[0] * n * teeth.n_fine / fine_work)

    steps[0] = 0
    burst = patch_burst(teeth, fine_step, fine_dt=fine_dt, sample_every=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StabilityWarning)
        _, states = projective_integrate(burst, u0, t_end, method="PIRK4", burst_time=5e-5, outer_step=1.5e-3)
    patch = (decay(states[-1]), steps[0] * n * teeth.n_fine / fine_work)
    print(f"\nFourier mode decay over t = {t_end}: exact {exact:.5f}, coarse finite differences "
          f"{math.exp(lam * t_end):.5f}; gap-tooth {gap_tooth[0]:.5f} with {gap_tooth[1]:.3f} of the fine work, "
          f"patch dynamics (PIRK4) {patch[0]:.5f} with {patch[1]:.4f}")
    assert gap_tooth[0] == pytest.approx(exact, rel=0.04) and gap_tooth[1] == pytest.approx(0.2, rel=0.02)
    assert patch[0] == pytest.approx(exact, rel=0.04) and patch[1] < 0.05
    assert patch[0] == pytest.approx(math.exp(lam * t_end), rel=2e-3)  # the coarse scheme it integrates


def test_teeth_lift_restrict_and_boundary_gradients():
    teeth = Teeth(2.0, 16, 0.05, 8)
    rng = np.random.default_rng(1)
    u = rng.normal(size=16)
    assert np.allclose(teeth.restrict(teeth.lift(u)), u)
    k = np.pi
    x = teeth.centres
    g = teeth.edge_gradients(np.sin(k * x))
    assert np.allclose(g, k * np.cos(k * (x[:, None] + [-0.025, 0.025])), rtol=0, atol=0.1)  # O(Dx^2)
    heat = heat_stepper(teeth, 1.0)
    with pytest.raises(MultiscaleError, match="stability"):
        heat(teeth.lift(u), g, teeth.fine_spacing**2)
    with pytest.raises(MultiscaleError, match="width"):
        Teeth(1.0, 10, 0.2, 4)

    def bad_step(u, gradients, dt):
        return u * np.nan

    with pytest.raises(BurstError) as info:
        gap_tooth_step(teeth, u, bad_step, duration=1e-3, fine_dt=1e-4)
    assert np.array_equal(info.value.inputs[0], u) and info.value.inputs[1] == 1e-3


# --- outer steps, bad input -----------------------------------------------------------------------

def test_steps_land_on_t_end_and_report_progress():
    calls = []
    times, states = projective_integrate(decay_burst, 1.0, 1.03, method="PIRK4", burst_time=0.05, outer_step=0.1,
                                         progress=lambda done, total: calls.append((done, total)))
    assert np.allclose(times, np.append(0.1 * np.arange(11), 1.03)) and times[-1] == 1.03
    assert states.shape == (12,) and states[0] == 1.0
    assert states[-1] == pytest.approx(math.exp(-1.03), rel=1e-3)
    assert states[-1] == pytest.approx(states[-2] * math.exp(-0.03), rel=1e-14)  # last 0.03 <= burst: fine model
    assert calls == [(i, 11) for i in range(1, 12)]


def _run(burst, **kw):
    args = dict(method="PFE", burst_time=0.1, outer_step=0.5)
    args.update(kw)
    return projective_integrate(burst, np.array([1.0, 2.0]), 2.0, **args)


def test_bad_bursts_raise_burst_error_with_the_inputs():
    def wrong_shape(state, duration):
        return np.linspace(0, duration, 5), np.zeros((5, 3))

    def lost_atoms(state, duration):
        t, s = decay_burst(state, duration)
        s[4, 1] = np.nan
        return t, s

    def backwards(state, duration):
        t, s = decay_burst(state, duration)
        return t[::-1], s

    def crashes(state, duration):
        raise RuntimeError("worker died")

    for burst, match in ((wrong_shape, "shape"), (lost_atoms, "NaN"), (backwards, "increase"),
                         (crashes, "worker died")):
        with pytest.raises(BurstError, match=match) as info:
            _run(burst, lift=lambda x: 2 * x, restrict=lambda u: u / 2)
        state, duration = info.value.inputs
        assert np.array_equal(state, [2.0, 4.0]) and duration == 0.1  # the lifted state of x0
    with pytest.raises(BurstError, match="healing"):
        _run(decay_burst, healing=0.09, fit_degree=2)


def test_bad_arguments_raise_multiscale_error():
    with pytest.raises(MultiscaleError, match="PFE, PIRK2, PIRK4"):
        _run(decay_burst, method="RK4")
    with pytest.raises(MultiscaleError, match="longer than burst_time"):
        _run(decay_burst, outer_step=0.1)
    with pytest.raises(MultiscaleError, match="t_end"):
        projective_integrate(decay_burst, 1.0, 0.0, method="PFE", burst_time=0.1, outer_step=0.5)
    with pytest.raises(MultiscaleError, match="NaN"):
        projective_integrate(decay_burst, [1.0, np.nan], 1.0, method="PFE", burst_time=0.1, outer_step=0.5)
    with pytest.raises(MultiscaleError, match="restrict"):
        _run(decay_burst, restrict=lambda u: u[:1])
