"""Figures users look at: matplotlib, written to files (Agg backend, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # plotting sits above memory; the import is for the annotation only
    from .memory.report import KernelReport

__all__ = ["plot_cell_fields", "plot_kernel_report"]


def plot_kernel_report(report: KernelReport, path: str | Path, *, time_label: str = "t", time_scale: float = 1.0,
                       gamma_label: str = "Γ(t)") -> Path:
    """Two panels: Gamma(t) with its error band and fit; MD VACF against the fitted GLE's VACF.

    Parameters
    ----------
    report : qcbridge.memory.report.KernelReport
        Kernel (Gamma, mass / time^2), its fit (K = Gamma / m) and the VACFs.
    path : str or Path
        Output image (format from the suffix).
    time_label : str
        Axis label of time, e.g. ``"t (fs)"``.
    time_scale : float
        Multiplies times for display (e.g. 1 / ase.units.fs).
    gamma_label : str
        Axis label of the kernel, with its unit.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = report.kernel
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ts = k.t * time_scale
    err = np.where(np.isfinite(k.gamma_err), k.gamma_err, 0.0)
    a1.fill_between(ts, k.gamma - 2 * err, k.gamma + 2 * err, color="C0", alpha=0.3, label="±2σ")
    a1.plot(ts, k.gamma, "C0", label="estimate")
    a1.plot(ts, report.mass * report.fit(k.t), "C3--", label=f"fit ({len(report.fit.c)} terms)")  # Gamma = m K
    a1.axhline(0, color="k", lw=0.5)
    a1.set(xlabel=time_label, ylabel=gamma_label, title="friction kernel")
    a1.legend()
    tv = report.t_vacf * time_scale
    a2.plot(tv, report.vacf_md / report.vacf_md[0], "C0", label="MD")
    a2.plot(tv, report.vacf_gle / report.vacf_md[0], "C3--", label="GLE (fit)")
    a2.axhline(0, color="k", lw=0.5)
    title = f"max dev {100 * report.vacf_deviation:.1f} %"
    if report.diffusion_md is not None:
        title += f", D_GLE/D_MD = {report.diffusion_gle / report.diffusion_md:.3f}"
    a2.set(xlabel=time_label, ylabel="VACF / VACF(0)", title=title)
    a2.legend()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_cell_fields(phases: np.ndarray, field: np.ndarray, path: str | Path, *, kind: str = "elasticity") -> Path:
    """Phase image and the local field of one cell problem (3D: the middle slice along z).

    Parameters
    ----------
    phases : ndarray of int, shape (n1, n2) or (n1, n2, n3)
    field : ndarray, shape (m, n1, n2[, n3])
        Local gradient (conductivity) or Mandel strain (elasticity) of a load case with a unit
        mean first component.
    path : str or Path
        Output image (format from the suffix).
    kind : str
        ``"elasticity"`` or ``"conductivity"``: labels the panels.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def middle(a: np.ndarray) -> np.ndarray:
        return a if a.ndim == 2 else a[:, :, a.shape[2] // 2]

    names = ["e_x", "e_y", "e_z"] if kind == "conductivity" else (
        ["eps_xx", "eps_yy", "sqrt2 eps_xy"] if phases.ndim == 2 else
        ["eps_xx", "eps_yy", "eps_zz", "sqrt2 eps_yz", "sqrt2 eps_xz", "sqrt2 eps_xy"])
    shown = [0, len(names) - 1]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), constrained_layout=True)
    image = axes[0].imshow(middle(phases).T, origin="lower", cmap="viridis", interpolation="nearest")
    fig.colorbar(image, ax=axes[0], label="phase")
    axes[0].set(title="phases" + (" (middle z slice)" if phases.ndim == 3 else ""), xlabel="x (voxels)",
                ylabel="y (voxels)")
    for ax, c in zip(axes[1:], shown, strict=True):
        data = middle(field[c])
        im = ax.imshow(data.T, origin="lower", cmap="RdBu_r", interpolation="nearest")
        fig.colorbar(im, ax=ax, label=names[c])
        ax.set(title=f"{names[c]} under unit mean {names[0]}", xlabel="x (voxels)")
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
