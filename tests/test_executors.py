"""Bursts on executors: the same numbers in this process and in a process pool, retries of a
burst that fails once, a named error for one that keeps failing or kills its worker, and warm
per-process state."""

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from qcbridge.errors import BurstError, MultiscaleError
from qcbridge.multiscale.executors import SerialExecutor, WarmBurst, run_bursts


def seeded_burst(x: tuple[int, float]) -> float:
    """A stochastic burst whose numbers depend only on its seed and input."""
    seed, scale = x
    return float(np.random.default_rng(seed).normal(size=1000).mean() * scale)


def fails_once(x: tuple[str, int]) -> int:
    marker, value = x
    path = Path(f"{marker}-{value}")
    if value == 3 and not path.exists():
        path.write_text("failed once")
        raise RuntimeError("lost atoms")
    return value * value


def always_fails_on_three(value: int) -> int:
    if value == 3:
        raise FloatingPointError("NaN in the stress")
    return value


def dies_on_two(value: int) -> int:
    if value == 2:
        os._exit(7)  # a worker killed outright, as by a segmentation fault
    return value + 100


class Counter:
    builds = 0

    def __init__(self, offset: int):
        Counter.builds += 1
        self.offset = offset


def add_offset(state: Counter, x: int) -> tuple[int, int]:
    return x + state.offset, os.getpid()


INPUTS = [(seed, 1.0 + seed) for seed in range(8)]


def test_serial_and_process_pool_give_identical_numbers():
    serial = run_bursts(seeded_burst, INPUTS)
    with ProcessPoolExecutor(2) as pool:
        parallel = run_bursts(seeded_burst, INPUTS, executor=pool)
    assert serial == parallel  # bit for bit, in input order
    assert serial == [seeded_burst(x) for x in INPUTS]


def test_a_burst_that_fails_once_is_retried(tmp_path):
    done = []
    out = run_bursts(fails_once, [(str(tmp_path / "m"), v) for v in range(5)], retries=1,
                     progress=lambda d, t: done.append((d, t)))
    assert out == [0, 1, 4, 9, 16] and done[-1] == (5, 5)


def test_a_burst_that_keeps_failing_is_named_with_its_input():
    with pytest.raises(BurstError, match="burst 3 failed 2 time") as info:
        run_bursts(always_fails_on_three, range(6), retries=1)
    assert info.value.inputs == 3 and "NaN in the stress" in str(info.value)
    with pytest.raises(MultiscaleError):
        run_bursts(always_fails_on_three, range(2), retries=-1)


def test_a_worker_that_dies_is_named_with_the_input_that_killed_it():
    with ProcessPoolExecutor(2) as pool, pytest.raises(BurstError, match="died") as info:
        run_bursts(dies_on_two, range(5), executor=pool)
    assert info.value.inputs == 2


def test_warm_burst_builds_its_state_once_per_process():
    Counter.builds = 0
    burst = WarmBurst(Counter, (10,), add_offset)
    out = run_bursts(burst, range(6), executor=SerialExecutor())
    assert [o[0] for o in out] == list(range(10, 16)) and Counter.builds == 1
    with ProcessPoolExecutor(2) as pool:
        out = run_bursts(burst, range(6), executor=pool)
    assert [o[0] for o in out] == list(range(10, 16)) and len({o[1] for o in out}) <= 2


def test_dask_local_cluster_gives_the_same_numbers():
    distributed = pytest.importorskip("distributed")
    serial = run_bursts(seeded_burst, INPUTS)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        assert run_bursts(seeded_burst, INPUTS, executor=client.get_executor()) == serial
