"""Peak memory of a memory-kernel estimate: whole trajectory in memory against streamed chunks.

    python benchmarks/kernel_streaming.py [--atoms-cells 8] [--frames 3000] [--tmp DIR] [--record]

LAMMPS runs liquid argon (LJ, 4 n^3 atoms, 94.4 K) and writes a text dump of velocities and
forces every 10 fs. The kernel of every atom's velocity components (1 ps, 100 lags) is then
estimated twice, each in a fresh process that reports its own peak resident memory (max RSS):
``qcbridge kernel`` on the whole file, and ``qcbridge kernel --stream 200`` (200 frames at a
time). Printed: peak RSS of both, the ratio, the largest difference of the two kernels
(relative to Gamma(0)) and the wall times.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qcbridge.io.results import write_results

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
CHILD = """
import resource, sys, time
from qcbridge.cli import main
t0 = time.perf_counter()
code = main(sys.argv[1:])
print("CHILD", code, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def write_dump(path: Path, cells: int, frames: int) -> int:
    """Liquid argon (LJ, metal units) dumped every 10 fs; returns the number of atoms."""
    from qcbridge.engines.instance import LammpsInstance

    with LammpsInstance() as inst:
        inst.commands([
            "units metal", "atom_style atomic", "lattice fcc 5.8", f"region box block 0 {cells} 0 {cells} 0 {cells}",
            "create_box 1 box", "create_atoms 1 box", "mass 1 39.948", "pair_style lj/cut 8.5",
            "pair_coeff 1 1 0.0104 3.405", "velocity all create 188.8 7", "timestep 0.002",
            "fix nve all nve", "fix heat all langevin 94.4 94.4 0.2 7", "run 3000", "unfix heat", "run 1000",
            "reset_timestep 0",
            f"dump d all custom 5 {path} id type vx vy vz fx fy fz",
            "dump_modify d sort id format float %.8g", f"run {5 * (frames - 1)}",
        ])
        return int(inst.natoms)


def estimate(path: Path, out: Path, stream: int | None) -> dict:
    args = ["kernel", str(path), "--timestep", "0.002", "--masses", "1:39.948", "--max-time", "1000", "--quiet",
            "--out", str(out)]
    if stream:
        args += ["--stream", str(stream)]
    run = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True)
    line = next(x for x in run.stdout.splitlines() if x.startswith("CHILD"))
    _, code, seconds, rss = line.split()
    return {"exit": int(code), "seconds": float(seconds), "peak_rss_MB": float(rss)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--atoms-cells", type=int, default=8, help="fcc cells per side (4 n^3 atoms)")
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--tmp", type=Path, default=None)
    parser.add_argument("--record", action="store_true", help="write docs/results/kernel_streaming.json")
    args = parser.parse_args()
    import numpy as np

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        dump = Path(tmp) / "argon.dump"
        t0 = time.perf_counter()
        atoms = write_dump(dump, args.atoms_cells, args.frames)
        size_mb = dump.stat().st_size / 2**20
        print(f"dump: {atoms} atoms x {args.frames} frames, {size_mb:.0f} MB, written in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        whole = estimate(dump, Path(tmp) / "whole.npz", None)
        print(f"whole file : {whole['peak_rss_MB']:.0f} MB peak, {whole['seconds']:.1f} s", flush=True)
        stream = estimate(dump, Path(tmp) / "stream.npz", 200)
        print(f"streamed   : {stream['peak_rss_MB']:.0f} MB peak, {stream['seconds']:.1f} s", flush=True)
        a, b = np.load(Path(tmp) / "whole.npz"), np.load(Path(tmp) / "stream.npz")
        diff = float(np.abs(a["gamma"] - b["gamma"]).max() / abs(a["gamma"][0]))
    out = {"atoms": atoms, "frames": args.frames, "dump_MB": size_mb, "lags": 100, "whole": whole, "stream": stream,
           "rss_ratio": whole["peak_rss_MB"] / stream["peak_rss_MB"], "max_difference_over_gamma0": diff}
    print(f"peak memory whole / streamed = {out['rss_ratio']:.1f}; largest kernel difference {diff:.2g} of Gamma(0)")
    print(json.dumps(out))
    if args.record:
        write_results(RESULTS / "kernel_streaming.json", out, script="benchmarks/kernel_streaming.py")


if __name__ == "__main__":
    main()
