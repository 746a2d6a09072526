"""Molecular dynamics on a coupled model, and the waves its atomistic-continuum interface sends back.

A coupled model is an ASE calculator on its nodes, and the nodes carry their lumped masses
(:func:`qcbridge.coupling.masses.lumped_masses`), so ASE's velocity Verlet (or Langevin) runs on
``model.atoms(u)`` unchanged: the atomistic region moves as atoms, the finite-element region as
a mass-lumped continuum. Energy-based couplings (QCE, BQCE) conserve the energy up to Verlet's
O(dt^2) error; force-based ones (QCF, BQCF) have no energy to conserve.

Waves shorter than the elements cannot enter the mesh: they are reflected at the interface
and into the atomistic region (the spurious reflection of dynamic QC).
:func:`interface_reflection` measures it. A longitudinal wave packet starts at the centre of a
slab's atomistic region, on the relaxed state of each model. Every model is run with velocity
Verlet, and so is the full-atomistic crystal of the same domain (LAMMPS). The reflected energy
is the harmonic energy, within the atomistic core, of the difference between the coupled model's
motion and the full crystal's. It is measured when the packet has had time to leave the core,
and before anything reflected by the domain's outer surface could come back.
Units: Angstrom, amu, eV, fs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms, units
from ase.md.verlet import VelocityVerlet

from ..calculator import LammpsCalculator
from ..coupling import QCModel, Region
from ..coupling.builders import SlabSetup
from ..engines.force_constants import pair_force_constants, stiffness_matrix
from ..engines.lammps import LammpsEngine
from ..errors import DefectGeometryError
from ..solvers import RelaxOptions, relax

__all__ = ["InterfaceReflection", "interface_reflection"]


@dataclass(frozen=True)
class InterfaceReflection:
    """One model's run of :func:`interface_reflection`.

    Attributes
    ----------
    method : str
        The coupling method, or ``"full"`` for the full-atomistic crystal.
    wavelength : float
        Carrier wavelength (Angstrom).
    energy_left_fraction : float
        Harmonic energy in the core at the end over the packet's initial energy.
    reflected_energy_fraction : float
        Energy of the difference from the full crystal's motion in the core, over the initial
        energy (0 for the full crystal itself).
    dofs : int
        Degrees of freedom (3 x nodes or atoms).
    seconds_per_step : float
        Wall time of one MD step (s).
    """

    method: str
    wavelength: float
    energy_left_fraction: float
    reflected_energy_fraction: float
    dofs: int
    seconds_per_step: float


def interface_reflection(setup: SlabSetup, methods: Sequence[str] = ("qce", "bqcf"),
                         wavelengths: Sequence[float] = (24.0, 12.0, 8.0), *, width: float = 12.0,
                         amplitude: float = 0.01, dt: float = 2.0, t_end: float | None = None,
                         progress: Callable[[str], None] | None = None) -> list[InterfaceReflection]:
    """Send wave packets from the centre of a slab's atomistic region; measure what its interface sends back.

    Parameters
    ----------
    setup : SlabSetup
        A coupled slab (:func:`qcbridge.coupling.builders.slab_setup`) of a Bravais crystal, its
        atomistic region centred in the domain.
    methods : sequence of str
        Coupling methods to run.
    wavelengths : sequence of float
        Carrier wavelengths (Angstrom) of the packets, u_x = A exp(-r^2 / width^2) cos(2 pi x / wavelength).
    width, amplitude : float
        Packet width and amplitude (Angstrom).
    dt : float
        Time step (fs).
    t_end : float, optional
        Run length (fs); default the time the slowest sound wave takes to cross the core and two widths.
    progress : callable, optional
        Called with a line of text as each run ends.

    Returns
    -------
    list of InterfaceReflection
        For every wavelength: the full crystal first, then each method.

    Raises
    ------
    DefectGeometryError
        The domain is too small: its outer surface would send waves back into the core before t_end.
    """
    g = setup.geometry
    sites = setup.crystal.positions
    centre = 0.5 * (sites.min(axis=0) + sites.max(axis=0))
    core_nodes = np.flatnonzero(g.region[g.node_site] == Region.CORE)
    core_sites = g.node_site[core_nodes]
    radius = float(np.linalg.norm(sites[core_sites, :2] - centre[:2], axis=1).max())
    mass = float(setup.crystal.get_masses()[0])
    cell = Atoms(setup.crystal.get_chemical_symbols()[:1],  # type: ignore[no-untyped-call]
                 positions=setup.material.basis[:1], cell=setup.material.cell, pbc=True)
    fc = pair_force_constants(setup.potential, cell)
    speeds = fc.sound_speeds(mass, np.array([1.0, 0.0, 0.0]))
    t_end = (radius + 2 * width) / speeds[0] if t_end is None else float(t_end)
    edge = float(min(centre[0] - sites[:, 0].min(), centre[1] - sites[:, 1].min()))
    fastest = 1.2 * speeds[-1]
    if (2 * edge - radius) / fastest < t_end:
        raise DefectGeometryError(
            f"the domain's outer surface, {edge:.0f} A from the centre, would send waves back into the core "
            f"({radius:.0f} A) after {(2 * edge - radius) / fastest:.0f} fs, before the run ends at {t_end:.0f} fs; "
            f"enlarge the slab to a half-width of at least {0.5 * (fastest * t_end + radius):.0f} A")
    k_core = stiffness_matrix(sites[core_sites], np.asarray(setup.crystal.cell), np.array([False, False, True]), fc)

    def energy(u: np.ndarray, v: np.ndarray) -> float:
        """Harmonic energy (eV) of core displacements (A) and velocities (ASE units)."""
        return float(0.5 * mass * np.sum(v * v) + 0.5 * u.ravel() @ (k_core @ u.ravel()))

    def packet(x: np.ndarray, wavelength: float) -> np.ndarray:
        r2 = np.sum((x[:, :2] - centre[:2]) ** 2, axis=1)
        u = np.zeros_like(x)
        u[:, 0] = amplitude * np.exp(-r2 / width**2) * np.cos(2 * math.pi * (x[:, 0] - centre[0]) / wavelength)
        return u

    steps = int(round(t_end / dt))
    with LammpsEngine(setup.crystal, setup.potential, min_distance=0.0) as eng:  # the full crystal, relaxed
        eng.commands(["min_style cg", "minimize 0 1e-6 20000 200000"])
        relaxed = eng.positions()
    rows: dict[tuple[int, int], InterfaceReflection] = {}  # (wavelength, 0 for the full crystal or 1 + method)
    references = []
    for k, wavelength in enumerate(wavelengths):
        full = setup.crystal.copy()  # type: ignore[no-untyped-call]  # unannotated in ase
        full.positions = relaxed + packet(sites, wavelength)
        full.calc = LammpsCalculator(setup.potential, min_distance=0.0)
        e0 = full.get_potential_energy()
        full.positions = relaxed
        e0 -= full.get_potential_energy()
        full.positions = relaxed + packet(sites, wavelength)
        per_step = _verlet(full, dt, steps)
        u_ref = full.positions[core_sites] - relaxed[core_sites]
        v_ref = full.get_velocities()[core_sites]
        references.append((u_ref, v_ref, e0))
        rows[k, 0] = InterfaceReflection("full", wavelength, energy(u_ref, v_ref) / e0, 0.0, 3 * len(full), per_step)
        if progress is not None:
            progress(f"wavelength {wavelength:g} A, full crystal: {per_step * 1e3:.1f} ms per step")
    for j, m in enumerate(methods, start=1):
        with QCModel(g, setup.potential, setup.material, m) as model:  # one model per method, relaxed once
            relaxed_u = relax(model, "lbfgs", RelaxOptions(fmax=1e-5, raise_on_failure=True)).u
            for k, wavelength in enumerate(wavelengths):
                model.reset()  # each run starts from LAMMPS's state as a new model's would
                atoms = model.atoms(relaxed_u + packet(g.reference_nodes, wavelength))
                per_step = _verlet(atoms, dt, steps)
                u = (model.displacements(atoms) - relaxed_u)[core_nodes]
                v = atoms.get_velocities()[core_nodes]  # type: ignore[no-untyped-call]
                u_ref, v_ref, e0 = references[k]
                rows[k, j] = InterfaceReflection(m, wavelength, energy(u, v) / e0, energy(u - u_ref, v - v_ref) / e0,
                                                 3 * model.n_nodes, per_step)
                if progress is not None:
                    progress(f"wavelength {wavelength:g} A, {m}: reflected {rows[k, j].reflected_energy_fraction:.3g}")
    return [rows[k, j] for k in range(len(wavelengths)) for j in range(len(methods) + 1)]


def _verlet(atoms: Atoms, dt: float, steps: int) -> float:
    """Velocity Verlet from rest; seconds per step."""
    t0 = time.perf_counter()
    VelocityVerlet(atoms, timestep=dt * units.fs).run(steps)  # type: ignore[no-untyped-call]  # unannotated in ase
    return (time.perf_counter() - t0) / max(steps, 1)
