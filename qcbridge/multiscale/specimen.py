"""Direct molecular dynamics of a gripped bar: the full-atomistic twin of an HMM specimen.

An HMM solve replaces the crystal by a continuum whose stress comes from periodic bursts. The
independent check is the same specimen in one LAMMPS run, with nothing homogenized:

1. A bar of ``cells`` conventional cells (x along the bar, periodic across it in y and z,
   non-periodic along x) is stretched homogeneously by ``strain`` along x (x -> (1 + strain) x).
2. The atoms within ``grip_cells`` cells of either end form two rigid grips: they are never
   integrated, so they stay at their stretched lattice sites; the grips are at least one cutoff
   thick, so no mobile atom sees the bar's free ends.
3. The mobile atoms between them get velocities at 2T and run NVE with a Langevin thermostat
   (no net force) for ``equilibration_fs``, then for ``sampling_fs`` while LAMMPS averages the
   total force on each grip over windows of ``sample_every_fs``.

The force the right grip needs to hold the bar, R = -sum_{i in right} f_i, is the reaction of
the HMM specimen whose ends are held at the same displacement and whose sides are on rollers
(periodicity across the bar keeps the lateral strain zero on average, as rollers do). The left
grip needs -R on average (the mobile atoms feel no mean force), so the estimate used is
(sum_{left} f_i - sum_{right} f_i) / 2, whose fluctuations are smaller than either grip's. Its mean
and standard error come from ``blocks`` contiguous block averages (Flyvbjerg & Petersen 1989),
the correlation time from Sokal's windowed estimate. For a many-body potential the grip's
force is still well defined: the sum of f_i over a group is minus the derivative of the energy
under a rigid translation of the group, in which the group's internal terms do not change.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..continuum.mesh import Mesh, structured_mesh
from ..engines.lammps import LammpsEngine, group_atoms
from ..engines.thermostat import initial_velocities, langevin_nvt
from ..errors import BurstError, EngineStateError, LammpsError, MultiscaleError, StructureError
from ..homogenization.atomistic import LANGEVIN_DAMP_FS, block_average, cell_repeat, crystal_species, cubic_lattice
from ..potentials import Potential
from ..structures import Lattice, cubic_crystal
from .bursts import draw_seeds, integrated_autocorrelation_time

__all__ = ["GrippedBar", "GrippedBarResult", "gripped_bar_mesh", "gripped_bar_md"]


@dataclass(frozen=True)
class GrippedBarResult:
    """Reaction of a gripped bar from direct MD.

    Attributes
    ----------
    reaction, reaction_error : ndarray, shape (3,)
        Mean force holding the right grip and its standard error (eV/Angstrom).
    correlation_time_fs : float
        Integrated autocorrelation time of the grip force's x component (fs).
    temperature : float
        Mean kinetic temperature of the mobile atoms during sampling (K).
    atoms, mobile : int
        All atoms, and those integrated.
    length, area : float
        Reference length along x (Angstrom) and cross-section (Angstrom^2) of the bar.
    wall_s : float
        Wall time of the LAMMPS run (s).
    """

    reaction: np.ndarray
    reaction_error: np.ndarray
    correlation_time_fs: float
    temperature: float
    atoms: int
    mobile: int
    length: float
    area: float
    wall_s: float


@dataclass(frozen=True)
class GrippedBar:
    """The continuum twin of :func:`gripped_bar_md` for :func:`~qcbridge.multiscale.hmm.hmm_solve`.

    Attributes
    ----------
    mesh : Mesh
        The bar, [0, L] x [0, W_y] x [0, W_z] (Angstrom).
    u0 : ndarray, shape (n_nodes, 3)
        Start and Dirichlet data: the right end displaced by strain * L along x (Angstrom).
    fixed : ndarray of bool, shape (n_nodes, 3)
        Both ends held in every component; the side faces on rollers (normal component held).
    right : ndarray of int
        Nodes of the right end (where the reaction is measured).
    """

    mesh: Mesh
    u0: np.ndarray
    fixed: np.ndarray
    right: np.ndarray


def gripped_bar_mesh(a: float, cells: Sequence[int], strain: float, *, elements: int = 4) -> GrippedBar:
    """Finite-element bar of the specimen :func:`gripped_bar_md` simulates, with its boundary data.

    Parameters
    ----------
    a : float
        Lattice constant (Angstrom).
    cells : 3 ints
        Conventional cells along x, y, z: the bar is (nx a, ny a, nz a).
    strain : float
        Engineering strain along x imposed by the ends.
    elements : int
        Hexahedra along the bar (6 tetrahedra each); one across it.

    Returns
    -------
    GrippedBar
    """
    nx, ny, nz = cell_repeat(cells)
    lengths = (nx * a, ny * a, nz * a)
    mesh = structured_mesh((int(elements), 1, 1), lengths)
    X = mesh.nodes
    left, right = np.isclose(X[:, 0], 0.0), np.isclose(X[:, 0], lengths[0])
    fixed = np.zeros((mesh.n_nodes, 3), dtype=bool)
    fixed[left | right] = True
    for k in (1, 2):  # rollers: the normal component of the side faces
        fixed[np.isclose(X[:, k], 0.0) | np.isclose(X[:, k], lengths[k]), k] = True
    u0 = np.zeros((mesh.n_nodes, 3))
    u0[right, 0] = strain * lengths[0]
    return GrippedBar(mesh, u0, fixed, np.flatnonzero(right))


def gripped_bar_md(
    potential: Potential,
    lattice: str | Lattice,
    a: float,
    cells: Sequence[int],
    *,
    strain: float,
    temperature: float,
    grip_cells: int = 2,
    symbol: str | Sequence[str] | None = None,
    timestep_fs: float = 2.0,
    equilibration_fs: float = 2000.0,
    sampling_fs: float = 20000.0,
    blocks: int = 10,
    sample_every_fs: float = 10.0,
    damping_fs: float = LANGEVIN_DAMP_FS,
    seed: int | np.random.Generator = 0,
) -> GrippedBarResult:
    """Reaction force of a crystal bar stretched between rigid grips, by LAMMPS MD.

    Parameters
    ----------
    potential : Potential
    lattice : str or Lattice
        Cubic lattice (``"fcc"``, ``"bcc"``, ...); x, y, z along <100>.
    a : float
        Reference lattice constant (Angstrom); the strain is measured from this crystal.
    cells : 3 ints
        Conventional cells along x (the bar, grips included), y and z (periodic).
    strain : float
        Engineering strain along x imposed by the grips (dimensionless, > -0.5).
    temperature : float
        K, > 0.
    grip_cells : int
        Thickness of each grip in cells; at least the potential's cutoff, and the bar must keep
        at least one mobile cell.
    symbol : str or 2 str, optional
        Species; default the potential's.
    timestep_fs, equilibration_fs, sampling_fs, sample_every_fs, damping_fs : float
        MD time step, equilibration and sampling times, averaging window, Langevin damping (fs).
    blocks : int
        Block averages for the standard error (>= 2).
    seed : int or numpy.random.Generator
        Source of the LAMMPS velocity and thermostat seeds.

    Returns
    -------
    GrippedBarResult

    Raises
    ------
    MultiscaleError
        A bad setting (grips thinner than the cutoff, no mobile cell, T <= 0, ...).
    BurstError
        LAMMPS failed, or the force series is not finite (the bar broke or blew up).
    """
    lat = cubic_lattice(lattice)
    nx, ny, nz = cell_repeat(cells)
    if not (math.isfinite(a) and a > 0):
        raise StructureError(f"a must be > 0 and finite, got {a}")
    for name, value in (("temperature", temperature), ("timestep_fs", timestep_fs), ("sampling_fs", sampling_fs),
                        ("sample_every_fs", sample_every_fs), ("damping_fs", damping_fs)):
        if not (math.isfinite(value) and value > 0):
            raise MultiscaleError(f"{name} must be > 0 and finite, got {value}")
    if not (math.isfinite(strain) and strain > -0.5):
        raise MultiscaleError(f"strain must be finite and > -0.5, got {strain}")
    if isinstance(grip_cells, bool) or int(grip_cells) != grip_cells or grip_cells * a < potential.cutoff:
        raise MultiscaleError(f"grips of {grip_cells} cells ({grip_cells * a:g} A) must be a whole number of cells "
                              f"at least the cutoff ({potential.cutoff:g} A) thick")
    if nx <= 2 * grip_cells:
        raise MultiscaleError(f"a bar of {nx} cells has no mobile cell between grips of {grip_cells} cells each")
    every = max(1, round(sample_every_fs / timestep_fs))
    windows = round(sampling_fs / (timestep_fs * every))
    if isinstance(blocks, bool) or int(blocks) != blocks or blocks < 2 or windows < 2 * blocks:
        raise MultiscaleError(f"{blocks} blocks need at least two {every * timestep_fs:g} fs windows each; "
                              f"sampling_fs = {sampling_fs:g} gives {windows}")
    windows -= windows % blocks
    atoms = cubic_crystal(lat, crystal_species(potential, lat, symbol), float(a), size=(nx, ny, nz))
    atoms.pbc = (False, True, True)
    x_ref = atoms.positions[:, 0].copy()
    atoms.positions[:, 0] *= 1.0 + strain
    atoms.cell[0] *= 1.0 + strain
    tol = 1e-6 * a
    left, right = x_ref < grip_cells * a - tol, x_ref > (nx - grip_cells) * a - tol
    seeds = draw_seeds(seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qcbridge-bar-") as tmp, \
            LammpsEngine(atoms, potential, neighbor_skin=1.0) as eng:
        path = Path(tmp) / "series.txt"
        try:
            _run(eng, left, right, temperature, timestep_fs, round(equilibration_fs / timestep_fs), every,
                 windows * every, damping_fs, seeds, path)
        except (LammpsError, EngineStateError) as exc:
            raise BurstError(f"the gripped bar at strain {strain:g}, T = {temperature:g} K failed in LAMMPS ({exc})",
                             (strain, temperature)) from exc
        series = np.loadtxt(path, ndmin=2)
    series = series[series[:, 0] > 0]
    if series.shape != (windows, 5) or not np.all(np.isfinite(series)):
        raise BurstError(f"the gripped bar at strain {strain:g}, T = {temperature:g} K returned {len(series)} of "
                         f"{windows} samples or non-finite forces: the bar broke or blew up", (strain, temperature))
    reaction, error = block_average(series[:, 1:4].reshape(blocks, -1, 3).mean(axis=1))
    tau = every * timestep_fs * float(integrated_autocorrelation_time(series[:, 1])[0])
    return GrippedBarResult(reaction, error, tau, float(series[:, 4].mean()), len(atoms),
                            int(np.count_nonzero(~(left | right))), nx * a, ny * nz * a * a,
                            time.perf_counter() - t0)


def _run(eng: LammpsEngine, left: np.ndarray, right: np.ndarray, T: float, timestep_fs: float, equilibration: int,
         every: int, steps: int, damping_fs: float, seeds: tuple[int, int], path: Path) -> None:
    """Groups by atom id, thermostat on the mobile atoms, and the reaction series written to ``path``
    (step, (sum_left f - sum_right f) / 2 in eV/A, mobile temperature in K; window means)."""
    group_atoms(eng.instance, "qcb_left", left)
    group_atoms(eng.instance, "qcb_right", right)
    eng.commands([
        "group qcb_grips union qcb_left qcb_right",
        "group qcb_mobile subtract all qcb_grips",
        f"timestep {timestep_fs / 1000.0!r}",
        "compute qcb_temp qcb_mobile temp",
        "compute qcb_right qcb_right reduce sum fx fy fz",
        "compute qcb_left qcb_left reduce sum fx fy fz",
        "variable qcb_rx equal (c_qcb_left[1]-c_qcb_right[1])/2",
        "variable qcb_ry equal (c_qcb_left[2]-c_qcb_right[2])/2",
        "variable qcb_rz equal (c_qcb_left[3]-c_qcb_right[3])/2",
        initial_velocities("qcb_mobile", T, seeds[0]),
        *langevin_nvt("qcb_mobile", T, damping_fs, seeds[1]),
    ])
    if equilibration:
        eng.command(f"run {equilibration}")
    eng.commands(["reset_timestep 0",
                  f'fix qcb_series all ave/time 1 {every} {every} v_qcb_rx v_qcb_ry v_qcb_rz '
                  f'c_qcb_temp file "{path}" format " %.17g"',
                  f"run {steps}", "unfix qcb_series"])
