"""Cleavage crack in bcc W on (100) with its front along [010]: lattice trapping by BQCF
against full atomistics on the same domain.

x along [001] (the direction the crack advances), y along [100] (the plane normal), z along
the front [010] (one period thick, periodic). W_zhou.eam.alloy (Zhou et al. 2004).

1. The crack lies in the middle of a square slab, from its left edge to a tip between two
   columns of bonds across (100); the anisotropic (Stroh) mode-I field of the Cauchy-Born
   elastic constants is applied to every site and held on a boundary layer 2.2 cutoffs deep.
2. Griffith's K_G = sqrt(2 gamma E') from the relaxed (100) surface energy (LAMMPS) and the
   plane-strain modulus of the Stroh solution.
3. From K_G, K is raised in steps (10 % of K_G), each relaxed from the last, until the crack
   advances (K+), and lowered until it heals (K-); each threshold is refined by three
   bisections (1.25 % of K_G); a search that finds no advance up to 4 K_G is reported as
   such. BQCF (atomistic disc around the tip, the mesh slit along the crack, FIRE to 1e-3
   eV/A) and full atomistics (LAMMPS CG, global force norm 1e-3 eV/A) run the same search.

Writes crack_w100.png (mesh around the slit; K against crack-tip position for both; opening
behind the tip at K_G against the anisotropic LEFM opening), crack_w100_qc.extxyz (nodes and
atoms at K_G, for OVITO), crack_w100_mesh.vtu (ParaView) and crack_w100_reference.extxyz.

Run: ``python examples/crack_w100.py [--outdir DIR] [--radius 20] [--half-width 70]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qcbridge import load_potential
from qcbridge.defects.stroh import MPA_SQRT_M
from qcbridge.fracture import CrackOrientation
from qcbridge.fracture.problem import CrackProblem
from qcbridge.fracture.trapping import AtomisticCrackSolver, CoupledCrackSolver, TrappingRange, trapping_range
from qcbridge.io.results import write_results
from qcbridge.io.vtk import write_mesh
from qcbridge.structures import Lattice

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def run(outdir: Path, *, radius: float = 20.0, half_width: float = 70.0, step: float = 0.1,
        bisections: int = 3) -> dict:
    """Run both searches; return their numbers (K in MPa m^0.5, lengths in A, s)."""
    from ase.io import write

    outdir.mkdir(parents=True, exist_ok=True)
    problem = CrackProblem.build(load_potential("W_zhou.eam.alloy"), Lattice.BCC,
                                 CrackOrientation.of((1, 0, 0), (0, 1, 0)), half_width=half_width)
    qc = CoupledCrackSolver(problem, radius)
    with qc:
        t_qc = trapping_range(qc, step=step, bisections=bisections, max_steps=30, progress=print, strict=False)
        x_qc = qc.positions(t_qc.state)
        snap = qc.model.snapshot(t_qc.state)
        geo = qc.model.geometry
        write_mesh(outdir / "crack_w100_mesh.vtu", geo.mesh, displacement=t_qc.state,
                   point_data={"region": geo.region[geo.node_site].astype(np.int32)})
        nodes = qc.model.n_nodes
    write(outdir / "crack_w100_qc.extxyz", snap)
    with AtomisticCrackSolver(problem) as full:
        t_full = trapping_range(full, step=step, bisections=bisections, max_steps=30, progress=print,
                                strict=False)
        x_full = full.positions(t_full.state)
    ref = problem.crystal.copy()
    ref.positions = x_full
    write(outdir / "crack_w100_reference.extxyz", ref)
    r, open_qc = problem.opening_behind(x_qc)
    _, open_full = problem.opening_behind(x_full)
    lefm = problem.opening(problem.griffith_K, r)
    at = np.argmin(np.abs(r - 10 * problem.a))

    def numbers(t: TrappingRange) -> dict:
        return {"K_plus": None if t.K_plus is None else t.K_plus / MPA_SQRT_M,
                "K_minus": None if t.K_minus is None else t.K_minus / MPA_SQRT_M, "dofs": t.dofs,
                "wall_s": t.seconds, "relaxations": t.relaxations, "tip": t.tip, "K_max": 4 * t.K_G / MPA_SQRT_M}

    out = {**problem.report(), "a": problem.a, "sites": len(problem.crystal), "nodes": nodes, "radius": radius,
           "half_width": half_width, "qc": numbers(t_qc), "full": numbers(t_full),
           "opening_r": float(r[at]), "opening_qc": float(open_qc[at]), "opening_full": float(open_full[at]),
           "opening_lefm": float(lefm[at])}
    (outdir / "crack_w100.json").write_text(json.dumps(out, indent=2))
    _figure(outdir / "crack_w100.png", problem, geo, t_qc, t_full, r, open_qc, open_full, lefm)
    return out


def _figure(path, problem, geo, t_qc, t_full, r, open_qc, open_full, lefm) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(17, 5.5), constrained_layout=True)
    m = geo.mesh
    ax[0].triplot(m.nodes[:, 0], m.nodes[:, 1], m.elements, lw=0.3, color="0.5")
    ax[0].plot([m.nodes[:, 0].min(), problem.slit.tip], [problem.slit.y] * 2, "r-", lw=1.5, label="crack")
    ax[0].set(aspect="equal", title=f"slit mesh: {m.n_nodes} nodes, {m.n_elements} elements", xlabel="x [001] (A)",
              ylabel="y [100] (A)")
    ax[0].legend(loc="upper right")
    K_G = problem.griffith_K
    for name, t, colour, marker in (("BQCF", t_qc, "C3", "o"), ("full atomistic", t_full, "k", "s")):
        K, tip = np.array(t.history).T
        ax[1].plot(tip - problem.centre[0], K / K_G, marker, color=colour, ms=4, label=name)
        for threshold in (t.K_plus, t.K_minus):
            if threshold is not None:
                ax[1].axhline(threshold / K_G, color=colour, lw=0.6, ls=":")
    ax[1].axhline(1.0, color="0.5", lw=0.8)
    ax[1].set(xlabel="crack-tip position - initial tip (A)", ylabel="K / K_G",
              title="loading path: K+ (advance) and K- (healing)")
    ax[1].legend()
    ax[2].plot(r, open_qc, "C3o", ms=3, label="BQCF")
    ax[2].plot(r, open_full, "k.", ms=3, label="full atomistic")
    ax[2].plot(r, lefm, "C0-", label="anisotropic LEFM")
    ax[2].set(xlabel="distance behind the tip (A)", ylabel="opening (A)", title="crack opening at K_G")
    ax[2].legend()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--outdir", type=Path, default=Path("out"))
    p.add_argument("--radius", type=float, default=20.0, help="atomistic disc radius around the tip (A)")
    p.add_argument("--half-width", type=float, default=70.0, help="half-width of the square domain (A)")
    args = p.parse_args()
    r = run(args.outdir, radius=args.radius, half_width=args.half_width)
    if (args.radius, args.half_width) == (20.0, 70.0):  # the run README quotes
        print(f"wrote {write_results(RESULTS / 'crack_w100.json', r, script='examples/crack_w100.py')}")
    print(f"surface energy {r['surface_energy']:.4f} J/m^2, E' {r['E_prime_GPa']:.2f} GPa, "
          f"K_G {r['K_G']:.4f} MPa m^0.5")
    for name in ("qc", "full"):
        q = r[name]
        k = {key: "none found" if q[key] is None else f"{q[key]:.4f}" for key in ("K_minus", "K_plus")}
        print(f"{name:>5}: K- {k['K_minus']}  K+ {k['K_plus']} MPa m^0.5 (searched up to {q['K_max']:.3f}), "
              f"{q['dofs']} DOF, {q['wall_s']:.1f} s ({q['relaxations']} relaxations)")
    print(f"opening at {r['opening_r']:.2f} A behind the tip: BQCF {r['opening_qc']:.4f}, "
          f"full {r['opening_full']:.4f}, LEFM {r['opening_lefm']:.4f} A")


if __name__ == "__main__":
    main()
