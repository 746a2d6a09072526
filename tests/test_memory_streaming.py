"""Kernels from trajectories streamed in chunks equal the kernels of the whole arrays."""

import numpy as np
import pytest

from qcbridge.errors import KernelError
from qcbridge.memory import KernelFit, estimate_kernel, sample_gle
from qcbridge.memory.streaming import KernelAccumulator


@pytest.fixture(scope="module")
def gle():
    fit = KernelFit(c=np.array([2.0]), g=np.array([1.0]), w=np.array([0.0]), mass=1.0, kT=1.0)
    v, f = sample_gle(fit, 0.05, 3000, n_samples=16, rng=4)
    return v, f


@pytest.mark.filterwarnings("ignore::qcbridge.errors.DiscretisationWarning")  # the first kind at this dt
@pytest.mark.parametrize("chunk", [37, 250, 3000])
@pytest.mark.parametrize("kind", ["second", "first", "integral"])
def test_streamed_kernel_equals_the_whole_arrays(gle, chunk, kind):
    v, f = gle
    whole = estimate_kernel(v, 0.05, force=f, mass=1.0, max_time=5.0, kind=kind)
    acc = KernelAccumulator(100, kind)
    for i in range(0, len(v), chunk):
        acc.add(v[i:i + chunk], f[i:i + chunk])
    streamed = acc.result(0.05, mass=1.0)
    scale = np.abs(whole.gamma).max()
    assert np.abs(streamed.gamma - whole.gamma).max() < 1e-9 * scale
    assert np.allclose(streamed.gamma_err, whole.gamma_err, rtol=1e-6)
    assert streamed.kT == pytest.approx(whole.kT, rel=1e-12)
    assert streamed.refine == whole.refine


def test_accumulator_keeps_only_the_last_max_lag_frames(gle):
    v, f = gle
    acc = KernelAccumulator(100)
    acc.add(v[:1000], f[:1000])
    assert acc._tail_v.shape == (100, 16) and acc._sums["vv"].shape == (101, 16)


def test_accumulator_bad_input_is_named(gle):
    v, f = gle
    with pytest.raises(KernelError, match="needs the forces"):
        KernelAccumulator(10).add(v[:50])
    acc = KernelAccumulator(10)
    acc.add(v[:50], f[:50])
    with pytest.raises(KernelError, match="sample columns"):
        acc.add(v[:50, :3], f[:50, :3])
    short = KernelAccumulator(100)
    short.add(v[:60], f[:60])
    with pytest.raises(KernelError, match="fewer than max_lag"):
        short.result(0.05, mass=1.0)


def test_accumulator_checks_frame_times_across_chunks(gle):
    from qcbridge.errors import NonUniformTimeStepError

    v, f = gle
    acc = KernelAccumulator(10)
    acc.add(v[:50], f[:50], times=0.05 * np.arange(50))
    acc.add(v[50:100], f[50:100], times=0.05 * np.arange(50, 100))  # continues evenly: accepted
    with pytest.raises(NonUniformTimeStepError):
        acc.add(v[100:150], f[100:150], times=0.05 * np.arange(101, 151))  # one frame missing at the join
    with pytest.raises(KernelError, match="one time per frame"):
        acc.add(v[:5], f[:5], times=np.arange(4.0))
