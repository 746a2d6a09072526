"""Export of a fitted kernel to LAMMPS: ``fix gle`` A-matrix files and ``fix gld`` Prony series.

``fix gle`` propagates the mass-scaled momentum sqrt(m) v with ns auxiliary momenta,
d(p, s)/dt = -A (p, s) + noise, reading A (row-major, (ns+1)^2 numbers, ``#`` comments
allowed) in inverse LAMMPS time units. The drift of :meth:`KernelFit.drift` is exactly that
matrix for the kernel per unit mass K = Gamma / m, so only the time unit changes. ``fix gle``
integrates the atoms itself (it is not combined with ``fix nve``); its temperature is the
fit's kT / k_B.

``fix gld`` with the ``pprony`` series takes Gamma(t) = sum_k (c_k / tau_k) exp(-t / tau_k)
with c_k in mass/time and tau_k in time (LAMMPS units); it only represents kernels of
non-oscillating exponentials, the same for every atom type.

Units: the fit's time unit is ``time_unit`` ASE time units (1.0 for kernels estimated from
trajectories read by qcbridge, which are in ASE units), its mass amu (= g/mol in metal and
real units) and its kT mass * length^2 / time^2 in those units, i.e. kT * time_unit^2 eV.
For ``units="lj"`` everything stays reduced (time_unit 1.0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import KernelError
from ..io.units import LammpsUnits
from .checks import check_positive
from .embedding import KernelFit

__all__ = ["fix_gld_command", "gle_a_matrix", "lammps_temperature", "write_fix_gle"]


def _per_lammps_time(units: LammpsUnits, time_unit: float) -> float:
    """Fit time units per LAMMPS time unit (``time_unit`` = ASE time per fit time unit)."""
    return units.time / check_positive(time_unit, "time_unit")


def lammps_temperature(kT: float, *, units: LammpsUnits | str = "metal", time_unit: float = 1.0) -> float:
    """The LAMMPS temperature (K; reduced for lj) of a thermal energy kT in the fit's units
    (mass * length^2 / time_unit^2: eV when ``time_unit`` is 1.0)."""
    units = LammpsUnits.parse(units)
    return units.temperature(check_positive(kT, "kT") * check_positive(time_unit, "time_unit") ** 2)


def gle_a_matrix(fit: KernelFit, *, units: LammpsUnits | str = "metal", time_unit: float = 1.0) -> np.ndarray:
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

    Returns
    -------
    ndarray, shape (ns + 1, ns + 1)
        1 / LAMMPS time unit.
    """
    units = LammpsUnits.parse(units)
    return fit.drift() * _per_lammps_time(units, time_unit)


def _terms(fit: KernelFit, scale: float) -> str:
    return "\n".join(
        f"#   {c * scale**2:.6g} exp(-{g * scale:.6g} t) " + (
            f"[cos({w * scale:.6g} t) + ({g * scale:.6g}/{w * scale:.6g}) sin({w * scale:.6g} t)]" if smooth
            else f"cos({w * scale:.6g} t)")
        for c, g, w, smooth in zip(fit.c, fit.g, fit.w, fit.smooth_terms, strict=True))


def write_fix_gle(fit: KernelFit, path: str | Path, *, units: LammpsUnits | str = "metal",
                  time_unit: float = 1.0) -> str:
    """Write the A matrix for ``fix gle`` and return the matching fix arguments.

    The header states the units of A and of the kernel's terms, and, when the fit carries
    them, the mass and temperature it was fitted at.

    Parameters
    ----------
    fit : KernelFit
        Kernel per unit mass; its ``kT`` (if any) gives the temperature.
    path : str or Path
    units : LammpsUnits or str
        LAMMPS ``units`` style of the run that will read the file.
    time_unit : float
        The fit's time unit in ASE time units (see :func:`gle_a_matrix`).

    Returns
    -------
    str
        ``"gle <ns> <T> <T> ${seed} <path>"``, with the fit's temperature in LAMMPS units
        (``${T}`` when the fit carries no kT): the caller adds ``fix ID group`` in front and
        sets the seed.
    """
    units = LammpsUnits.parse(units)
    A = gle_a_matrix(fit, units=units, time_unit=time_unit)
    ns = len(A) - 1
    tunit = units.time_name
    scale = _per_lammps_time(units, time_unit)  # fit time units per LAMMPS time unit: rates times scale
    temperature = "${T}"
    lines = [
        f"# fix gle A matrix written by qcbridge: {ns} auxiliary momenta; LAMMPS units {units.value}, "
        f"A in 1/{tunit}",
        f"# kernel per unit mass K(t) = Gamma(t)/m (c in 1/{tunit}^2; g, w in 1/{tunit}; t in {tunit}):",
        _terms(fit, scale),
    ]
    if fit.mass is not None and fit.kT is not None:
        T = lammps_temperature(fit.kT, units=units, time_unit=time_unit)
        temperature = f"{T:.6g}"
        t_name = "T*" if units is LammpsUnits.LJ else "T"
        t_unit = "" if units is LammpsUnits.LJ else " K"
        kT = fit.kT * time_unit**2 / units.energy
        lines.append(f"# fitted for mass {fit.mass / units.mass:.6g} {units.mass_name} at "
                     f"kT = {kT:.6g} {units.energy_name} ({t_name} = {T:.6g}{t_unit})")
    lines.append(f"# usage: fix ID group gle {ns} {temperature} {temperature} seed {Path(path).name}   "
                 "(fix gle integrates the atoms: no fix nve on the group)")
    body = "\n".join(" ".join(f"{a:.16e}" for a in row) for row in A)
    Path(path).write_text("\n".join(lines) + "\n" + body + "\n")
    return f"gle {ns} {temperature} {temperature} ${{seed}} {path}"


def fix_gld_command(fit: KernelFit, mass: float | None = None, *, seed: int, temperature: float | None = None,
                    group: str = "all", fix_id: str = "gld", units: LammpsUnits | str = "metal",
                    time_unit: float = 1.0) -> str:
    """The ``fix gld ... pprony`` command for a fit made only of exponentials.

    Parameters
    ----------
    fit : KernelFit
        Kernel per unit mass (time unit ``time_unit``).
    mass : float, optional
        Particle mass in LAMMPS mass units (amu for metal/real); Gamma = m K. Default the
        fit's mass.
    seed : int
        Random seed (> 0).
    temperature : float, optional
        Target temperature (LAMMPS temperature units). Default the fit's kT / k_B.
    group, fix_id : str
    units : LammpsUnits or str
    time_unit : float
        The fit's time unit in ASE time units.

    Raises
    ------
    KernelError
        The fit has oscillating terms, which a Prony series cannot represent; mass or
        temperature neither given nor carried by the fit; a non-positive seed.
    """
    units = LammpsUnits.parse(units)
    if np.any(fit.w != 0):
        raise KernelError("fix gld takes a Prony series of decaying exponentials; this fit has oscillating "
                          f"terms (w = {fit.w[fit.w != 0]}): refit with n_osc=0 or export to fix gle")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed <= 0:
        raise KernelError(f"LAMMPS needs a positive integer seed, got {seed!r}")
    if mass is None:
        mass = fit.thermal(kT=1.0)[1] / units.mass  # amu -> LAMMPS mass units
    if temperature is None:
        temperature = lammps_temperature(fit.thermal(mass=1.0)[0], units=units, time_unit=time_unit)
    mass = check_positive(mass, "mass")
    temperature = check_positive(temperature, "temperature")
    scale = _per_lammps_time(units, time_unit)
    g = fit.g * scale  # 1 / LAMMPS time
    if np.any(g <= 0):
        raise KernelError("fix gld needs decaying terms (g > 0); this fit has a constant term")
    c = mass * fit.c * scale**2 / g  # c_k / tau_k = m c_i  -> c_k = m c_i / g_i
    tau = 1.0 / g
    series = " ".join(f"{ck:.10g} {tk:.10g}" for ck, tk in zip(c, tau, strict=True))
    return f"fix {fix_id} {group} gld {temperature:g} {temperature:g} {len(c)} {seed} pprony {series}"
