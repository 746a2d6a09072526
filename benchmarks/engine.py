"""Cost of qcbridge's LammpsEngine on top of LAMMPS, and against ASE's LAMMPSlib.

32,000 Al atoms (20x20x20 cubic fcc cells, Al_jnp.eam), rattled by 0.05 A. Each timed
call moves the atoms to a new rattled configuration and asks for energy and forces:

* ``lammps``   -- LAMMPS alone: positions written into its own x array, ``run 0``.
* ``lammps-pre-no`` -- LAMMPS alone at its cheapest for the same work: ``run 1 pre no``
  without an integrator (neighbour lists reused while atoms stay within half the skin).
* ``qcbridge`` -- ``LammpsEngine.set_positions`` + ``energy_forces`` (ASE order/frame).
* ``lammpslib``-- ASE's ``LAMMPSlib`` calculator, ``get_forces`` + ``get_potential_energy``.

Each variant runs in its own process so that its peak memory (max RSS) is its own.
Run: ``python benchmarks/engine.py [--repeat 10]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from qcbridge.io.results import write_results

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "results"


def _configs(n_conf: int):
    from ase.build import bulk

    base = bulk("Al", "fcc", a=4.05, cubic=True).repeat((20, 20, 20))
    base.positions += 1.0  # keep every atom ~1 A from the box faces: no atom changes image
    rng = np.random.default_rng(0)
    return base, [base.positions + rng.normal(0, 0.05, base.positions.shape) for _ in range(n_conf)]


def _time(fn, n: int) -> float:
    fn(0)  # warm-up (first neighbour lists, allocation)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i + 1)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run_variant(name: str, repeat: int) -> dict:
    import qcbridge
    from qcbridge.engines import import_lammps

    pot = qcbridge.load_potential("Al_jnp.eam")
    atoms, confs = _configs(repeat + 1)
    if name in ("lammps", "lammps-pre-no"):
        lmp = import_lammps().lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])
        for line in ["units metal", "atom_style atomic", "atom_modify map array sort 0 0.0",
                     "lattice fcc 4.05", "region box block 0 20 0 20 0 20", "create_box 1 box",
                     "create_atoms 1 box", *pot.lammps_commands(pot.species),
                     "thermo_style custom step pe"]:
            lmp.command(line)
        run = "run 0" if name == "lammps" else "run 1 pre no post no"
        lmp.command("run 0")
        def call(i):
            x = lmp.numpy.extract_atom("x")
            x[:] = confs[i][lmp.numpy.extract_atom("id") - 1]  # LAMMPS's own array and order
            lmp.command(run)
            return lmp.get_thermo("pe"), lmp.numpy.extract_atom("f")
    elif name == "qcbridge":
        eng = qcbridge.LammpsEngine(atoms, pot)
        def call(i):
            eng.set_positions(confs[i])
            return eng.energy_forces()
    elif name == "lammpslib":
        from ase.calculators.lammpslib import LAMMPSlib

        import_lammps()
        atoms.calc = LAMMPSlib(lmpcmds=pot.lammps_commands(pot.species), atom_types={"Al": 1},
                               log_file=None, keep_alive=True)
        def call(i):
            atoms.positions = confs[i]
            return atoms.get_potential_energy(), atoms.get_forces()
    else:
        raise ValueError(f"unknown variant {name!r}; choose lammps, qcbridge or lammpslib")
    t = _time(call, repeat)
    return {"variant": name, "seconds": t, "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description="LammpsEngine overhead benchmark")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.repeat)))
        return
    res = {}
    for v in ("lammps", "lammps-pre-no", "qcbridge", "lammpslib"):
        out = subprocess.run([sys.executable, __file__, "--variant", v, "--repeat", str(args.repeat)],
                             check=True, capture_output=True, text=True).stdout
        res[v] = json.loads(out.strip().splitlines()[-1])
    t = {k: r["seconds"] for k, r in res.items()}
    print(f"32,000 Al atoms, Al_jnp.eam, energy+forces per call (median of {args.repeat}):")
    for k, r in res.items():
        print(f"  {k:14s} {1e3 * r['seconds']:8.1f} ms   peak RSS {r['peak_rss_MB']:7.1f} MB")
    print(f"  qcbridge / LAMMPS run 0          = {t['qcbridge'] / t['lammps']:.3f}x  (goal <= 1.10x)")
    print(f"  qcbridge / LAMMPS run 1 pre no   = {t['qcbridge'] / t['lammps-pre-no']:.3f}x  "
          "(overhead of the python layer)")
    print(f"  LAMMPSlib / qcbridge             = {t['lammpslib'] / t['qcbridge']:.2f}x faster (goal >= 2x)")
    record = {"repeat": args.repeat, "variants": res, "qcbridge_over_run0": t["qcbridge"] / t["lammps"],
              "qcbridge_over_pre_no": t["qcbridge"] / t["lammps-pre-no"],
              "lammpslib_over_qcbridge": t["lammpslib"] / t["qcbridge"]}
    print(f"wrote {write_results(RESULTS / 'engine.json', record, script='benchmarks/engine.py')}")


if __name__ == "__main__":
    main()
