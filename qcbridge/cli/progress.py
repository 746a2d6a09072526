"""Progress bars of the command line (stderr)."""

from __future__ import annotations

import sys


class ProgressBar:
    """A one-line progress bar on stderr for long reads (bytes read of bytes total)."""

    def __init__(self, label: str, enabled: bool = True):
        import time

        self.label, self.enabled, self.clock, self.last = label, enabled, time.perf_counter, -1.0
        self.t0: float | None = None  # perf_counter time of the first call (s)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        self.t0 = now if self.t0 is None else self.t0
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        frac = done / total if total else 1.0
        bar = "#" * int(30 * frac)
        rate = done / 1e6 / max(now - self.t0, 1e-9)
        print(f"\r{self.label} [{bar:<30}] {100 * frac:5.1f} % {done / 1e6:8.1f} MB {rate:6.1f} MB/s",
              end="" if done < total else "\n", file=sys.stderr, flush=True)




class StepProgress:
    """A one-line progress bar on stderr over the steps of a path, with the latest result, the
    elapsed time and an estimate of the time left."""

    def __init__(self, label: str, enabled: bool = True):
        import time

        self.label, self.enabled, self.clock = label, enabled, time.perf_counter
        self.t0 = self.clock()

    def __call__(self, done: int, total: int, text: str = "") -> None:
        if not self.enabled:
            return
        elapsed = self.clock() - self.t0
        left = elapsed / done * (total - done) if done else float("nan")
        bar = "#" * int(30 * done / max(total, 1))
        print(f"\r{self.label} [{bar:<30}] {done}/{total} {text} {elapsed:7.0f} s, ~{left:5.0f} s left",
              end="" if done < total else "\n", file=sys.stderr, flush=True)
