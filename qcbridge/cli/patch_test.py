"""`qcbridge patch-test`: residual forces of coupled slabs under a homogeneous deformation."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..potentials import Potential


def load_potential_spec(spec: str) -> Potential:
    """A registry name, or ``lj:SYMBOL:EPSILON:SIGMA[:CUTOFF]`` (eV, Angstrom)."""
    from ..potentials import LennardJones, load_potential

    if spec.startswith("lj:"):
        parts = spec.split(":")
        try:
            eps, sigma = float(parts[2]), float(parts[3])
            rc = float(parts[4]) if len(parts) > 4 else None
        except (IndexError, ValueError):
            raise SystemExit(f"qcbridge: cannot read {spec!r}; use lj:SYMBOL:EPSILON:SIGMA[:CUTOFF]") from None
        return LennardJones.create(parts[1], eps, sigma, rc)
    return load_potential(spec)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..coupling import HomogeneousDeformation, QCModel, Region, method_from_name
    from ..coupling.builders import slab_setup
    from ..errors import QCBridgeError
    from ..structures import Lattice

    try:
        pot = load_potential_spec(args.potential)
        F = np.array(args.F, dtype=float).reshape(3, 3)
        try:
            directions = [[int(v) for v in d.split(",")] for d in args.orientation.split()]
        except ValueError:
            raise SystemExit(f"qcbridge patch-test: cannot read --orientation {args.orientation!r}; "
                             "use three comma-separated Miller triples, e.g. '1,1,0 -1,1,1 1,-1,2'") from None
        methods = [method_from_name(m.strip()) for m in args.methods.split(",")]
        radius = max(11.0, 1.2 * pot.cutoff) if args.radius is None else args.radius
        setup = slab_setup(pot, lattice=Lattice[args.lattice.upper()], a=args.a, directions=directions,
                           size=None if args.size is None else tuple(args.size), atomistic=radius,
                           blend_width=args.blend_width, strain_margin=args.strain_margin)
        geo = setup.geometry
        result, where = {}, {}
        for method in methods:
            with QCModel(geo, pot, setup.material, method, HomogeneousDeformation(F)) as model:
                r, k = model.residual_report(model.predictor())
            result[method.name] = r
            site = geo.node_site[k]
            where[method.name] = (Region(geo.region[site]).name.lower(), geo.crystal.positions[site])
    except (QCBridgeError, KeyError, ValueError) as exc:
        print(f"qcbridge patch-test: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
        return 0
    counts = np.bincount(geo.region, minlength=4)
    print(f"{pot.name}, {args.lattice} a = {setup.a:.5f} A, axes {directions}, {len(geo.crystal)} sites: "
          f"{counts[Region.CORE]} core, {counts[Region.BLEND]} blending, {counts[Region.PADDING]} padding; "
          f"{geo.mesh.n_nodes} nodes, {geo.mesh.n_elements} elements")
    print("F = " + " ".join(f"{x:g}" for x in F.ravel()))
    print(f"{'method':<10} {'max |f| free nodes (eV/A)':>26}  at (region, reference position A)")
    for name, r in result.items():
        region, pos = where[name]
        print(f"{name:<10} {r:26.3e}  {region} ({pos[0]:.2f}, {pos[1]:.2f}, {pos[2]:.2f})")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this command's parser to the ``qcbridge`` sub-commands."""
    pt = sub.add_parser("patch-test", help="largest residual force of each coupling method under a homogeneous F",
                        description="Build a coupled slab (atomistic core, blending region, padding, graded "
                        "mesh), put every node at the homogeneous deformation F, hold the outer nodes and "
                        "print, per method, the largest force on free nodes and where it sits.")
    pt.add_argument("--F", nargs=9, type=float, default=[1.01, 0, 0, 0, 1, 0, 0, 0, 1], metavar="Fij",
                    help="deformation gradient, row by row (default 1 %% uniaxial stretch along x)")
    pt.add_argument("--potential", default="Al_jnp.eam",
                    help="registry name or lj:SYMBOL:EPS:SIGMA[:CUTOFF] (default %(default)s)")
    pt.add_argument("--lattice", default="fcc", choices=["fcc", "bcc", "sc"], help="default %(default)s")
    pt.add_argument("--a", type=float, help="lattice constant (A; default: the potential's equilibrium)")
    pt.add_argument("--orientation", default="1,1,0 -1,1,1 1,-1,2",
                    help="crystal directions along x, y, z (default %(default)r)")
    pt.add_argument("--size", nargs=2, type=int, metavar=("NX", "NY"),
                    help="oriented cells along x and y (default: the smallest slab that holds the regions and padding)")
    pt.add_argument("--radius", type=float, help="atomistic core radius (A; default: max(11, 1.2 x cutoff))")
    pt.add_argument("--strain-margin", type=float, default=0.1,
                    help="relative enlargement of the padding for strained configurations (default %(default)s)")
    pt.add_argument("--blend-width", type=float, default=8.0, help="blending region width (A; default %(default)s)")
    pt.add_argument("--methods", default="qce,qce-gfc,qcf,bqce,bqcf",
                    help="comma-separated methods (default %(default)s)")
    pt.add_argument("--json", action="store_true", help="print {method: max residual} as JSON")
    pt.set_defaults(func=run)
