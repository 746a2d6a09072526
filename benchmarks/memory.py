"""Speed and memory of the memory-kernel tools.

* Volterra inversions (second kind, first kind, running integral) for 10^4 and 10^5 lags
  (goals: < 1 s and < 30 s for the second kind).
* FFT correlations of 10^7 samples: one series of 10^7 frames, and 10^5 frames x 100
  independent samples.
* LAMMPS text-dump reading: a dump of 2,000 atoms x 250 frames (id type x y z vx vy vz
  fx fy fz, ~55 MB) written once, then read with ``qcbridge.io.read_trajectory``, plain and
  gzip-compressed (the same reader through a decompressing stream); also numpy's own
  ``loadtxt`` on the same bytes as the ceiling of a text parser in numpy.
* Peak resident memory of the whole script (max RSS).

Run: ``python benchmarks/memory.py [--tmp DIR]``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qcbridge.io.results import write_results

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def _timed(fn: Callable[..., Any], *args: Any, **kw: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def inversions() -> dict[str, dict[str, float]]:
    from qcbridge.memory import invert_first_kind, invert_running_integral, invert_second_kind

    out = {}
    for n in (10_000, 100_000):
        t = np.arange(n) * 0.01
        c_vv = np.exp(-t) * np.cos(t)
        c_fv = np.gradient(c_vv, 0.01)
        c_ff = -np.gradient(c_fv, 0.01)
        s2, _ = _timed(invert_second_kind, c_vv[0], c_ff, c_fv, 0.01, 1.0)  # unit mass
        s1, _ = _timed(invert_first_kind, c_vv, c_fv, 1.0, 0.01)
        si, _ = _timed(invert_running_integral, c_vv, c_vv[0] - c_vv, 0.01)
        print(f"inversion {n:>7,} lags: second kind {s2:7.3f} s, first kind {s1:7.3f} s, running integral {si:7.3f} s")
        out[str(n)] = {"second": s2, "first": s1, "integral": si}
    return out


def correlations() -> dict[str, float]:
    from qcbridge.memory import correlation

    rng = np.random.default_rng(0)
    one = rng.standard_normal(10_000_000)
    s1, _ = _timed(correlation, one, one, 1000)
    print(f"correlation 1 x 10^7 frames (1000 lags): {s1:.2f} s")
    many = rng.standard_normal((100_000, 100))
    s2, _ = _timed(correlation, many, many, 1000)
    print(f"correlation 10^5 frames x 100 samples (1000 lags): {s2:.2f} s")
    return {"one_series_s": s1, "many_samples_s": s2}


def dump_reading(tmp: Path) -> dict[str, float]:
    from qcbridge.io import read_trajectory

    n_atoms, n_frames = 2000, 250
    path = tmp / "bench.dump"
    rng = np.random.default_rng(1)
    with open(path, "w") as fh:
        for k in range(n_frames):
            fh.write(f"ITEM: TIMESTEP\n{10 * k}\nITEM: NUMBER OF ATOMS\n{n_atoms}\nITEM: BOX BOUNDS pp pp pp\n"
                     "0 30\n0 30\n0 30\nITEM: ATOMS id type x y z vx vy vz fx fy fz\n")
            block = np.column_stack([rng.permutation(n_atoms) + 1, np.ones(n_atoms), rng.uniform(0, 30, (n_atoms, 3)),
                                     rng.standard_normal((n_atoms, 6))])
            np.savetxt(fh, block, fmt=["%d", "%d"] + ["%.8g"] * 9)
    mb = os.path.getsize(path) / 1e6
    s, traj = _timed(read_trajectory, path, units="metal", timestep=0.001)
    rate = mb / s
    print(f"dump reading: {mb:.1f} MB in {s:.2f} s = {mb / s:.1f} MB/s "
          f"({traj.n_frames} frames x {len(traj.ids)} atoms)")
    packed = tmp / "bench.dump.gz"
    with open(path, "rb") as src, gzip.open(packed, "wb", compresslevel=1) as dst:
        shutil.copyfileobj(src, dst)
    s, _ = _timed(read_trajectory, packed, units="metal", timestep=0.001)
    print(f"  gzip-compressed ({os.path.getsize(packed) / 1e6:.1f} MB on disk): {mb / s:.1f} MB/s of text")
    with open(path, "rb") as fh:
        lines = [ln for ln in fh if not ln.startswith(b"ITEM") and len(ln) > 20]
    s_np, _ = _timed(np.loadtxt, lines)
    print(f"  numpy.loadtxt alone on the atom lines: {mb / s_np:.1f} MB/s")
    return {"mb": mb, "plain_mb_s": rate, "gzip_mb_s": mb / s, "loadtxt_mb_s": mb / s_np}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tmp", type=Path, default=None, help="directory for the temporary dump")
    args = p.parse_args()
    r: dict[str, Any] = {"inversion": inversions(), "correlation": correlations()}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        r["dump"] = dump_reading(Path(tmp))
    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {r['peak_rss_mb']:.0f} MB")
    print(f"wrote {write_results(RESULTS / 'memory.json', r, script='benchmarks/memory.py')}")


if __name__ == "__main__":
    main()
