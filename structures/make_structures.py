"""Write the reference structures used by the examples and tests.

Run from the repository root: ``python structures/make_structures.py``. Lattice constants
are the equilibrium values of the potentials named beside each structure, as printed by
the quick-start example (Al_jnp.eam) or the potential file headers.
"""

from pathlib import Path

from ase.io import write

from qcbridge.structures import Lattice, cubic_crystal, hcp_crystal, triangular_lattice

HERE = Path(__file__).parent

STRUCTURES = {
    # fcc Al, conventional cubic cell, a0 of Al_jnp.eam
    "Al_fcc_cubic.extxyz": lambda: cubic_crystal(Lattice.FCC, "Al", 3.9874),
    # fcc Al oriented for an edge dislocation: x [110] (Burgers vector), y [-111] (slip
    # plane normal), z [1-12] (line direction)
    "Al_fcc_edge_oriented.extxyz": lambda: cubic_crystal(
        Lattice.FCC, "Al", 3.9874, directions=[[1, 1, 0], [-1, 1, 1], [1, -1, 2]]
    ),
    # fcc Cu, a of Cu_u3.eam's header
    "Cu_fcc_cubic.extxyz": lambda: cubic_crystal(Lattice.FCC, "Cu", 3.615),
    # bcc Fe, a of Fe_mm.eam.fs's header
    "Fe_bcc_cubic.extxyz": lambda: cubic_crystal(Lattice.BCC, "Fe", 2.855324),
    # diamond Si (multilattice), experimental a
    "Si_diamond_cubic.extxyz": lambda: cubic_crystal(Lattice.DIAMOND, "Si", 5.431),
    # hcp Mg (multilattice), orthorhombic 4-atom cell, experimental a, c
    "Mg_hcp_orthorhombic.extxyz": lambda: hcp_crystal("Mg", 3.209, 5.211),
    # 2D triangular Ar lattice (LJ sigma = 3.4 A: nearest neighbour 2^(1/6) sigma)
    "Ar_triangular.extxyz": lambda: triangular_lattice("Ar", 3.8164, thickness=20.0),
}


def main() -> None:
    for name, build in STRUCTURES.items():
        write(HERE / name, build())
        print(f"wrote structures/{name}")


if __name__ == "__main__":
    main()
