"""Molecular dynamics on coupled models: energy conservation and the interface's spurious reflection.

    python benchmarks/dynamic_qc.py [--record]

1. Energy conservation: an Al_jnp slab (24 x 12 periods, [110] x [-111] x [1-12], atomistic radius
   11 A, blending 8 A) with QCE, its atomistic core given 100 K of random velocities, run with ASE's
   VelocityVerlet on the model's Atoms (lumped node masses) for 600 fs at dt = 4, 2 and 1 fs: the
   largest deviation of the total energy must fall as dt^2.
2. Spurious reflection (:func:`qcbridge.dynamics.qc_waves.interface_reflection`): a 76 x 30 slab
   (213 x 204 A), atomistic radius 20 A; longitudinal packets of width 12 A and wavelengths 32, 16
   and 8 A from the centre; QCE and BQCF against the full-atomistic crystal of the same domain.
   Printed: the energy the interface sends back into the core, DOFs and time per MD step.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from ase import units
from ase.md.verlet import VelocityVerlet

from qcbridge import load_potential
from qcbridge.coupling import QCModel, Region
from qcbridge.coupling.builders import slab_setup
from qcbridge.dynamics.qc_waves import interface_reflection
from qcbridge.io.results import write_results

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def energy_conservation(pot, method: str = "qce") -> list[dict]:
    s = slab_setup(pot, size=(24, 12), atomistic=11.0, blend_width=8.0)
    core = s.geometry.region[s.geometry.node_site] == Region.CORE
    out = []
    with QCModel(s.geometry, pot, s.material, method) as model:
        for dt in (4.0, 2.0, 1.0):
            atoms = model.atoms()
            v = np.zeros((len(atoms), 3))
            v[core] = (np.random.default_rng(0).standard_normal((core.sum(), 3))
                       * np.sqrt(units.kB * 100.0 / model.masses[core, None]))
            atoms.set_velocities(v)
            energies: list[float] = []
            md = VelocityVerlet(atoms, timestep=dt * units.fs)
            md.attach(lambda a=atoms, e=energies: e.append(a.get_potential_energy() + a.get_kinetic_energy()))
            md.run(int(600 / dt))
            total = np.array(energies)
            out.append({"dt_fs": dt, "max_deviation_eV": float(np.abs(total - total[0]).max()),
                        "kinetic_start_eV": float(0.5 * np.sum(model.masses[:, None] * v * v))})
            print(f"{method} dt = {dt:g} fs: largest energy deviation {out[-1]['max_deviation_eV']:.3g} eV "
                  f"(kinetic energy at the start {out[-1]['kinetic_start_eV']:.3g} eV)", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="write docs/results/dynamic_qc.json")
    args = parser.parse_args()
    pot = load_potential("Al_jnp.eam")
    out: dict = {"energy_conservation_qce": energy_conservation(pot)}
    setup = slab_setup(pot, size=(76, 30), atomistic=20.0, blend_width=8.0)
    rows = interface_reflection(setup, ("qce", "bqcf"), (32.0, 16.0, 8.0), width=12.0, progress=print)
    out["reflection"] = [r.__dict__ for r in rows]
    print(f"{'wavelength A':>12} {'model':>6} {'DOFs':>7} {'ms/step':>8} {'left in core':>12} {'reflected':>10}")
    for r in rows:
        print(f"{r.wavelength:12g} {r.method:>6} {r.dofs:7d} {1e3 * r.seconds_per_step:8.1f} "
              f"{r.energy_left_fraction:12.3g} {r.reflected_energy_fraction:10.3g}")
    if args.record:
        write_results(RESULTS / "dynamic_qc.json", out, script="benchmarks/dynamic_qc.py")


if __name__ == "__main__":
    main()
