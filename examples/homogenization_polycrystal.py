"""Copper polycrystals from the crystal's own potential: elastic constants at 0 K and 300 K
from LAMMPS, FFT homogenization of untextured Voronoi polycrystals, and the RVE size.

1. Phase data: the cubic elastic constants of Cu_mishin1.eam.alloy (Mishin et al. 2001),
   static (0 K, Cauchy-Born) and at 300 K by the stress-strain method in NVT at the NPT
   lattice constant (:func:`qcbridge.homogenization.atomistic.finite_temperature_elastic_constants`).
2. Voronoi polycrystals of random orientation, one grain per 6^3 voxels on average, in cells of
   12^3 ... 30^3 voxels (8 to 125 grains), several realisations each; every grain gets the
   crystal's stiffness rotated to its orientation; the FFT (Fourier-Galerkin CG) gives the
   apparent stiffness of each cell. Reported: the isotropic bulk and shear moduli of the mean
   (the bulk modulus of a cubic polycrystal is exactly the crystal's), against the Voigt,
   Reuss and Hill averages; the variance of the apparent shear modulus against the cell volume
   (fitted power law, integral range in grain volumes) and the cell that gives 1 % precision
   from one realisation.
3. The 2D checkerboard's sqrt(k1 k2), with the error against N (the convergence order).

Writes homogenization_polycrystal.png (a section of the largest cell with its local strain,
the apparent shear modulus against cell size, the variance law, the checkerboard
convergence), homogenization_polycrystal.vtu (the largest cell's grains and local strain, for
ParaView) and, with ``--record``, docs/results/homogenization_polycrystal.json.

Run: ``python examples/homogenization_polycrystal.py [--outdir DIR] [--realizations 6] [--record]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from qcbridge import load_potential
from qcbridge.homogenization import homogenize_conductivity, homogenize_stiffness
from qcbridge.homogenization.analytic import checkerboard_conductivity
from qcbridge.homogenization.atomistic import finite_temperature_elastic_constants
from qcbridge.homogenization.microstructures import grain_stiffness, random_orientations, voronoi_grains
from qcbridge.homogenization.rve import rve_study
from qcbridge.io.results import write_results
from qcbridge.tensors import cubic_stiffness

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"
POTENTIAL = "Cu_mishin1.eam.alloy"
#: Voxels per grain (on average).
GRAIN_VOXELS = 6**3


def isotropic_moduli(C: np.ndarray) -> tuple[float, float]:
    """Bulk and shear moduli of the isotropic part of a 6x6 Voigt stiffness (Voigt projection)."""
    bulk = C[:3, :3].sum() / 9.0
    shear = (np.trace(C[:3, :3]) - C[0, 1] - C[0, 2] - C[1, 2] + 3.0 * np.trace(C[3:, 3:])) / 15.0
    return float(bulk), float(shear)


def averages(c11: float, c12: float, c44: float) -> dict[str, float]:
    """Voigt, Reuss and Hill shear moduli of a random cubic polycrystal, and its bulk modulus."""
    voigt = (c11 - c12 + 3.0 * c44) / 5.0
    reuss = 5.0 / (4.0 / (c11 - c12) + 3.0 / c44)
    return {"bulk": (c11 + 2.0 * c12) / 3.0, "G_voigt": voigt, "G_reuss": reuss, "G_hill": 0.5 * (voigt + reuss)}


def polycrystal(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A Voronoi cell of edge ``size`` voxels and its grain orientations."""
    grains = max(2, round(size**3 / GRAIN_VOXELS))
    return voronoi_grains(size, 3, grains, rng), random_orientations(grains, rng)


def checkerboard_convergence(sizes: tuple[int, ...] = (16, 32, 64, 128, 256, 512), contrast: float = 10.0) -> dict:
    """Relative error of the FFT checkerboard conductivity against sqrt(k1 k2) for each N, and
    the fitted order of convergence."""
    errors = []
    for n in sizes:
        i, j = np.indices((n, n)) // (n // 2)
        k = homogenize_conductivity((i + j) % 2, [1.0, contrast]).tensor[0, 0]
        errors.append(abs(k / checkerboard_conductivity(1.0, contrast) - 1.0))
    order = -float(np.polyfit(np.log(sizes), np.log(errors), 1)[0])
    return {"N": list(sizes), "error": errors, "order": order}


def run(outdir: Path, *, sizes: tuple[int, ...] = (12, 18, 24, 30), realizations: int = 6,
        temperature: float = 300.0, seed: int = 2026) -> dict:
    """Everything above; returns the numbers (moduli in GPa, volumes in voxels, times in s)."""
    outdir.mkdir(parents=True, exist_ok=True)
    pot = load_potential(POTENTIAL)
    t0 = time.perf_counter()
    static = finite_temperature_elastic_constants(pot, "fcc", 3.615, 0.0)
    hot = finite_temperature_elastic_constants(pot, "fcc", static.lattice_constant, temperature, timestep_fs=2.0,
                                               seed=seed, progress=lambda line: print("  " + line, flush=True))
    md_s = time.perf_counter() - t0
    phase = {"0 K": static, f"{temperature:g} K": hot}
    out: dict = {"potential": POTENTIAL, "temperature": temperature, "md_wall_s": md_s, "grain_voxels": GRAIN_VOXELS,
                 "crystal": {k: {"a": v.lattice_constant, "C11_C12_C44": list(v.cubic()),
                                 "error": list(v.cubic_error())} for k, v in phase.items()}}
    rng = np.random.default_rng(seed)
    studies = {}
    for label, constants in phase.items():
        crystal = cubic_stiffness(*constants.cubic())
        last: dict = {}

        def apparent(cell: tuple[np.ndarray, np.ndarray], crystal: np.ndarray = crystal, last: dict = last) -> float:
            grains, rotations = cell
            result = homogenize_stiffness(grains, list(grain_stiffness(crystal, rotations)), tol=1e-6,
                                          keep_fields=grains.shape[0] == sizes[-1] and "grains" not in last)
            if result.fields:
                last.update(grains=grains, field=result.fields[5], C=result.tensor)
            last.setdefault("bulk", []).append(isotropic_moduli(result.tensor)[0])
            return isotropic_moduli(result.tensor)[1]

        t1 = time.perf_counter()
        stats = rve_study(polycrystal, apparent, sizes, realizations, rng,
                          progress=lambda done, total, label=label: print(f"  {label}: cell {done}/{total}",
                                                                          flush=True))
        reference = averages(*constants.cubic())
        studies[label] = (stats, last)
        out[label] = {"sizes": stats.sizes, "mean_G": stats.mean, "std_G": stats.std, "alpha": stats.alpha,
                      "K_fit": stats.K, "bulk_max_deviation": float(np.max(np.abs(np.array(last["bulk"])
                                                                                   / reference["bulk"] - 1.0))),
                      "rve_voxels_1pct": stats.rve_volume(0.01), "wall_s": time.perf_counter() - t1, **reference}
    out["checkerboard"] = checkerboard_convergence()
    _write_cell(outdir / "homogenization_polycrystal.vtu", studies[f"{temperature:g} K"][1])
    _figure(outdir / "homogenization_polycrystal.png", studies, out)
    return out


def _write_cell(path: Path, last: dict) -> None:
    """The largest cell as hexahedra with grain labels and the local shear strain (ParaView)."""
    import meshio

    grains = last["grains"]
    n = grains.shape[0]
    corner = np.indices((n + 1,) * 3).reshape(3, -1).T.astype(float)
    index = np.arange((n + 1) ** 3).reshape((n + 1,) * 3)
    i, j, k = (a.ravel() for a in np.indices((n,) * 3))
    hexes = np.stack([index[i, j, k], index[i + 1, j, k], index[i + 1, j + 1, k], index[i, j + 1, k],
                      index[i, j, k + 1], index[i + 1, j, k + 1], index[i + 1, j + 1, k + 1], index[i, j + 1, k + 1]],
                     axis=1)
    strain = last["field"] / np.array([1, 1, 1, np.sqrt(2), np.sqrt(2), np.sqrt(2)])[:, None, None, None]
    meshio.Mesh(corner, [("hexahedron", hexes)],
                cell_data={"grain": [grains.ravel()], "eps_xy": [strain[5].ravel()],
                           "eps_xx": [strain[0].ravel()]}).write(path)


def _figure(path: Path, studies: dict, out: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 4, figsize=(19, 4.3), constrained_layout=True)
    hot = list(studies)[-1]
    last = studies[hot][1]
    middle = last["grains"].shape[2] // 2
    shear = last["field"][5][:, :, middle]
    im = ax[0].imshow((shear / last["field"][5].mean()).T, origin="lower", cmap="RdBu_r")
    section = last["grains"][:, :, middle]
    edge = (section != np.roll(section, 1, axis=0)) | (section != np.roll(section, 1, axis=1))
    ax[0].imshow(np.ma.masked_where(~edge, edge).T, origin="lower", cmap="gray_r", vmin=0, vmax=1, alpha=0.6)
    fig.colorbar(im, ax=ax[0], label="eps_xy / <eps_xy> (grain boundaries grey)")
    ax[0].set(title=f"{hot}: section of a {last['grains'].shape[0]}^3 cell", xlabel="x (voxels)", ylabel="y (voxels)")
    for (label, (stats, _)), colour in zip(studies.items(), ("C0", "C3"), strict=True):
        grains_per_cell = stats.volumes / GRAIN_VOXELS
        for g, s in zip(grains_per_cell, stats.samples, strict=True):
            ax[1].plot(np.full(s.size, g), s, ".", color=colour, alpha=0.4)
        ax[1].errorbar(grains_per_cell, stats.mean, stats.std, color=colour, marker="o", capsize=3,
                       label=f"{label}: FFT mean ± std")
        r = out[label]
        for key, style in (("G_voigt", ":"), ("G_reuss", "--"), ("G_hill", "-.")):
            ax[1].axhline(r[key], color=colour, ls=style, lw=0.8)
        ax[2].loglog(stats.volumes, stats.std**2, "o", color=colour, label=f"{label}: alpha = {stats.alpha:.2f}")
        ax[2].loglog(stats.volumes, stats.K * stats.volumes ** -stats.alpha, "-", color=colour)
    ax[1].set(xscale="log", xlabel="grains per cell", ylabel="apparent shear modulus (GPa)",
              title="Voigt (dotted), Hill (dash-dot), Reuss (dashed)")
    ax[1].legend(fontsize=8)
    ax[2].set(xlabel="cell volume (voxels)", ylabel="variance of G (GPa²)", title="variance law D² = K V^-alpha")
    ax[2].legend(fontsize=8)
    cb = out["checkerboard"]
    ax[3].loglog(cb["N"], cb["error"], "o-", label=f"order {cb['order']:.2f}")
    ax[3].set(xlabel="N (voxels per side)", ylabel="|k / sqrt(k1 k2) - 1|", title="2D checkerboard, k2/k1 = 10")
    ax[3].legend()
    from matplotlib.ticker import NullFormatter

    for a in ax[1:]:
        a.xaxis.set_minor_formatter(NullFormatter())
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=Path("out"))
    parser.add_argument("--realizations", type=int, default=6)
    parser.add_argument("--record", action="store_true", help="write docs/results/homogenization_polycrystal.json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    out = run(args.outdir, realizations=args.realizations)
    out["wall_s"] = time.perf_counter() - t0
    for label in out["crystal"]:
        c, e = out["crystal"][label]["C11_C12_C44"], out["crystal"][label]["error"]
        r = out[label]
        print(f"{label}: a = {out['crystal'][label]['a']:.4f} A, C11 C12 C44 = "
              + ", ".join(f"{x:.1f} ± {y:.2f}" for x, y in zip(c, e, strict=True)) + " GPa; "
              f"polycrystal G = {r['mean_G'][-1]:.2f} ± {r['std_G'][-1]:.2f} GPa (Reuss {r['G_reuss']:.2f}, "
              f"Hill {r['G_hill']:.2f}, Voigt {r['G_voigt']:.2f}); K = {r['bulk']:.2f} GPa exact to "
              f"{r['bulk_max_deviation']:.1e}; variance ~ V^-{r['alpha']:.2f}; 1 % from one cell of "
              f"{r['rve_voxels_1pct'] / GRAIN_VOXELS:.0f} grains")
    print(f"checkerboard order {out['checkerboard']['order']:.2f}; wall {out['wall_s']:.0f} s "
          f"(MD {out['md_wall_s']:.0f} s)")
    if args.record:
        write_results(RESULTS / "homogenization_polycrystal.json", out,
                      script="examples/homogenization_polycrystal.py")


if __name__ == "__main__":
    main()
