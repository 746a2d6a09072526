"""Tagged-particle memory kernel of liquid argon, from LAMMPS to a fitted GLE and back.

1. LAMMPS (units metal) runs 4,000 Lennard-Jones argon atoms (epsilon = 0.0104 eV,
   sigma = 3.40 A, cutoff 2.5 sigma, 2 fs steps) at rho* = 0.8442, T = 94.4 K (T* = 0.787):
   Langevin equilibration, total momentum set to zero (the thermostat's noise gives the
   centre of mass a velocity whose square offsets every VACF), then NVE, sampled every 8
   steps straight from LAMMPS's arrays (no dump) with a progress line, 500 frames at a time into
   the streamed correlations (:class:`~qcbridge.memory.streaming.KernelAccumulator`): the
   run's frames are never held together.
2. The friction kernel Gamma(t) of one atom (every atom and component is a sample) from
   the second-kind Volterra inversion, with error bars; a fit by exponentials and damped
   cosines; the fitted GLE's exact VACF against the MD VACF; D from the MD VACF (tail
   a + b t^-1/2) against kT / (m int K).
3. Fits of 1 ... 20 terms (``--fit-scan``), each timed and its D = kT / (m int K) against the
   kernel's own kT / int Gamma; the estimate alone is timed for comparison.
4. Writes argon_kernel.npz, argon_kernel.png and argon_gle_A.txt (fix gle A matrix,
   units metal; its header states the units and the temperature, kT / k_B of the data).

Units are ASE's throughout (Angstrom, amu, eV, ASE time): the kernel result carries the
argon mass and kT = m <v^2>, and the fit keeps them, so D = kT / (m int K) and the
fix gle temperature come from the data.

The box is large (57 A) because total momentum is conserved: a tagged atom's momentum is
shared with the whole box, which gives the VACF and the kernel a -1/N plateau that decays
only as the box's shear modes do; with 500 atoms that shifts D by ~15 %.

Run: ``python examples/memory_kernel_argon.py [--outdir DIR] [--ps 100] [--cells 10]``
(about 4 minutes on 2 cores, the fit scan included; memory for the correlations' lags).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ase import units

from qcbridge.engines import import_lammps
from qcbridge.io.results import write_results
from qcbridge.memory import sample_lammps, write_fix_gle
from qcbridge.memory.checks import lag_count
from qcbridge.memory.report import best_fit, compare_fit
from qcbridge.memory.streaming import KernelAccumulator
from qcbridge.plotting import plot_kernel_report

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"

EPS, SIGMA, MASS = 0.0104, 3.40, 39.948  # eV, Angstrom, amu
CHUNK = 500  # frames sampled per chunk


def run(outdir: Path, production_ps: float = 100.0, *, cells: int = 10, every: int = 8, kernel_ps: float = 3.0,
        vacf_ps: float = 10.0, n_terms: int = 3, fit_scan: int = 20, seed: int = 2026) -> dict:
    """Run the example; return its numbers (times in fs, D in A^2/fs)."""
    outdir.mkdir(parents=True, exist_ok=True)
    a = (4 / 0.8442) ** (1 / 3) * SIGMA
    temperature = 0.787 * EPS / units.kB
    lmp = import_lammps().lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    dt_ps = 0.002
    n_frames = int(production_ps / (every * dt_ps)) + 1
    try:
        for line in [
            "units metal", "atom_style atomic", f"lattice fcc {a}", f"region box block 0 {cells} 0 {cells} 0 {cells}",
            "create_box 1 box", "create_atoms 1 box", f"mass 1 {MASS}", f"pair_style lj/cut {2.5 * SIGMA}",
            f"pair_coeff 1 1 {EPS} {SIGMA}", "neighbor 1.0 bin", f"velocity all create {2 * temperature} {seed}",
            f"timestep {dt_ps}", "fix nve all nve", f"fix heat all langevin {temperature} {temperature} 0.2 {seed}",
            "run 10000", "unfix heat", "velocity all zero linear", "run 2000",
            "compute msd all msd com yes", "reset_timestep 0",
        ]:
            lmp.command(line)
        t0 = time.perf_counter()
        done = [0]  # frames sampled before the current chunk

        def progress_and_msd(k: int, n: int) -> None:
            if done[0] and k == 1:  # a later chunk's first frame repeats the previous chunk's last
                return
            frame = done[0] + k - (1 if done[0] else 0)
            if frame % max(1, n_frames // 20) == 0 or frame == n_frames:
                print(f"\r  sampling {frame}/{n_frames} frames ({time.perf_counter() - t0:.0f} s)", end="",
                      file=sys.stderr)
            msd.append(lmp.numpy.extract_compute("msd", 0, 1)[3])  # LAMMPS's own MSD, A^2

        # sampled live a chunk at a time into the streamed correlations: memory for the VACF's
        # lags, not for the run's frames
        msd: list[float] = []
        acc: KernelAccumulator | None = None
        correlate_seconds, dt = 0.0, 0.0
        while done[0] < n_frames:
            take = min(CHUNK, n_frames - done[0])
            part = sample_lammps(lmp, take + (1 if done[0] else 0), every, units="metal", positions=False,
                                 progress=progress_and_msd)
            _, v, f, m = part.observables()
            times = part.times
            if done[0]:
                v, f, times = v[1:], f[1:], times[1:]
            c0 = time.perf_counter()
            if acc is None:
                dt = float(times[1] - times[0])  # ASE time units (the accumulator checks the spacing)
                acc = KernelAccumulator(lag_count(1000 * vacf_ps * units.fs, dt, n_frames, min_lag=2))
            acc.add(v, f, times=times)  # irregular frames, across chunks too, are an error
            correlate_seconds += time.perf_counter() - c0
            done[0] += take
        print(file=sys.stderr)
        md_seconds = time.perf_counter() - t0 - correlate_seconds
    finally:
        lmp.close()
    assert acc is not None
    t0 = time.perf_counter()
    kernel = acc.result(dt, mass=m, lags=lag_count(1000 * kernel_ps * units.fs, dt, n_frames, min_lag=2))
    estimate_seconds = correlate_seconds + time.perf_counter() - t0  # the estimate: what a fit should not outlast
    fit = best_fit(kernel, n_terms)
    rep = compare_fit(kernel, fit, None, dt, vacf_time=1000 * vacf_ps * units.fs, vacf_md=acc.vacf())
    analysis_seconds = correlate_seconds + time.perf_counter() - t0
    samples = acc.columns
    d_kernel = rep.kernel.diffusion()
    scan = []
    for n in range(1, fit_scan + 1):
        t0 = time.perf_counter()
        fit = best_fit(rep.kernel, n)
        scan.append({"terms": n, "D_ratio": fit.diffusion() / d_kernel, "seconds": time.perf_counter() - t0})
        print(f"  fit with {n} terms: D / D_kernel = {scan[-1]['D_ratio']:.4f} ({scan[-1]['seconds']:.2f} s)")
    # Einstein reference from LAMMPS's compute msd (single time origin, all atoms): slope of
    # MSD(t) / 6 over the second half of the run
    t_ps = np.arange(len(msd)) * every * dt_ps
    half = t_ps > t_ps[-1] / 2
    d_msd = np.polyfit(t_ps[half], np.array(msd)[half], 1)[0] / 6 * 1e-3  # A^2/fs
    fs = 1 / units.fs
    np.savez(outdir / "argon_kernel.npz", t_fs=rep.kernel.t * fs, gamma=rep.kernel.gamma,
             gamma_err=rep.kernel.gamma_err, fit_c=rep.fit.c, fit_g=rep.fit.g, fit_w=rep.fit.w,
             t_vacf_fs=rep.t_vacf * fs, vacf_md=rep.vacf_md, vacf_gle=rep.vacf_gle)
    plot_kernel_report(rep, outdir / "argon_kernel.png", time_label="t (fs)", time_scale=fs,
                       gamma_label="Γ(t) (eV/Å²)")
    fix_args = write_fix_gle(rep.fit, outdir / "argon_gle_A.txt", units="metal")
    d_md = rep.diffusion_md
    if d_md is None:  # kernel_report always computes it
        raise RuntimeError("the report holds no MD diffusion coefficient")
    out = {
        "frames": n_frames, "samples": samples, "md_seconds": md_seconds, "analysis_seconds": analysis_seconds,
        "gamma0_eV_A2": rep.kernel.gamma[0], "vacf_deviation": rep.vacf_deviation,
        "D_md_A2_per_fs": d_md / fs, "D_gle_A2_per_fs": rep.diffusion_gle / fs,
        "D_ratio": rep.diffusion_gle / d_md, "fit_terms": len(rep.fit.c), "D_msd_A2_per_fs": d_msd,
        "kT_eV": rep.kT, "T_K": rep.kT / units.kB, "fix_gle": fix_args, "refine": rep.kernel.refine,
        "discretisation_error": rep.kernel.discretisation_error / rep.kernel.gamma[0],
        "estimate_seconds": estimate_seconds, "fit_scan": scan,
    }
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outdir", type=Path, default=Path("out"))
    p.add_argument("--ps", type=float, default=100.0, help="NVE production length (ps)")
    p.add_argument("--cells", type=int, default=10, help="fcc cells per edge (4 cells^3 atoms)")
    p.add_argument("--every", type=int, default=8, help="MD steps (2 fs) between frames")
    p.add_argument("--kernel-ps", type=float, default=3.0, help="largest kernel lag (ps)")
    p.add_argument("--vacf-ps", type=float, default=10.0, help="largest VACF lag for D (ps)")
    p.add_argument("--terms", type=int, default=3, help="terms of the kernel fit")
    p.add_argument("--fit-scan", type=int, default=20, help="also fit 1 .. this many terms, timing each")
    args = p.parse_args()
    r = run(args.outdir, args.ps, cells=args.cells, every=args.every, kernel_ps=args.kernel_ps,
            vacf_ps=args.vacf_ps, n_terms=args.terms, fit_scan=args.fit_scan)
    import resource

    r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{r['frames']} frames x {r['samples']} samples; MD + sampling {r['md_seconds']:.1f} s, "
          f"analysis {r['analysis_seconds']:.1f} s, peak memory {r['peak_rss_mb']:.0f} MB")
    print(f"kT = m <v^2> = {r['kT_eV']:.5f} eV (T = {r['T_K']:.2f} K); fix gle arguments: {r['fix_gle']}")
    print(f"Gamma(0) = {r['gamma0_eV_A2']:.4f} eV/A^2; fit with {r['fit_terms']} terms")
    print(f"VACF: max |GLE - MD| = {100 * r['vacf_deviation']:.2f} % of VACF(0)")
    cm2s = 0.1  # 1 A^2/fs = 0.1 cm^2/s
    print(f"D: MD {r['D_md_A2_per_fs'] * cm2s:.4e} cm^2/s, GLE {r['D_gle_A2_per_fs'] * cm2s:.4e} cm^2/s, "
          f"GLE/MD = {r['D_ratio']:.4f}; LAMMPS compute msd: {r['D_msd_A2_per_fs'] * cm2s:.4e} cm^2/s")
    defaults = (100.0, 10, 8, 3.0, 10.0, 3, 20)
    if (args.ps, args.cells, args.every, args.kernel_ps, args.vacf_ps, args.terms, args.fit_scan) == defaults:
        keep = {k: v for k, v in r.items() if k != "fix_gle"}
        path = write_results(RESULTS / "memory_kernel_argon.json", keep, script="examples/memory_kernel_argon.py")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
