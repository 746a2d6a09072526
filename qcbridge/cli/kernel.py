"""`qcbridge kernel`: memory kernel of a trajectory, fitted, plotted and exported to LAMMPS."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .progress import ProgressBar


def _parse_masses(text: str | None) -> dict[int, float] | None:
    if not text:
        return None
    try:
        return {int(k): float(v) for k, v in (item.split(":") for item in text.split(","))}
    except ValueError:
        raise SystemExit(f"qcbridge kernel: cannot read --masses {text!r}; use TYPE:MASS,TYPE:MASS") from None


def _mean_force(text: str | None) -> Any:
    """The mean force of ``--mean-force``: None, ``linear`` (Mori) or ``pmf[:BINS]``."""
    from ..errors import KernelError
    from ..memory import LinearMori, SplinePMF

    if text is None or text == "none":
        return None
    name, _, bins = text.partition(":")
    if name == "linear" and not bins:
        return LinearMori()
    if name == "pmf":
        try:
            return SplinePMF(int(bins) if bins else 50)
        except (ValueError, KernelError) as exc:
            raise SystemExit(f"qcbridge kernel: --mean-force {text!r}: {exc}") from None
    raise SystemExit(f"qcbridge kernel: --mean-force {text!r}: use none, linear, pmf or pmf:BINS")


def _check_outputs(args: argparse.Namespace) -> None:
    """Options that need others, and output paths that cannot be written, before any work."""
    import os
    from pathlib import Path

    if args.fit is not None and args.fit < 1:
        raise SystemExit(f"qcbridge kernel: --fit needs a number of terms >= 1, got {args.fit}")
    for option, value in (("--plot", args.plot), ("--lammps-gle", args.lammps_gle)):
        if value and not args.fit:
            raise SystemExit(f"qcbridge kernel: {option} needs --fit N")
    if args.stream is not None:
        if args.stream < 2:
            raise SystemExit(f"qcbridge kernel: --stream needs at least 2 frames per chunk, got {args.stream}")
        if args.mean_force not in (None, "none"):
            raise SystemExit("qcbridge kernel: --stream handles free particles only (--mean-force none): a mean "
                             "force needs the whole run's positions")
        if args.plot:
            raise SystemExit("qcbridge kernel: --plot compares the fit with the whole trajectory's VACF; leave out "
                             "--stream to plot")
    for option, value in (("--out", args.out), ("--plot", args.plot), ("--lammps-gle", args.lammps_gle)):
        if not value:
            continue
        path = Path(value)
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise SystemExit(f"qcbridge kernel: {option} {value} is a directory; give a file name")
        if not folder.is_dir():
            raise SystemExit(f"qcbridge kernel: {option} {value}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise SystemExit(f"qcbridge kernel: {option} {value}: folder {folder} is not writable")


def _frame_time(args: argparse.Namespace, traj: Any, t_scale: float) -> float:
    """Time between frames (ASE units) from --dt or the trajectory's own times."""
    from ..memory.kernel import frame_spacing

    if args.dt is not None:
        if traj.steps is not None:
            frame_spacing(traj.steps.astype(float))  # irregular dump steps are an error
        return float(args.dt * t_scale)
    if traj.times is not None:
        return frame_spacing(traj.times)
    raise SystemExit("qcbridge kernel: give --dt (time between frames) or --timestep (LAMMPS dumps)")


def _streamed(args: argparse.Namespace, selection: Any, lunits: Any, t_scale: float,
              max_time: float | None) -> tuple[Any, int, int, float, float, bool]:
    """The kernel of a LAMMPS dump read ``--stream`` frames at a time (memory for the lags only)."""
    import numpy as np

    from ..io import iter_lammps_dump
    from ..io.lammps_dump import is_lammps_dump
    from ..io.trajectory import check_kernel_selection
    from ..memory.streaming import KernelAccumulator

    if not is_lammps_dump(args.trajectory):
        raise SystemExit(f"qcbridge kernel: --stream reads LAMMPS text dumps; {args.trajectory} is not one")
    if max_time is None:
        raise SystemExit("qcbridge kernel: --stream needs --max-time (the kernel's length fixes what is kept)")
    masses = _parse_masses(args.masses)
    acc: KernelAccumulator | None = None
    dt = None
    mass = 0.0
    for part in iter_lammps_dump(args.trajectory, args.stream, units=lunits, timestep=args.timestep,
                                 selection=selection, progress=ProgressBar("reading", not args.quiet)):
        steps = np.asarray(part.steps, dtype=float)  # dumps always number their steps
        times = part.times if args.dt is None else steps
        if acc is None:
            dt = _frame_time(args, part, t_scale) if len(steps) > 1 else None
            check_kernel_selection(part, selection)
        _, v, f, mass = part.observables(selection, masses)
        if acc is None:
            if dt is None:
                raise SystemExit("qcbridge kernel: --stream needs at least two frames per chunk")
            acc = KernelAccumulator(max(2, int(round(max_time / dt))), args.kind)
        acc.add(v, f, times=times)  # equally spaced across chunks too
    assert acc is not None and dt is not None
    return acc.result(dt, mass=mass), acc.frames, acc.columns, mass, dt, True


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from ase import units

    from ..errors import QCBridgeError
    from ..io import LammpsUnits, Selection, read_trajectory
    from ..io.trajectory import check_kernel_selection
    from ..memory import estimate_kernel, lammps_temperature, write_fix_gle
    from ..memory.report import best_fit, compare_fit
    from ..plotting import plot_kernel_report

    _check_outputs(args)
    mean_force = _mean_force(args.mean_force)
    try:
        lunits = LammpsUnits.parse(args.units)
        selection = Selection.parse(args.select)
        # time unit shown to the user: fs, or tau for reduced units
        t_unit, t_scale = ("tau", 1.0) if lunits is LammpsUnits.LJ else ("fs", units.fs)
        max_time = None if args.max_time is None else args.max_time * t_scale
        if args.stream:
            result, n_frames, samples, mass, dt, from_dump = _streamed(args, selection, lunits, t_scale, max_time)
            v = None
        else:
            traj = read_trajectory(args.trajectory, selection=selection, units=lunits, timestep=args.timestep,
                                   progress=ProgressBar("reading", not args.quiet))
            dt = _frame_time(args, traj, t_scale)
            check_kernel_selection(traj, selection)
            x, v, f, mass = traj.observables(selection, _parse_masses(args.masses))
            result = estimate_kernel(v, dt, force=f, mass=mass, max_time=max_time, kind=args.kind,
                                     position=None if mean_force is None else x, mean_force=mean_force)
            n_frames, samples, from_dump = traj.n_frames, v.shape[1], traj.steps is not None
        # LAMMPS units of the temperature and the fix gle file: the dump's, or metal for ASE files
        t_units = lunits if from_dump else LammpsUnits.METAL
        reduced = t_units is LammpsUnits.LJ
        temperature = lammps_temperature(result.kT, units=t_units)
        print(f"{n_frames} frames, {samples} samples, mass {mass:g}, dt {dt / t_scale:g} {t_unit}, "
              f"{len(result.t)} lags ({result.kind.value} kind)")
        print(f"kT = m <v^2> = {result.kT:.6g} {'(LJ units)' if reduced else 'eV'} "
              f"({'T*' if reduced else 'T'} = {temperature:.6g}{'' if reduced else ' K'})")
        g_unit, i_unit = ("LJ units", "LJ units") if reduced else ("eV/A^2", f"eV {t_unit}/A^2")
        print(f"Gamma(0) = {result.gamma[0]:.6g} +- {result.gamma_err[0]:.2g} {g_unit}, "
              f"int Gamma (to {result.t[-1] / t_scale:g} {t_unit}) = {result.integral[-1] / t_scale:.6g} {i_unit}")
        peak = float(np.abs(result.gamma).max())
        share = f" ({100 * result.discretisation_error / peak:.2g} % of max |Gamma|)" if peak > 0 else ""
        print(f"inversion on dt / {result.refine}; estimated discretisation error "
              f"{result.discretisation_error:.2g} {g_unit}{share}")
        fit = None
        if args.fit:
            fit = best_fit(result, args.fit, seed=args.seed)
            print(f"fit ({len(fit.c)} terms, Gamma / m in 1/{t_unit}^2, t in {t_unit}): " + "; ".join(
                f"{c * t_scale**2:.4g} e^(-{g * t_scale:.4g} t) {'smooth ' if s else ''}cos({w * t_scale:.4g} t)"
                for c, g, w, s in zip(fit.c, fit.g, fit.w, fit.smooth_terms, strict=True)))
            print(f"D (GLE) = kT / (m int K) = {fit.diffusion() * t_scale:.6g} A^2/{t_unit}; the kernel's own "
                  f"kT / int Gamma = {result.diffusion() * t_scale:.6g} A^2/{t_unit}")
        if args.out:
            arrays: dict[str, Any] = {
                "t": result.t / t_scale, "gamma": result.gamma, "gamma_err": result.gamma_err,
                "integral": result.integral, "c_vv": result.c_vv, "time_unit": t_unit, "mass": mass, "kT": result.kT,
            }
            if fit is not None:
                arrays.update(fit_c=fit.c, fit_g=fit.g, fit_w=fit.w, fit_smooth=fit.smooth_terms)
            np.savez(args.out, **arrays)
            print(f"wrote {args.out}")
        if fit is not None and args.plot and v is not None:  # --stream refuses --plot upfront
            rep = compare_fit(result, fit, v, dt, vacf_time=result.t[-1], diffusion=False)
            plot_kernel_report(rep, args.plot, time_label=f"t ({t_unit})", time_scale=1 / t_scale,
                               gamma_label="Γ(t) (eV/Å²)" if t_unit == "fs" else "Γ(t) (LJ units)")
            print(f"wrote {args.plot} (max |VACF_GLE - VACF_MD| = {100 * rep.vacf_deviation:.2f} % of VACF(0))")
        if fit is not None and args.lammps_gle:
            fix_args = write_fix_gle(fit, args.lammps_gle, units=t_units)
            print(f"wrote {args.lammps_gle}: fix ID group {fix_args}")
    except QCBridgeError as exc:
        print(f"qcbridge kernel: {exc}", file=sys.stderr)
        return 2
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    k = sub.add_parser("kernel", help="memory kernel of a trajectory (LAMMPS dump, ASE .traj, extxyz)",
                       description="Estimate the GLE friction kernel of the selected atoms, fit it, plot it "
                       "and export it to LAMMPS fix gle. Times are in fs (tau for units lj); Gamma in "
                       "eV/A^2 (mass/time^2 in ASE units).")
    k.add_argument("trajectory", help="LAMMPS text dump, plain or .gz/.bz2/.xz (id type ... vx vy vz fx fy fz), "
                   ".traj or extxyz")
    k.add_argument("--select", help="'all', 'type 1 2', 'id 1-10 15'; prefix 'com ' for the centre of mass")
    k.add_argument("--dt", type=float, help="time between frames (fs; tau for units lj)")
    k.add_argument("--timestep", type=float, help="LAMMPS timestep of a dump (LAMMPS time units)")
    k.add_argument("--units", default="metal", help="LAMMPS units of a dump: metal, real or lj (default metal)")
    k.add_argument("--masses", help="masses per type when the dump has none, e.g. '1:39.948,2:4.0026'")
    k.add_argument("--max-time", type=float, help="largest lag (fs; default a tenth of the run)")
    k.add_argument("--kind", default="second", choices=["second", "first", "integral"], help="Volterra inversion")
    k.add_argument("--mean-force", metavar="{none,linear,pmf[:BINS]}",
                   help="mean force of the coordinate: none (free particle, default), linear (Mori projection) "
                   "or pmf (spline of -kT ln p over BINS histogram bins, default 50); needs positions")
    k.add_argument("--fit", type=int, metavar="N", help="fit N terms (exponentials / damped oscillators)")
    k.add_argument("--seed", type=int, default=0, help="seed of the fit's restarts")
    k.add_argument("--out", help="write kernel (and fit) to this .npz")
    k.add_argument("--plot", help="write kernel, fit and VACF figure to this image (needs --fit)")
    k.add_argument("--lammps-gle", help="write the fit as a LAMMPS fix gle A-matrix file (needs --fit)")
    k.add_argument("--stream", type=int, metavar="FRAMES",
                   help="read a LAMMPS dump FRAMES frames at a time: memory for the kernel's lags, not the file "
                   "(needs --max-time; free particles only)")
    k.add_argument("--quiet", action="store_true", help="no progress bar")
    k.set_defaults(func=run)

