"""Bad inputs tried on qcbridge's public entry points and the error each gets.

    python docs/bad_inputs.py     # run every case, write docs/bad_inputs.md

Every case must raise the named :class:`~qcbridge.errors.QCBridgeError` subclass; the tests
run the same catalogue (``tests/test_bad_inputs.py``), so the table cannot go stale. The cases
of the homogenization and macro-micro modules are in ``docs/bad_inputs_scales.py``.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from qcbridge import errors


def _sibling(name: str) -> ModuleType:
    """A module of more cases beside this file (the catalogue is split by area)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load docs/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Case:
    """One bad input: what it is, how to make it, the error class it must raise."""

    area: str
    description: str
    run: Callable[[Path], object]
    error: type[Exception]


def _al():
    from ase.build import bulk

    from qcbridge import load_potential

    return bulk("Al", "fcc", a=4.05, cubic=True), load_potential("Al_jnp.eam")


def _engine(tmp: Path, mutate: Callable) -> object:
    from qcbridge import LammpsEngine

    atoms, pot = _al()
    return mutate(atoms, pot, LammpsEngine)


def _empty(tmp):
    from ase import Atoms

    from qcbridge import LammpsEngine

    return LammpsEngine(Atoms(cell=[4, 4, 4], pbc=True), _al()[1])


def _nan_positions(tmp):
    def m(atoms, pot, E):
        atoms.positions[2, 1] = np.nan
        return E(atoms, pot)
    return _engine(tmp, m)


def _overlap(tmp):
    def m(atoms, pot, E):
        atoms.positions[1] = atoms.positions[0] + [0.1, 0, 0]
        return E(atoms, pot)
    return _engine(tmp, m)


def _species(tmp):
    from ase.build import bulk

    from qcbridge import LammpsEngine

    return LammpsEngine(bulk("Fe", "bcc", a=2.87), _al()[1])


def _tilt(tmp):
    from ase.build import bulk

    from qcbridge import LammpsEngine

    atoms = bulk("Al", "fcc", a=4.05)
    atoms.pbc = (True, True, False)
    return LammpsEngine(atoms, _al()[1])


def _collapse(tmp):
    def m(atoms, pot, E):
        with E(atoms, pot) as eng:
            eng.set_cell(atoms.cell * 0.05, atoms.positions * 0.05)
    return _engine(tmp, m)


def _typo(tmp):
    def m(atoms, pot, E):
        with E(atoms, pot) as eng:
            eng.command("fix bad all nosuchfix")
    return _engine(tmp, m)


def _closed(tmp):
    def m(atoms, pot, E):
        eng = E(atoms, pot)
        eng.close()
        return eng.forces()
    return _engine(tmp, m)


def _cleared(tmp):
    def m(atoms, pot, E):
        with E(atoms, pot) as eng:
            eng.command("clear")
    return _engine(tmp, m)


def _unknown_potential(tmp):
    from qcbridge import load_potential

    return load_potential("Unobtainium.eam")


def _truncated_funcfl(tmp):
    from qcbridge import load_potential

    lines = _al()[1].path.read_text().splitlines()
    (tmp / "trunc.eam").write_text("\n".join(lines[:300]) + "\n")
    return load_potential(tmp / "trunc.eam")


def _nan_setfl(tmp):
    from qcbridge import load_potential

    lines = load_potential("CuNi.eam.alloy").path.read_text().splitlines()
    lines[209] = "nan " + " ".join(lines[209].split()[1:])
    (tmp / "nan.eam.alloy").write_text("\n".join(lines) + "\n")
    return load_potential(tmp / "nan.eam.alloy")


def _cb():
    from qcbridge.continuum import CauchyBorn

    atoms, pot = _al()
    return CauchyBorn(atoms, pot)


def _inverted_F(tmp):
    return _cb().energy_density(np.diag([1.0, 1.0, -1.0]))


def _crushed_F(tmp):
    return _cb().energy_density(np.diag([0.2, 1.0, 1.0]))


def _duplicate_basis(tmp):
    from ase import Atoms

    from qcbridge import load_potential
    from qcbridge.continuum import CauchyBorn

    return CauchyBorn(Atoms("CuNi", positions=[[0, 0, 0], [0, 0, 0.01]], cell=np.eye(3) * 2.85, pbc=True),
                      load_potential("CuNi.eam.alloy"))


def _needle(tmp):
    from ase import Atoms

    from qcbridge.continuum import CauchyBorn

    return CauchyBorn(Atoms("Al", cell=[[1e-4, 0, 0], [0, 1e-4, 0], [0, 0, 1e4]], pbc=True), _al()[1])


def _no_lattice_constant(tmp):
    from ase.build import bulk

    from qcbridge import LennardJones
    from qcbridge.continuum import equilibrium_lattice_constant

    pot = LennardJones.create("Ar", 0.0104, 3.4, 8.5)
    return equilibrium_lattice_constant(lambda a: bulk("Ar", "fcc", a=a), pot, 50.0)


def _mesh(points, *args):
    from qcbridge.continuum import Mesh

    return Mesh.from_points(np.asarray(points, float), *args)


def _collinear(tmp):
    return _mesh(np.c_[np.arange(5.0), np.zeros(5)])


def _duplicate_points(tmp):
    return _mesh([[0, 0], [1, 0], [0, 1], [0, 0]])


def _negative_thickness(tmp):
    from qcbridge.continuum import Mesh

    return Mesh(np.array([[0, 0], [1, 0], [0, 1.0]]), [[0, 1, 2]], -1.0)


def _duplicate_elements(tmp):
    from qcbridge.continuum import Mesh

    return Mesh(np.array([[0, 0], [1, 0], [0, 1.0]]), [[0, 1, 2], [2, 1, 0]])


def _outside(tmp):
    return _mesh([[0, 0], [1, 0], [0, 1], [1, 1]]).locate(np.array([[5.0, 5.0]]))


def _slab(**kw):
    from qcbridge import load_potential
    from qcbridge.coupling.builders import slab_setup

    return slab_setup(load_potential("Al_jnp.eam"), a=3.98756, **kw)


def _thin_region(tmp):
    return _slab(atomistic=3.0)


def _no_room(tmp):
    return _slab(atomistic=30.0, size=(24, 12))


def _off_lattice(tmp):
    from qcbridge.coupling import build_geometry
    from qcbridge.structures import lattice_basis

    s = _slab(atomistic=11.0)
    X = s.crystal.positions
    nodes = X[::7].copy()
    nodes[3] += [0.3, 0, 0]
    return build_geometry(s.crystal, 11.0, cutoff=s.potential.cutoff, manybody=True,
                          lattice=lattice_basis(X[:, :2]), nodes=nodes)


def _model(method="bqcf", F=None, **kw):
    from qcbridge.coupling import HomogeneousDeformation, QCModel

    s = _slab(atomistic=11.0)
    bc = HomogeneousDeformation(np.diag([1.01, 1.0, 1.0]) if F is None else F)
    return QCModel(s.geometry, s.potential, s.material, method, bc, **kw)


def _unknown_method(tmp):
    return _model("quasi")


def _compressed_far_field(tmp):
    return _model(F=np.diag([1.0, 0.5, 1.0]))


def _tilted_slab(tmp):
    return _model(F=np.array([[1.0, 0, 0.1], [0, 1.0, 0], [0, 0, 1.0]]))


def _torn_dislocation(tmp):
    from qcbridge import load_potential
    from qcbridge.coupling import DisplacementField
    from qcbridge.coupling.problems import EdgeDislocationProblem

    prob = EdgeDislocationProblem.build(load_potential("Al_mm.eam.fs"), (44, 18))
    prob.boundary = DisplacementField(prob.dislocation.displacement)  # the field's cut left out
    return prob.model(14.0)


def _inverted_during_relax(tmp):
    from qcbridge.coupling import Region
    from qcbridge.solvers import RelaxOptions, relax

    with _model() as model:
        g = model.geometry
        u = model.predictor()
        far = np.setdiff1d(np.flatnonzero(g.region[g.node_site] == Region.CONTINUUM), g.boundary_nodes)
        X = g.reference_nodes
        k = far[np.argmax(np.linalg.norm(X[far, :2] - X[:, :2].mean(axis=0), axis=1))]
        u[k, :2] = X[:, :2].mean(axis=0) - X[k, :2]  # a far node dragged to the centre
        return relax(model, options=RelaxOptions(max_steps=5), u0=u)


def _foreign_checkpoint(tmp):
    from qcbridge.solvers import FIRE, LBFGS, Checkpoint, RelaxOptions, relax

    with _model() as model:
        relax(model, FIRE(), RelaxOptions(max_steps=2), observers=[Checkpoint(tmp / "run.npz")])
        return relax(model, LBFGS(), RelaxOptions(max_steps=2), observers=[Checkpoint(tmp / "run.npz")])


def _corrupt_checkpoint(tmp):
    from qcbridge.solvers import Checkpoint, relax

    (tmp / "bad.npz").write_bytes(b"not a checkpoint")
    with _model() as model:
        return relax(model, observers=[Checkpoint(tmp / "bad.npz")])


def _negative_fmax(tmp):
    from qcbridge.solvers import RelaxOptions

    return RelaxOptions(fmax=-1.0)


def _newton_on_coupled(tmp):
    from qcbridge.solvers import Newton, RelaxOptions, relax

    with _model("qce") as model:  # ghost forces: not converged at the start
        return relax(model, Newton(), RelaxOptions(max_steps=2))


CASES: list[Case] = [
    Case("engine", "a periodic cell without atoms", _empty, errors.EmptyStructureError),
    Case("engine", "a NaN coordinate", _nan_positions, errors.NonFiniteError),
    Case("engine", "two atoms 0.1 Å apart", _overlap, errors.OverlappingAtomsError),
    Case("engine", "Fe atoms with an Al potential", _species, errors.SpeciesError),
    Case("engine", "a cell tilted along a non-periodic direction", _tilt, errors.UnsupportedCellError),
    Case("engine", "set_cell shrinking the cell to 5 %", _collapse, errors.OverlappingAtomsError),
    Case("engine", "a LAMMPS command with a typo", _typo, errors.LammpsError),
    Case("engine", "forces() after close()", _closed, errors.EngineStateError),
    Case("engine", "a user's `clear` command", _cleared, errors.EngineStateError),
    Case("potentials", "an unknown potential name", _unknown_potential, errors.UnknownPotentialError),
    Case("potentials", "a funcfl file cut after line 300", _truncated_funcfl, errors.PotentialFileError),
    Case("potentials", "a NaN in a setfl table", _nan_setfl, errors.PotentialFileError),
    Case("Cauchy–Born", "det F < 0", _inverted_F, errors.DeformationError),
    Case("Cauchy–Born", "F compressing a direction to 0.2", _crushed_F, errors.DeformationError),
    Case("Cauchy–Born", "two basis atoms 0.01 Å apart", _duplicate_basis, errors.StructureError),
    Case("Cauchy–Born", "a needle-shaped cell", _needle, errors.StructureError),
    Case("Cauchy–Born", "a lattice-constant guess far from any zero-pressure state",
         _no_lattice_constant, errors.ConvergenceError),
    Case("mesh", "collinear points", _collinear, errors.MeshError),
    Case("mesh", "duplicate points", _duplicate_points, errors.MeshError),
    Case("mesh", "a negative slab thickness", _negative_thickness, errors.MeshError),
    Case("mesh", "the same element twice", _duplicate_elements, errors.MeshError),
    Case("mesh", "locating a point outside the mesh", _outside, errors.MeshError),
    Case("coupling", "an atomistic region thinner than the cutoff", _thin_region, errors.ThinAtomisticRegionError),
    Case("coupling", "a domain too small for region and padding", _no_room, errors.PaddingDoesNotFitError),
    Case("coupling", "a mesh node off the lattice", _off_lattice, errors.NodeOffLatticeError),
    Case("coupling", "an unknown coupling method", _unknown_method, errors.UnknownMethodError),
    Case("coupling", "a far field compressing the padding to 50 %", _compressed_far_field, errors.PaddingError),
    Case("coupling", "a slab F that tilts the periodic z axis", _tilted_slab, errors.DeformationError),
    Case("coupling", "a dislocation field without its cut", _torn_dislocation, errors.PaddingError),
    Case("solvers", "a node dragged across the mesh", _inverted_during_relax, errors.InvertedElementError),
    Case("solvers", "resuming another solver's checkpoint", _foreign_checkpoint, errors.CheckpointError),
    Case("solvers", "a corrupt checkpoint file", _corrupt_checkpoint, errors.CheckpointError),
    Case("solvers", "fmax < 0", _negative_fmax, errors.SolverError),
    Case("solvers", "Newton on a coupled model (no stiffness)", _newton_on_coupled, errors.SolverError),
]


DUMP = ("ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n0 10\n"
        "ITEM: ATOMS id type x y z vx vy vz fx fy fz\n")


def _dump(tmp: Path, text: str) -> Path:
    path = tmp / "a.dump"
    path.write_text(text)
    return path


def _frames(n: int = 3) -> str:
    rows = "1 1 1.0 1.0 1.0 0.1 0.2 0.3 0.0 0.1 0.2\n2 1 2.0 2.0 2.0 -0.1 0.0 0.1 0.2 0.1 0.0\n"
    return "".join(DUMP.format(step=10 * k) + rows for k in range(n))


def _read(path: Path, **kw: object) -> object:
    from qcbridge.io import read_trajectory

    return read_trajectory(path, timestep=0.001, **kw)


def _damaged_number(tmp):
    return _read(_dump(tmp, _frames().replace("0.2 0.3", "0.2.5 0.3", 1)))


def _nan_in_dump(tmp):
    return _read(_dump(tmp, _frames().replace("2.0 2.0 2.0", "2.0 nan 2.0", 1)))


def _truncated_dump(tmp):
    return _read(_dump(tmp, _frames().rsplit("\n", 2)[0] + "\n"))


def _unknown_units(tmp):
    return _read(_dump(tmp, _frames()), units="SI")


def _kernel_without_velocities(tmp):
    from qcbridge.memory import estimate_kernel

    text = "".join(f"ITEM: TIMESTEP\n{10 * k}\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n"
                   f"0 10\nITEM: ATOMS id type xs ys zs\n1 1 0.1 0.2 0.3\n" for k in range(5))
    traj = _read(_dump(tmp, text))
    _, v, f, m = traj.observables()  # type: ignore[attr-defined]
    return estimate_kernel(v, 0.001, force=f, mass=m)


def _zero_velocities(tmp):
    from qcbridge.memory import estimate_kernel

    return estimate_kernel(np.zeros((500, 4)), 0.1, force=np.ones((500, 4)), mass=1.0)


def _huge_velocities(tmp):
    from qcbridge.memory import estimate_kernel

    rng = np.random.default_rng(0)
    return estimate_kernel(1e200 * rng.standard_normal((500, 4)), 0.1, force=rng.standard_normal((500, 4)), mass=1.0)


def _mismatched_forces(tmp):
    from qcbridge.memory import estimate_kernel

    rng = np.random.default_rng(0)
    return estimate_kernel(rng.standard_normal((200, 4)), 0.1, force=rng.standard_normal((150, 4)), mass=1.0)


def _negative_kernel(tmp):
    from qcbridge.memory import fit_kernel

    t = np.linspace(0, 5, 101)
    return fit_kernel(t, -np.exp(-t))


def _bare_fit(tmp):
    from qcbridge.memory import KernelFit

    return KernelFit(np.array([2.0]), np.array([2.0]), np.array([0.0])).diffusion()


CASES += [
    Case("trajectories", "a dump with the number `0.2.5`", _damaged_number, errors.TrajectoryError),
    Case("trajectories", "a dump with `nan` in an atom line", _nan_in_dump, errors.TrajectoryError),
    Case("trajectories", "a dump cut inside its last frame", _truncated_dump, errors.TrajectoryError),
    Case("trajectories", "units `SI`", _unknown_units, errors.UnitsError),
    Case("memory", "a `dump atom` file (no velocities) given to the kernel", _kernel_without_velocities,
         errors.TrajectoryError),
    Case("memory", "all-zero velocities", _zero_velocities, errors.KernelError),
    Case("memory", "velocities of order 1e200", _huge_velocities, errors.KernelError),
    Case("memory", "150 force frames for 200 velocity frames", _mismatched_forces, errors.KernelError),
    Case("memory", "a kernel negative at t = 0", _negative_kernel, errors.NotPositiveDefiniteError),
    Case("memory", "diffusion() of a fit without mass and kT", _bare_fit, errors.KernelError),
]


def _pair_coeff_mismatch(tmp):
    from qcbridge import load_potential

    return load_potential("pair_style eam/alloy\npair_coeff * * CuNi.eam.alloy Ni Cu", species=("Cu", "Ni"))


def _lammps_refuses_file(tmp):
    from qcbridge.potentials import lammps_potential

    (tmp / "bad.meam").write_text("rc = not-a-number\n")
    return lammps_potential("pair_style meam", f"pair_coeff * * library.meam Cu {tmp / 'bad.meam'} Cu")


def _shifts_do_not_converge(tmp):
    from ase import Atoms

    from qcbridge import load_potential
    from qcbridge.continuum import CauchyBorn

    cell = Atoms("CuNi", scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]], cell=np.eye(3) * 2.85, pbc=True)
    F = np.array([[1.12, -0.074, 0.219], [-0.158, 0.921, 0.112], [0.006, 0.24, 1.023]])
    # a tolerance below round-off: no start converges (a shear where only some starts fail takes the lowest
    # start that converged)
    return CauchyBorn(cell, load_potential("CuNi.eam.alloy"), relax_tol=1e-22).energy_density(F)


def _energy_based_generic(tmp):
    from qcbridge import load_potential
    from qcbridge.coupling import HomogeneousDeformation, QCModel
    from qcbridge.coupling.builders import slab_setup

    pot = load_potential("pair_style meam\npair_coeff * * library.meam Cu Cu.meam Cu")
    s = slab_setup(pot, atomistic=11.0)
    return QCModel(s.geometry, pot, s.material, "qce", HomogeneousDeformation(np.eye(3)))


CASES += [
    Case("potentials", "pair_coeff elements that differ from the species", _pair_coeff_mismatch, errors.SpeciesError),
    Case("potentials", "a MEAM parameter file LAMMPS refuses", _lammps_refuses_file, errors.LammpsError),
    Case("Cauchy–Born", "a B2 shear with an inner-shift tolerance below round-off (1e-22 eV/A)",
         _shifts_do_not_converge, errors.ConvergenceError),
    Case("coupling", "energy-based coupling with a LAMMPS-only pair style", _energy_based_generic,
         errors.PotentialError),
]


def _rest_wrong_shape(tmp):
    from qcbridge import load_potential
    from qcbridge.coupling.boundary import HomogeneousDeformation
    from qcbridge.coupling.model import QCModel
    from qcbridge.indentation import IndentationProblem
    from qcbridge.structures import Lattice

    p = IndentationProblem.build(load_potential("Al_mm.eam.fs"), Lattice.FCC, (0, 0, 1), radius=10.0, width=120.0,
                                 height=60.0, relaxed_surface=False)
    geo = p.geometry(20.0)
    return QCModel(geo, p.potential, p.material, "bqcf", HomogeneousDeformation(np.eye(3)),
                   rest=np.zeros((3, 3)))


CASES += [
    Case("coupling", "a rest state of the wrong shape for a coupled model", _rest_wrong_shape, errors.CouplingError),
]


CASES += [Case(*case) for case in _sibling("bad_inputs_fracture").CASES]
CASES += [Case(*case) for case in _sibling("bad_inputs_scales").CASES]

def outcome(case: Case, tmp: Path) -> BaseException | None:
    """The exception a case raises (None if it raises nothing)."""
    try:
        case.run(tmp)
    except Exception as exc:  # every case is meant to fail: keep what it raised
        return exc
    return None


def main() -> int:
    rows = ["# Bad inputs and the errors they get", "",
            "Written by `python docs/bad_inputs.py`, which runs every case; `tests/test_bad_inputs.py` runs the same",
            "catalogue. Every error is a `qcbridge.errors.QCBridgeError` subclass.", "",
            "| area | input | error | message |", "| --- | --- | --- | --- |"]
    failed = 0
    for case in CASES:
        with tempfile.TemporaryDirectory() as d:
            exc = outcome(case, Path(d))
        ok = isinstance(exc, case.error)
        failed += not ok
        message = str(exc).replace(d, "<tmp>").replace("|", "\\|").replace("\n", " ")
        if len(message) > 200:
            message = message[:197] + "..."
        rows.append(f"| {case.area} | {case.description} | `{type(exc).__name__}` | {message} |")
    Path(__file__).with_name("bad_inputs.md").write_text("\n".join(rows) + "\n")
    print(f"{len(CASES)} cases, {failed} without the expected error; wrote docs/bad_inputs.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
