"""The LAMMPS lines that start a canonical (NVT) run, shared by every sampler that thermalises a
crystal (stress bursts, finite-temperature elastic constants, the gripped bar).

Velocities are drawn at 2T: a crystal started at its lattice sites shares its kinetic energy
with the potential energy (equipartition), and settles near T. The thermostat is velocity
Verlet with ``fix langevin ... zero yes``: its random forces sum to zero, so the group's centre
of mass does not wander. Units are LAMMPS ``metal`` (K, ps); times are given here in fs.
"""

from __future__ import annotations

__all__ = ["initial_velocities", "langevin_nvt"]


def initial_velocities(group: str, temperature: float, seed: int) -> str:
    """``velocity ... create`` at twice ``temperature`` (K), zero total momentum, Gaussian,
    the same for any number of processors (``loop all``)."""
    return f"velocity {group} create {2.0 * temperature!r} {int(seed)} mom yes rot no dist gaussian loop all"


def langevin_nvt(group: str, temperature: float, damping_fs: float, seed: int) -> list[str]:
    """``fix nve`` and a Langevin thermostat at ``temperature`` (K) with damping time
    ``damping_fs`` (fs) on ``group``; fix IDs ``qcb_nve`` and ``qcb_langevin``."""
    return [f"fix qcb_nve {group} nve",
            f"fix qcb_langevin {group} langevin {temperature!r} {temperature!r} {damping_fs / 1000.0!r} {int(seed)} "
            "zero yes"]
