"""README's measured tables, rendered from the results the scripts wrote.

README marks each table with ``<!-- results: NAME -->`` ... ``<!-- /results -->``; NAME is
a renderer below, fed by ``docs/results/*.json`` (or ``docs/qc_convergence.json``). Run

    python docs/readme_tables.py            # rewrite README's marked blocks
    python docs/readme_tables.py --check    # exit 1 if README differs from the results

The tests run the check, so a number in README is always what a script printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- results: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.S)


def _load(name: str) -> dict:
    record = json.loads((RESULTS / f"{name}.json").read_text())
    return record["results"] | {"_command": record["command"]}


def _source(r: dict) -> str:
    return f"*`{r['_command']}`*"


def engine() -> str:
    r = _load("engine")
    v = r["variants"]
    names = {"lammps": "LAMMPS alone, `run 0`",
             "lammps-pre-no": "LAMMPS alone, `run 1 pre no` (neighbour lists reused)",
             "qcbridge": "qcbridge `LammpsEngine`", "lammpslib": "ASE `LAMMPSlib`"}
    rows = [f"| {names[k]} | {1e3 * v[k]['seconds']:.1f} | {v[k]['peak_rss_MB']:.0f} MB |" for k in names]
    return "\n".join([_source(r) + f" (median of {r['repeat']} calls):", "",
                      "| variant | ms per call | peak RSS |", "| --- | ---: | ---: |", *rows, "",
                      f"qcbridge / LAMMPS `run 0` = {r['qcbridge_over_run0']:.2f}× (goal ≤ 1.10×); qcbridge / "
                      f"`run 1 pre no` = {r['qcbridge_over_pre_no']:.2f}×; LAMMPSlib / qcbridge = "
                      f"{r['lammpslib_over_qcbridge']:.1f}× (goal ≥ 2×)."])


def cauchy_born() -> str:
    r = _load("cauchy_born")
    names = ["C11", "C12", "C13", "C33", "C44"]
    lines = [_source(r) + ":", "",
             "| potential | lattice (Å) | " + " | ".join(f"{n} CB / LAMMPS (GPa)" for n in names)
             + " | max rel. diff |",
             "| --- | --- | " + " | ".join("---:" for _ in names) + " | ---: |"]
    for row in r["elastic_constants"]:
        cells = [f"{row['cauchy_born'][n]:.3f} / {row['lammps'][n]:.3f}" if n in row["cauchy_born"] else ""
                 for n in names]
        lines.append(f"| {row['potential']} | {row['lattice']} | " + " | ".join(cells)
                     + f" | {row['max_rel_diff']:.1e} |")
    t, fe = r["throughput"], r["assembly"]
    lines += ["", "W+P for fcc Al (10⁵ F in one batch, best of 3) against one LAMMPS periodic-cell evaluation "
              f"per F: {t['cauchy_born_per_s']:,.0f} vs {t['lammps_per_s']:,.0f} F/s = {t['speedup']:.0f}× "
              f"(goal ≥ 100×). FE assembly on {fe['elements']:,} tetrahedra ({fe['nodes']:,} nodes): energy + forces "
              f"{fe['energy_forces_s']:.2f} s; stiffness {fe['stiffness_s']:.2f} s (tangent {fe['tangent_s']:.2f} s; "
              f"the first call, {fe['stiffness_first_s']:.1f} s, builds the sparsity pattern); peak RSS "
              f"{r['peak_rss_mb'] / 1024:.1f} GB."]
    return "\n".join(lines)


def patch_test() -> str:
    r = _load("patch_test")
    m = r["methods"]
    lines = [_source(r) + ":", "",
             "| potential | F | " + " | ".join(x.upper().replace("-GFC", "+GFC") for x in m) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in m) + " |"]
    lines += [f"| {row['potential']} | {row['F']} | " + " | ".join(f"{row[x]:.1e}" for x in m) + " |"
              for row in r["table"]]
    ghost = ", ".join(f"{g:.1e}" for g in r["bqce_ghost_force"])
    widths = ", ".join(f"{w:g}" for w in r["widths"])
    lines += ["", f"BQCE's ghost forces fall with the blending width (Al_jnp, uniaxial 1 %): {ghost} eV/Å for "
              f"{widths} Å (log-log slope {r['bqce_slope']:.2f})."]
    return "\n".join(lines)


def edge_dislocation() -> str:
    r = _load("edge_dislocation")
    rows = [
        ("Shockley partial separation (two-arctan fit)",
         f"{r['separation_qc']:.2f} ± {r['separation_error_qc']:.2f} Å",
         f"{r['separation_full']:.2f} ± {r['separation_error_full']:.2f} Å"),
        ("core energy (atoms within 10 Å, above bulk)", f"{r['core_energy_qc']:.4f} eV",
         f"{r['core_energy_full']:.4f} eV"),
        ("displacement error on the atomistic core", f"max {r['max_error_core']:.4f} Å", "—"),
        ("energy-norm error over the domain", f"{r['energy_norm_error']:.4f}", "—"),
        ("degrees of freedom", f"{r['dof_qc']:,}", f"{r['dof_full']:,}"),
        ("wall time to 1e-3 eV/Å", f"{r['seconds_qc']:.1f} s ({r['qc_steps']} FIRE steps)",
         f"{r['seconds_full']:.1f} s"),
    ]
    return "\n".join([_source(r) + ":", "", "| | BQCF | full atomistic |", "| --- | ---: | ---: |",
                      *[f"| {a} | {b} | {c} |" for a, b, c in rows]])


def qc_dislocation_scaling() -> str:
    r = _load("qc_dislocation_scaling")
    lines = [_source(r) + f" (peak RSS {r['peak_rss_mb']:.0f} MB):", "",
             "| cells | sites | DOF QC / full | wall time QC / full | partial separation full / QC | max core error |",
             "| --- | ---: | ---: | ---: | --- | ---: |"]
    for x in r["rows"]:
        lines.append(f"| {x['cells'][0]} × {x['cells'][1]} | {x['sites']:,} | {x['dof_qc']:,} / {x['dof_full']:,} = "
                     f"{x['dof_qc'] / x['dof_full']:.3f} | {x['seconds_qc']:.2f} s / {x['seconds_full']:.1f} s = "
                     f"{x['seconds_qc'] / x['seconds_full']:.2f} | {x['separation_full']:.2f} / "
                     f"{x['separation_qc']:.2f} Å | {x['max_error_core']:.4f} Å |")
    return "\n".join(lines)


def qc_convergence() -> str:
    data = json.loads((ROOT / "docs" / "qc_convergence.json").read_text())
    methods = ["qce", "qce-gfc", "qcf", "bqce", "bqcf"]
    theory = {"vacancy": "N^-1", "dislocation": "N^-1/2"}
    lines = ["*`python benchmarks/qc_convergence.py`* (figure and data in `docs/`):", "",
             "| defect (theory for BQCF / GFC) | " + " | ".join(m.upper().replace("-GFC", "+GFC") for m in methods)
             + " |",
             "| --- | " + " | ".join("---:" for _ in methods) + " |"]
    for name in ("vacancy", "dislocation"):
        s = data[name]["slopes"]
        lines.append(f"| {name} ({theory[name]}) | " + " | ".join(f"{s[m]:+.2f}" for m in methods) + " |")
    return "\n".join(lines)


def memory_kernel_argon() -> str:
    r = _load("memory_kernel_argon")
    cm2s = 0.1  # 1 A^2/fs = 0.1 cm^2/s
    return (f"{_source(r)} (LJ argon, {r['samples']:,} velocity components of 4,000 atoms, 100 ps NVE sampled live "
            f"every 16 fs into {r['frames']:,} frames, kernel to 3 ps fitted with {r['fit_terms']} terms): the "
            f"production run is at kT = m⟨v²⟩ = {1e3 * r['kT_eV']:.2f} meV (T = {r['T_K']:.1f} K); Γ(0) = "
            f"{r['gamma0_eV_A2']:.4f} eV/Å²; the fitted GLE's VACF stays within {100 * r['vacf_deviation']:.2f} % of "
            f"VACF(0) of the MD VACF; D = {r['D_gle_A2_per_fs'] * cm2s:.4e} cm²/s from kT/(m∫K) against "
            f"{r['D_md_A2_per_fs'] * cm2s:.4e} from the MD VACF (ratio {r['D_ratio']:.3f}) and "
            f"{r['D_msd_A2_per_fs'] * cm2s:.4e} from LAMMPS's `compute msd` "
            f"({r['D_gle_A2_per_fs'] / r['D_msd_A2_per_fs']:.3f}). {r['md_seconds']:.0f} s of MD and sampling, "
            f"{r['analysis_seconds']:.0f} s of analysis, peak RSS {r['peak_rss_mb'] / 1024:.1f} GB."
            + _fit_scan(r))


def _fit_scan(r: dict) -> str:
    """The argon run's inversion step and its fits of 1 ... N terms (absent from older records)."""
    if "fit_scan" not in r:
        return ""
    ratios = [x["D_ratio"] for x in r["fit_scan"]]
    slowest = max(r["fit_scan"], key=lambda x: x["seconds"])
    return (f" The inversion ran on Δt/{r['refine']} (estimated discretisation error "
            f"{100 * r['discretisation_error']:.2f} % of Γ(0)). Fits of 1 to {len(ratios)} terms give D between "
            f"{min(ratios):.3f} and {max(ratios):.3f} times the kernel's own kT/∫Γ; the slowest "
            f"({slowest['terms']} terms) took {slowest['seconds']:.1f} s against {r['estimate_seconds']:.1f} s for "
            "the estimate.")


def memory() -> str:
    r = _load("memory")
    inv, c, d = r["inversion"], r["correlation"], r["dump"]
    return (f"{_source(r)}: second-kind inversion of 10⁴ lags {inv['10000']['second']:.3f} s, 10⁵ lags "
            f"{inv['100000']['second']:.2f} s (goals 1 s, 30 s); first kind {inv['100000']['first']:.2f} s, running "
            f"integral {inv['100000']['integral']:.2f} s for 10⁵; FFT correlation of 10⁷ samples "
            f"{c['one_series_s']:.1f} s (one series, 1000 lags) and {c['many_samples_s']:.1f} s (10⁵ frames × 100 "
            f"samples); LAMMPS dump reading {d['plain_mb_s']:.0f} MB/s, gzip-compressed {d['gzip_mb_s']:.0f} MB/s of "
            f"text (numpy's own `loadtxt` on the same lines: {d['loadtxt_mb_s']:.0f} MB/s); peak RSS "
            f"{r['peak_rss_mb'] / 1024:.1f} GB.")


def multilattice_elastic() -> str:
    r = _load("multilattice_elastic")
    names = ["C11", "C12", "C13", "C33", "C44"]
    lines = [_source(r) + ":", "",
             "| crystal | potential | " + " | ".join(f"{n} CB / LAMMPS (GPa)" for n in names) + " | max rel. diff |",
             "| --- | --- | " + " | ".join("---:" for _ in names) + " | ---: |"]
    for row in r["elastic_constants"]:
        cells = [f"{row['cauchy_born'][n]:.3f} / {row['lammps'][n]:.3f}" if n in row["cauchy_born"] else ""
                 for n in names]
        lines.append(f"| {row['crystal']} | {row['potential']} | " + " | ".join(cells)
                     + f" | {row['max_rel_diff']:.1e} |")
    sp = r["speed"]
    lines += ["", f"W+P per F of diamond Si (SW) with relaxed shifts: numpy {sp['numpy_ms']:.1f} ms "
              f"(seven starts of the inner relaxation), {sp['numpy_one_start_ms']:.1f} ms (one start), "
              f"the LAMMPS-cell material {sp['lammps_cell_ms']:.1f} ms (one CG relaxation)."]
    return "\n".join(lines)


def crack_w100() -> str:
    r = _load("crack_w100")
    q, f = r["qc"], r["full"]

    def k(run: dict, key: str, scale: float = 1.0) -> str:
        if run[key] is not None:
            return f"{run[key] / scale:.4g}"
        return f"no advance up to {run['K_max'] / scale:.3g}" if key == "K_plus" else "no healing"

    rows = [("K− (MPa√m)", k(q, "K_minus"), k(f, "K_minus")), ("K+ (MPa√m)", k(q, "K_plus"), k(f, "K_plus")),
            ("K− / K_G, K+ / K_G", f"{k(q, 'K_minus', r['K_G'])}, {k(q, 'K_plus', r['K_G'])}",
             f"{k(f, 'K_minus', r['K_G'])}, {k(f, 'K_plus', r['K_G'])}"),
            (f"opening {r['opening_r']:.1f} Å behind the tip at K_G (LEFM {r['opening_lefm']:.3f} Å)",
             f"{r['opening_qc']:.3f} Å", f"{r['opening_full']:.3f} Å"),
            ("degrees of freedom", f"{q['dofs']:,}", f"{f['dofs']:,}"),
            ("wall time (relaxations)", f"{q['wall_s']:.0f} s ({q['relaxations']})",
             f"{f['wall_s']:.0f} s ({f['relaxations']})")]
    return "\n".join([_source(r) + f" ({r['sites']:,} sites, half-width {r['half_width']:g} Å; BQCF: "
                      f"{r['nodes']:,} nodes, atomistic radius {r['radius']:g} Å):", "",
                      f"(100) surface energy {r['surface_energy']:.4f} J/m², E′ = {r['E_prime_GPa']:.2f} GPa, "
                      f"K_G = {r['K_G']:.4f} MPa√m.", "",
                      "| | BQCF | full atomistic |", "| --- | ---: | ---: |",
                      *[f"| {a} | {b} | {c} |" for a, b, c in rows]])


def crack_w100_flexible() -> str:
    r = _load("crack_w100_flexible")
    q, f = r["qc"], r["full"]

    def fold(run: dict, maximum: bool) -> str:
        ks = [x for x in run["folds"] if x["maximum"] == maximum]
        return f"{ks[0]['K_over_K_G']:.4f} (alpha {ks[0]['alpha']:.2f} Å)" if ks else "not reached"

    def rel(key: bool) -> str:
        a = [x["K_over_K_G"] for x in q["folds"] if x["maximum"] == key]
        b = [x["K_over_K_G"] for x in f["folds"] if x["maximum"] == key]
        return f"{100 * (a[0] / b[0] - 1):+.1f} %" if a and b else "–"

    rows = [("far-field tip alpha at K_G", f"{q['alpha_at_K_G']:.2f} Å", f"{f['alpha_at_K_G']:.2f} Å", ""),
            ("first maximum of K (fold) / K_G", fold(q, True), fold(f, True), rel(True)),
            ("first minimum of K / K_G", fold(q, False), fold(f, False), rel(False)),
            ("bond tip over the branch", f"{q['bond_tip']:.2f} → {q['last_bond_tip']:.2f} Å",
             f"{f['bond_tip']:.2f} → {f['last_bond_tip']:.2f} Å", ""),
            ("degrees of freedom (nodes + alpha)", f"{q['dofs']:,}", f"{f['dofs']:,}", ""),
            ("points, continuation wall time", f"{q['points']}, {q['wall_s']:.0f} s",
             f"{f['points']}, {f['wall_s']:.0f} s", "")]
    return "\n".join([_source(r) + f" (BQCF atomistic radius {r['radius']:g} Å; K_G = {r['K_G_MPa_sqrt_m']:.4f} "
                      "MPa√m):", "", "| | BQCF | full atomistic | BQCF against full |", "| --- | ---: | ---: | ---: |",
                      *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]])


def crack_si111() -> str:
    r = _load("crack_si111")
    h, f = r["held"], r["flexible"]
    down, up = f["down"], f["up"]

    def fold(key: str) -> str:
        x = f[key]
        return f"{x['K_over_K_G']:.4f} ({'snap' if x['snap'] else 'fold'}, alpha {x['alpha']:.2f} Å)"

    o = r["opening"]
    rows = [("K− / K_G (the crack heals)", f"{h['K_minus']:.4f}", fold("K_minus")),
            ("K+ / K_G (the crack advances)", f"{h['K_plus']:.4f}", fold("K_plus")),
            ("crack at K_G", f"bond tip {h['tip']:.2f} Å",
             f"far-field tip alpha {f['alpha_at_K_G']:.2f} Å, bond tip {f['bond_tip_at_K_G']:.2f} Å"),
            (f"opening {o['r']:.1f} Å behind the slit's tip at K_G (LEFM)",
             f"{o['held']:.3f} Å ({o['lefm_held']:.3f})", f"{o['flexible']:.3f} Å ({o['lefm_flexible']:.3f})"),
            ("further folds, on the unstable arms", "",
             "; ".join(f"{x['K_over_K_G']:.4f} (alpha {x['alpha']:.2f} Å)"
                       for x in down["folds"][1:] + up["folds"][1:])),
            ("bond tip at the ends of the traces", "",
             f"down {down['bond_tip'][1]:.2f} Å, up {up['bond_tip'][1]:.2f} Å"),
            ("degrees of freedom", f"{h['dofs']:,}", f"{f['dofs']:,} (with alpha)"),
            ("wall time", f"{h['wall_s']:.0f} s ({h['relaxations']} relaxations)",
             f"down {down['points']} points {down['wall_s']:.0f} s, up {up['points']} points {up['wall_s']:.0f} s")]
    return "\n".join([_source(r) + f" ({r['sites']:,} sites, half-width {r['half_width']:g} Å; γ = "
                      f"{r['surface_energy']:.4f} J/m², E′ = {r['E_prime_GPa']:.2f} GPa, K_G = {r['K_G']:.4f} MPa√m):",
                      "", "| | field held (LAMMPS CG) | flexible boundary (continuation) |", "| --- | ---: | ---: |",
                      *[f"| {a} | {b} | {c} |" for a, b, c in rows]])


def homogenization_polycrystal() -> str:
    r = _load("homogenization_polycrystal")
    rows = []
    for label, crystal in r["crystal"].items():
        c, e, s = crystal["C11_C12_C44"], crystal["error"], r[label]
        constants = ", ".join(f"{x:.1f} ± {y:.2f}" if y else f"{x:.1f}" for x, y in zip(c, e, strict=True))
        rows.append(f"| {label} | {crystal['a']:.4f} | {constants} | {s['bulk']:.2f} ({s['bulk_max_deviation']:.0e}) "
                    f"| {s['mean_G'][-1]:.2f} ± {s['std_G'][-1]:.2f} | {s['G_reuss']:.2f} / {s['G_hill']:.2f} / "
                    f"{s['G_voigt']:.2f} | {s['alpha']:.2f} | {s['rve_voxels_1pct'] / r['grain_voxels']:.0f} |")
    cb = r["checkerboard"]
    sizes = ", ".join(f"{int(n)}³" for n in r["0 K"]["sizes"])
    return "\n".join([_source(r) + f" ({r['potential']}; random Voronoi cells of {sizes} voxels, one grain per "
                      f"{r['grain_voxels']} voxels; wall {r['wall_s']:.0f} s, of which the LAMMPS runs "
                      f"{r['md_wall_s']:.0f} s):", "",
                      "| crystal | a (Å) | C11, C12, C44 (GPa) | polycrystal K, GPa (deviation from the crystal's) "
                      "| polycrystal G (GPa), largest cells | Reuss / Hill / Voigt G | α in D² ∝ V^−α "
                      "| grains for 1 % from one cell |",
                      "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |", *rows, "",
                      "2D checkerboard, k2/k1 = 10: |k/√(k1 k2) − 1| = "
                      + ", ".join(f"{e:.1e} (N = {n})" for n, e in zip(cb["N"], cb["error"], strict=True))
                      + f"; order {cb['order']:.2f}."])


def homogenization_fft() -> str:
    r = _load("homogenization_fft")
    p = r["published"]
    core_s = 2 * r["wall_s"]
    return "\n".join([_source(r) + f" (sphere of {100 * r['inclusion_fraction']:.1f} % in a periodic cube, E = 1 "
                      f"and 10, ν = 0.3, {r['load_cases']} load cases, tol 1e-6, Fourier–Galerkin CG, "
                      f"{r['fft_backend']} FFTs):", "",
                      "| | this machine (2 cores) | published |", "| --- | ---: | ---: |",
                      f"| wall time, 256³, 6 load cases | {r['wall_s']:.0f} s ({sum(r['iterations'])} iterations, "
                      f"{r['s_per_iteration']:.2f} s each) | {p['mugrid_256_s']} s on {p['mugrid_256_ranks']} MPI "
                      "ranks (muGrid, FE + FFT-preconditioned CG) |",
                      f"| core-seconds | {core_s:.0f} | {p['mugrid_256_s'] * p['mugrid_256_ranks']:.0f} |",
                      f"| peak memory | {r['peak_rss_gb']:.1f} GB, {r['bytes_per_voxel']:.0f} bytes/voxel | "
                      f"{p['cg_bytes_per_voxel']} bytes/voxel (standard FFT-CG; {p['basic_bytes_per_voxel']} basic "
                      "scheme; Grimm-Strele & Kabel 2019) |"])


def hmm_executors() -> str:
    r = _load("hmm_executors")
    same = "bit-identical" if r["identical"] else "DIFFERENT"
    return (_source(r) + f": {r['iterations']} iterations, {r['bursts']} bursts, reaction "
            f"{r['reaction_eV_per_A']:.3f} ± {r['reaction_error']:.3f} eV/Å; serial {r['serial_s']:.1f} s, two "
            f"worker processes {r['pool_s']:.1f} s, speed-up {r['speedup']:.2f}×; the two answers are {same}.")


def hmm_bar_300k() -> str:
    r = _load("hmm_bar_300K")
    rows = ["| strain | HMM (eV/Å) | bursts | direct MD (eV/Å) | MD atoms, wall | difference "
            "| Cauchy–Born 0 K (eV/Å) |",
            "|---|---|---|---|---|---|---|"]
    for x in r["rows"]:
        rows.append(f"| {100 * x['strain']:.1f} % | {x['hmm']:.3f} ± {x['hmm_error']:.3f} | {x['hmm_bursts']} "
                    f"({x['hmm_s']:.0f} s) | {x['md']:.3f} ± {x['md_error']:.3f} | {r['atoms_md']:,}, "
                    f"{x['md_s']:.0f} s | {x['difference_sigmas']:.1f} σ | {x['cauchy_born_0K']:.3f} |")
    short = r["short_bar"]
    return (_source(r) + "\n\n" + "\n".join(rows) + f"\n\nThe grips' boundary layer: a bar of {short['cells']} "
            f"cells (4 mobile) at 2 % gives {short['md']:.3f} ± {short['md_error']:.3f} eV/Å by MD.")


def projective_bar() -> str:
    r = _load("projective_bar")
    rows = ["| run | outer step | MD steps | wall time | fewer MD steps | largest profile error |",
            "|---|---|---|---|---|---|",
            f"| full MD | – | {r['full_steps']:,} | {r['full_s']:.1f} s | 1 | – |"]
    for m in r["methods"]:
        rows.append(f"| {m['method']} | {m['outer_step_ps']:g} ps | {m['steps']:,} | {m['wall_s']:.1f} s | "
                    f"{m['step_ratio']:.1f}× | {100 * m['error']:.2f} % |")
    return _source(r) + f" ({r['atoms']:,} atoms, {r['t_end_ps']:g} ps):\n\n" + "\n".join(rows)


def qc_mpi() -> str:
    r = _load("qc_mpi")
    return (_source(r) + f": {r['atoms']:,} LAMMPS atoms; the atomistic region alone {r['lammps_serial_ms']:.0f} ms "
            f"on one rank, {r['lammps_mpi_ms']:.0f} ms on {r['ranks']} ({r['lammps_speedup']:.2f}×); the whole model "
            f"{r['serial_ms']:.0f} ms and {r['mpi_ms']:.0f} ms ({r['speedup']:.2f}×); 100 LBFGS steps "
            f"{r['relax_serial_s']:.1f} s "
            f"and {r['relax_mpi_s']:.1f} s ({r['relax_speedup']:.2f}×); largest force difference "
            f"{r['max_force_difference']:.1e} eV/Å, displacement difference {r['max_displacement_difference']:.1e} Å.")


def wave_boundaries() -> str:
    r = _load("wave_boundaries")
    rows = ["| system | boundary | reflected energy | time per step |", "|---|---|---|---|"]
    for x in r["reflection"]:
        tuned = "" if x["damping"] is None else f" (γ_max {x['damping']:g} {'/fs' if x['system'] == 'slab' else 'ω₀'})"
        rows.append(f"| {x['system']} | {x['boundary']}{tuned} | {x['reflected_energy_fraction']:.2g} | "
                    f"{1e6 * x['seconds_per_step']:.0f} µs |")
    c, sl = r["chain_temperature"], r["slab_temperature"]
    return (_source(r) + ":\n\n" + "\n".join(rows) + "\n\n"
            f"Temperature (bath kT = 1) of the 51-atom chain region late in the run: from rest "
            f"{c['from_rest']['mean']:.3f} ± {c['from_rest']['sem']:.3f}, from 3 kT {c['from_3kT']['mean']:.3f} ± "
            f"{c['from_3kT']['sem']:.3f}, without the noise {c['no_noise']['mean']:.3f}. The 128-atom slab region, "
            f"baths at {sl['bath_K']:g} K, per {sl['window_ps']:g} ps: "
            + "; ".join(", ".join(f"{x:.1f}" for x in w) + " K" for w in sl["seeds"])
            + f" (mean after 12 ps {sl['late_mean_K']:.1f} K).")


def dynamic_qc() -> str:
    r = _load("dynamic_qc")
    e = r["energy_conservation_qce"]
    rows = ["| wavelength | model | DOFs | ms per step | energy left in the core | reflected by the interface |",
            "|---|---|---|---|---|---|"]
    for x in r["reflection"]:
        refl = "–" if x["method"] == "full" else f"{x['reflected_energy_fraction']:.3f}"
        rows.append(f"| {x['wavelength']:g} Å | {x['method']} | {x['dofs']:,} | {1e3 * x['seconds_per_step']:.1f} | "
                    f"{x['energy_left_fraction']:.2g} | {refl} |")
    return (_source(r) + ": QCE energy error under velocity Verlet (kinetic energy "
            f"{e[0]['kinetic_start_eV']:.2f} eV) " + ", ".join(
                f"{x['max_deviation_eV']:.2g} eV at {x['dt_fs']:g} fs" for x in e) + ".\n\n" + "\n".join(rows))


def kernel_streaming() -> str:
    r = _load("kernel_streaming")
    return (_source(r) + f": {r['atoms']:,} argon atoms x {r['frames']:,} frames ({r['dump_MB']:.0f} MB dump), "
            f"{r['lags']} lags: whole file {r['whole']['peak_rss_MB']:.0f} MB peak in {r['whole']['seconds']:.0f} s, "
            f"`--stream 200` {r['stream']['peak_rss_MB']:.0f} MB in {r['stream']['seconds']:.0f} s "
            f"({r['rss_ratio']:.1f}× less); the kernels differ by {r['max_difference_over_gamma0']:.1g} of Γ(0).")


def indentation_al() -> str:
    r = _load("indentation_al")
    names = {"bqcf": f"BQCF, {r['atomistic_radius']:g} Å region", "adaptive_15": "adaptive from 15 Å",
             "adaptive_25": "adaptive from 25 Å", "full": "full atomistic"}
    runs = {k: r[k] for k in names if k in r}

    def nuc(q: dict, key: str, fmt: str) -> str:
        return "none" if q["nucleation"] is None else format(q["nucleation"][key], fmt)

    def rel(q: dict, key: str) -> str:
        return "" if "nucleation_rel" not in q else f"{100 * q['nucleation_rel'][key]:+.1f} %"

    def branch_deviation(q: dict) -> float:
        full = dict((d, f) for d, f in r["full"]["load_displacement"])
        return max(abs(f / full[d] - 1) for d, f in q["load_displacement"] if d <= q["elastic"]["depth_max"])

    def path(q: dict) -> str:
        last = q["load_displacement"][-1][0] if q["load_displacement"] else 0.0
        return f"stopped at {last + r['depth'] / r['steps']:g} Å: padding broken" if q["stopped"] else \
            f"to {last:g} Å"

    rows = [("first load drop: depth (Å)", lambda q: nuc(q, "depth", ".2f")),
            ("first load drop: load (eV/Å)", lambda q: nuc(q, "load", ".4f")),
            ("depth, load against full", lambda q: f"{rel(q, 'depth')}, {rel(q, 'load')}" if rel(q, "load") else ""),
            ("elastic branch: load against full at 1, 2, 3, 4 Å",
             lambda q: ", ".join(f"{100 * v:+.1f} %" for v in q["elastic"]["rel_at"].values()) if "elastic" in q
             else ""),
            ("elastic branch, largest deviation (every step from 0.25 Å)",
             lambda q: f"{100 * branch_deviation(q):.1f} %" if "elastic" in q else ""),
            ("elastic branch, largest deviation / peak load",
             lambda q: f"{100 * q['elastic']['max_abs_over_peak']:.2f} %" if "elastic" in q else ""),
            ("DOF at the first drop (full / this)",
             lambda q: f"{q['dofs_at_nucleation']:,}" + (f" ({q['dof_ratio']:.1f}×)" if "dof_ratio" in q else "")),
            ("DOF at the end", lambda q: f"{q['dofs']:,}"),
            ("wall time (this / full)",
             lambda q: f"{q['wall_s']:.0f} s" + (f" ({q['wall_ratio']:.2f})" if "wall_ratio" in q else "")),
            ("path", path)]
    head = "| | " + " | ".join(names[k] for k in runs) + " |"
    lines = [_source(r) + f" ({r['sites']:,} sites, {r['width']:g} × {r['height']:g} Å, "
             f"{r['thickness']:.2f} Å thick; cylinder R = {r['radius']:g} Å, K = {r['stiffness']:g} eV/Å³, "
             f"{r['steps']} steps to {r['depth']:g} Å):", "", head, "| --- |" + " ---: |" * len(runs),
             *[f"| {label} | " + " | ".join(f(q) for q in runs.values()) + " |" for label, f in rows]]
    if "adaptive_radius_spread" in r:
        lines += ["", f"Adaptive runs from 15 and 25 Å: first-drop loads differ by "
                  f"{100 * r['adaptive_radius_spread']:.2f} %."]
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[], str]] = {f.__name__.replace("_", "-"): f for f in (
    engine, cauchy_born, multilattice_elastic, patch_test, edge_dislocation, qc_dislocation_scaling, qc_convergence,
    memory_kernel_argon, memory, crack_w100, crack_w100_flexible, crack_si111, homogenization_polycrystal,
    homogenization_fft, hmm_executors, hmm_bar_300k, projective_bar, qc_mpi, wave_boundaries, dynamic_qc,
    kernel_streaming, indentation_al)}


def render(text: str) -> str:
    """README text with every marked block replaced by its rendering."""
    def repl(m: re.Match) -> str:
        name = m.group("name")
        if name not in RENDERERS:
            raise KeyError(f"README marks an unknown results block {name!r}; known: {', '.join(RENDERERS)}")
        return m.group(1) + RENDERERS[name]() + "\n" + m.group(4)
    return BLOCK.sub(repl, text)


def main() -> int:
    p = argparse.ArgumentParser(description="render README's tables from docs/results")
    p.add_argument("--check", action="store_true", help="exit 1 if README differs from the results")
    args = p.parse_args()
    text = README.read_text()
    new = render(text)
    if args.check:
        if new != text:
            print("README's tables differ from docs/results: run python docs/readme_tables.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
