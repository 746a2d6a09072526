"""Export of a fitted kernel to LAMMPS: ``fix gle`` A-matrix files and ``fix gld`` Prony series.

``fix gle`` propagates the mass-scaled momentum sqrt(m) v with ns auxiliary momenta,
d(p, s)/dt = -A (p, s) + noise, reading A (row-major, (ns+1)^2 numbers, ``#`` comments
allowed) in inverse LAMMPS time units. The drift of :meth:`KernelFit.drift` is exactly that
matrix for the kernel per unit mass K = Gamma / m, so only the time unit changes. ``fix gle``
integrates the atoms itself (it is not combined with ``fix nve``).

``fix gld`` with the ``pprony`` series takes Gamma(t) = sum_k (c_k / tau_k) exp(-t / tau_k)
with c_k in mass/time and tau_k in time (LAMMPS units); it only represents kernels of
non-oscillating exponentials, the same for every atom type.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import KernelError
from ..io.units import LammpsUnits
from .embedding import KernelFit

__all__ = ["fix_gld_command", "gle_a_matrix", "write_fix_gle"]


def _per_lammps_time(units: LammpsUnits, time_unit: float) -> float:
    """Fit time units per LAMMPS time unit (``time_unit`` = ASE time per fit time unit)."""
    return units.time / time_unit


def gle_a_matrix(fit: KernelFit, *, units="metal", time_unit: float = 1.0) -> np.ndarray:
    """The ``fix gle`` A matrix in inverse LAMMPS time units.

    Parameters
    ----------
    fit : KernelFit
        Kernel per unit mass, K = Gamma / m (1 / time^2 in the fit's time unit).
    units : LammpsUnits or str
        LAMMPS ``units`` style of the run that will read the file.
    time_unit : float
        The fit's time unit in ASE time units (1.0 for kernels from trajectories read by
        qcbridge; ``ase.units.fs`` for a fit in femtoseconds; 1.0 with ``units="lj"``).
    """
    units = LammpsUnits.parse(units)
    return fit.drift() * _per_lammps_time(units, time_unit)


def write_fix_gle(fit: KernelFit, path: str | Path, *, units="metal", time_unit: float = 1.0) -> str:
    """Write the A matrix for ``fix gle`` and return the matching fix arguments.

    Returns
    -------
    str
        ``"gle <ns> ${T} ${T} <seed> <path>"`` with placeholders to fill: the caller adds
        ``fix ID group`` in front and sets temperature and seed.
    """
    units = LammpsUnits.parse(units)
    A = gle_a_matrix(fit, units=units, time_unit=time_unit)
    ns = len(A) - 1
    tunit = {LammpsUnits.METAL: "ps", LammpsUnits.REAL: "fs", LammpsUnits.LJ: "tau"}[units]
    terms = "; ".join(f"{c:.6g} exp(-{g:.6g} t) cos({w:.6g} t)" for c, g, w in zip(fit.c, fit.g, fit.w))
    header = (
        f"# fix gle A matrix written by qcbridge ({ns} auxiliary momenta), units {units.value}: 1/{tunit}\n"
        f"# kernel per unit mass in the fit's time unit: {terms}\n"
        f"# usage: fix ID group gle {ns} Tstart Tstop seed {Path(path).name}   (no fix nve on the group)\n"
    )
    body = "\n".join(" ".join(f"{a:.16e}" for a in row) for row in A)
    Path(path).write_text(header + body + "\n")
    return f"gle {ns} ${{T}} ${{T}} ${{seed}} {path}"


def fix_gld_command(fit: KernelFit, mass: float, *, temperature: float, seed: int, group: str = "all",
                    fix_id: str = "gld", units="metal", time_unit: float = 1.0) -> str:
    """The ``fix gld ... pprony`` command for a fit made only of exponentials.

    Parameters
    ----------
    fit : KernelFit
        Kernel per unit mass (time unit ``time_unit``).
    mass : float
        Particle mass in LAMMPS mass units (amu for metal/real); Gamma = m K.
    temperature : float
        Target temperature (LAMMPS temperature units).
    seed : int
        Random seed (> 0).
    group, fix_id : str
    units : LammpsUnits or str
    time_unit : float
        The fit's time unit in ASE time units.

    Raises
    ------
    KernelError
        The fit has oscillating terms, which a Prony series cannot represent.
    """
    units = LammpsUnits.parse(units)
    if np.any(fit.w != 0):
        raise KernelError("fix gld takes a Prony series of decaying exponentials; this fit has oscillating "
                          f"terms (w = {fit.w[fit.w != 0]}): refit with n_osc=0 or export to fix gle")
    if seed <= 0:
        raise KernelError(f"LAMMPS needs a positive seed, got {seed}")
    scale = _per_lammps_time(units, time_unit)
    g = fit.g * scale  # 1 / LAMMPS time
    c = mass * fit.c * scale**2 / g  # c_k / tau_k = m c_i  -> c_k = m c_i / g_i
    tau = 1.0 / g
    series = " ".join(f"{ck:.10g} {tk:.10g}" for ck, tk in zip(c, tau))
    return f"fix {fix_id} {group} gld {temperature:g} {temperature:g} {len(c)} {seed} pprony {series}"
