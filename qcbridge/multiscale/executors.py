"""Independent bursts on any ``concurrent.futures.Executor``: in this process, a process pool,
Dask, MPI.

Bursts of a macro-micro driver (stress cells at the quadrature points of a macro step, the
stages of a projective step) do not depend on each other. :func:`run_bursts` submits them to
an executor and collects the results in input order:

- ``None`` or :class:`SerialExecutor`: one after the other in this process;
- ``concurrent.futures.ProcessPoolExecutor(n)``: ``n`` worker processes on this machine;
- Dask: ``distributed.Client(address).get_executor()`` (a ``LocalCluster`` or any scheduler);
- MPI: ``mpi4py.futures.MPIPoolExecutor()`` on a cluster.

A burst that raises (other than for bad input, a ``ValueError``, which would fail the same way
again) is submitted again up to ``retries`` times, then reported as a
:class:`~qcbridge.errors.BurstError` that carries its input and the last error; nothing is
dropped silently. A worker that dies (a segmentation fault, the out-of-memory killer) breaks a
process pool and every burst in flight with it; each of those bursts is then run alone in a
fresh one-process pool, so that the one that kills its worker is named.

:class:`WarmBurst` keeps one instance of an expensive burst object (a LAMMPS cell, say) per
worker process: the first call in a process builds it, later calls there reuse it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Any, Generic, TypeVar

from ..errors import BurstError, MultiscaleError

__all__ = ["SerialExecutor", "WarmBurst", "run_bursts"]

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


class SerialExecutor(Executor):
    """An executor that runs each call at once, in this process (deterministic, no pickling)."""

    def submit(self, fn: Callable[..., Out], /, *args: Any, **kwargs: Any) -> Future[Out]:
        """Run ``fn`` with the given arguments now; a finished future holds its result or error."""
        future: Future[Out] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the future carries the error to the caller, as a pool's would
            future.set_exception(exc)
        return future


@lru_cache(maxsize=8)
def _built(factory: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """The object ``factory(*args)`` of this process, built on first use (per-process cache)."""
    return factory(*args)


class WarmBurst(Generic[In, Out]):
    """A picklable burst that builds its expensive state once per worker process.

    Parameters
    ----------
    factory : callable
        Builds the state, e.g. a :class:`~qcbridge.multiscale.bursts.StressBurst`; must be
        picklable (a class or a module-level function) and hashable with its ``args``.
    args : tuple
        Arguments of ``factory`` (hashable).
    call : callable
        ``call(state, x)`` runs one burst for input ``x`` with the process's state.
    """

    def __init__(self, factory: Callable[..., Any], args: tuple[Any, ...], call: Callable[[Any, In], Out]):
        self.factory, self.args, self.call = factory, tuple(args), call

    def __call__(self, x: In) -> Out:
        return self.call(_built(self.factory, self.args), x)


def _isolated(fn: Callable[[In], Out], x: In) -> Out:
    """``fn(x)`` alone in a fresh one-process pool; BurstError if that process dies."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(fn, x).result()
        except BrokenProcessPool as exc:
            raise BurstError(f"the worker running this input died ({exc}): {x!r}", x) from exc


def run_bursts(fn: Callable[[In], Out], inputs: Iterable[In], *, executor: Executor | None = None,
               retries: int = 1, progress: Callable[[int, int], None] | None = None) -> list[Out]:
    """``[fn(x) for x in inputs]`` through an executor, in input order, with retries.

    Parameters
    ----------
    fn : callable
        One burst; picklable for process, Dask and MPI executors.
    inputs : iterable
        Burst inputs (picklable likewise).
    executor : concurrent.futures.Executor, optional
        Where the bursts run (default: :class:`SerialExecutor`). The caller owns it (and shuts it
        down); a pool broken by a dying worker is not used again by this call.
    retries : int
        Resubmissions of a burst that raised, before it is reported.
    progress : callable, optional
        ``progress(done, total)`` after each burst.

    Returns
    -------
    list
        ``fn(x)`` for every input, in input order.

    Raises
    ------
    BurstError
        A burst still failing after ``retries`` resubmissions, or whose worker died; it carries
        the input (``.inputs``) and the cause.
    """
    if retries < 0:
        raise MultiscaleError(f"retries must be >= 0, got {retries}")
    items: Sequence[In] = list(inputs)
    pool = executor if executor is not None else SerialExecutor()
    results: dict[int, Out] = {}
    attempts = dict.fromkeys(range(len(items)), 0)
    pending = {pool.submit(fn, items[i]): i for i in range(len(items))}
    broken: list[int] = []
    while pending:
        future = next(iter(pending))
        i = pending.pop(future)
        try:
            results[i] = future.result()
        except BrokenProcessPool:
            broken.append(i)
            continue
        except Exception as exc:
            attempts[i] += 1
            if attempts[i] > retries or isinstance(exc, ValueError):  # bad input fails the same way again
                raise BurstError(f"burst {i} failed {attempts[i]} time(s), last with {type(exc).__name__}: {exc}; "
                                 f"input: {items[i]!r}", items[i]) from exc
            log.warning("burst %d failed (%s: %s); resubmitting (%d of %d)", i, type(exc).__name__, exc, attempts[i],
                        retries)
            pending[pool.submit(fn, items[i])] = i
            continue
        if progress is not None:
            progress(len(results), len(items))
    for i in sorted(broken):  # a worker died: run each burst that was in flight alone, to find the culprit
        log.warning("a worker died while burst %d was in flight; running it alone", i)
        results[i] = _isolated(fn, items[i])
        if progress is not None:
            progress(len(results), len(items))
    return [results[i] for i in range(len(items))]
