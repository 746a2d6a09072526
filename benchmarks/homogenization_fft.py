"""FFT cell problem at 256^3: wall time and peak memory on this machine, beside published figures.

    python benchmarks/homogenization_fft.py [--size 256] [--load-cases 6] [--record]

The problem is the one of the muGrid homogenization benchmark (muSpectre project,
``docs/benchmark_homogenization_preconditioner.md`` in muSpectre/muGrid): one spherical
inclusion in a periodic cube, Young's moduli 1 and 10, Poisson's ratio 0.3, six load cases,
tolerance 1e-6. Published there (FE discretisation, CG with an FFT preconditioner): 256^3 in
22.8 s on 92 MPI ranks (AMD MI300A), 128^3 in 153 s on one core. Memory: the standard
FFT-CG solver needs 360 bytes per voxel (Grimm-Strele & Kabel 2019, Comput. Mech.,
doi:10.1007/s00466-019-01713-3; 144 for the basic scheme). Residual definitions differ
between codes (here: the relative equilibrium residual ||G(sigma)|| / |<sigma>|), so the
comparison is of order of magnitude, printed as ratios.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from qcbridge.homogenization import Scheme, homogenize_stiffness
from qcbridge.io.results import write_results
from qcbridge.tensors import isotropic_stiffness

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"

PUBLISHED = {"mugrid_256_s": 22.8, "mugrid_256_ranks": 92, "mugrid_128_one_core_s": 153.0,
             "cg_bytes_per_voxel": 360, "basic_bytes_per_voxel": 144}


def sphere(n: int, radius: float = 0.25) -> np.ndarray:
    axis = (np.arange(n) + 0.5) / n - 0.5
    r2 = axis[:, None, None] ** 2 + axis[None, :, None] ** 2 + axis[None, None, :] ** 2
    return (r2 < radius**2).astype(np.intp)


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--load-cases", type=int, default=6, help="1..6 (6: the full effective tensor)")
    parser.add_argument("--scheme", default="cg", choices=["cg", "basic"])
    parser.add_argument("--record", action="store_true", help="write docs/results/homogenization_fft.json")
    args = parser.parse_args()
    n = args.size
    phases = sphere(n)
    before = peak_rss_bytes()
    stiffness = [isotropic_stiffness(1.0, 0.3), isotropic_stiffness(10.0, 0.3)]
    t0 = time.perf_counter()
    if args.load_cases == 6:
        result = homogenize_stiffness(phases, stiffness, scheme=Scheme(args.scheme), tol=1e-6,
                                      progress=lambda done, total: print(f"  load case {done}/{total} "
                                                                         f"{time.perf_counter() - t0:.1f} s",
                                                                         flush=True))
        iterations, tensor = list(result.iterations), result.tensor
    else:
        from qcbridge.homogenization.phases import stiffness_mandel
        from qcbridge.homogenization.spectral import project_strain, solve_cell

        matrices = stiffness_mandel(stiffness, 3)
        iterations, tensor = [], None
        for i in range(args.load_cases):
            unit = np.zeros(6)
            unit[i] = 1.0
            iterations.append(solve_cell(phases, matrices, unit, project_strain, scheme=Scheme(args.scheme),
                                         tol=1e-6).iterations)
    wall = time.perf_counter() - t0
    peak = peak_rss_bytes()
    voxels = n**3
    from qcbridge.homogenization.fft import RealFFT

    out = {"fft_backend": RealFFT(1, (2, 2)).backend.value,
           "size": n, "voxels": voxels, "load_cases": args.load_cases, "scheme": args.scheme,
           "iterations": iterations, "wall_s": wall, "s_per_iteration": wall / sum(iterations),
           "peak_rss_gb": peak / 1e9, "bytes_per_voxel": (peak - before) / voxels,
           "inclusion_fraction": float(phases.mean()), "published": PUBLISHED}
    if tensor is not None:
        out["C11_C12_C44"] = [float(tensor[0, 0]), float(tensor[0, 1]), float(tensor[3, 3])]
    print(f"{n}^3 elastic cell problem, {args.scheme}, tol 1e-6: {args.load_cases} load case(s), "
          f"{sum(iterations)} iterations in {wall:.1f} s ({wall / sum(iterations):.2f} s/iteration), "
          f"peak RSS {peak / 1e9:.2f} GB = {(peak - before) / voxels:.0f} bytes/voxel")
    if n == 256 and args.load_cases == 6:
        print(f"muGrid at 256^3: {PUBLISHED['mugrid_256_s']} s on {PUBLISHED['mugrid_256_ranks']} ranks; "
              f"core-seconds ratio (this run on 2 cores / muGrid): "
              f"{2 * wall / (PUBLISHED['mugrid_256_s'] * PUBLISHED['mugrid_256_ranks']):.2f}")
    print(f"memory per voxel, this run / standard FFT-CG (360 B): {(peak - before) / voxels / 360:.2f}")
    if args.record:
        write_results(RESULTS / "homogenization_fft.json", out, script="benchmarks/homogenization_fft.py")


if __name__ == "__main__":
    main()
