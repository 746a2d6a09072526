"""Wave test of an EAM slab: how much of a 2D wave packet a crystal region's boundary sends back.

The slab is fcc with x = [100], y = [010], z = [001]: periodic along y (``cells_y`` lattice
constants) and along z (one lattice constant, so the slab is two-dimensional), bounded along x.
The atomistic region is ``layers`` (100) planes; its forces are LAMMPS's (the full EAM). A
longitudinal wave packet, u_x = A exp(-((x - x_c)/w_x)^2 - ((y - y_c)/w_y)^2) cos(q (x - x_c)),
starts at rest at the region's centre and runs out through the two x faces at every angle of
its spread. Beyond each face sit the ghost planes (the bath atoms within reach, twice the
cutoff, of the region's forces). The faces are

- ``FIXED``: ghosts held on their lattice sites (a rigid wall);
- ``DAMPED``: a friction layer as thick as the ghost planes added to each face, its strength
  rising as depth^2 to gamma_max, tuned over :data:`DAMPING_SCAN` (the best is reported), and
  the wall behind it;
- ``KERNEL``: the ghosts moved by the Mori-Zwanzig matrix kernel of the eliminated harmonic
  bath (:mod:`qcbridge.memory.lattice_boundary`), truncated after ``memory_fs`` and tapered
  over its second half (:meth:`SlabWaveTest.thermal_run` adds the baths' thermal motion, kernel
  and noise then windowed together by exp(-t / ``coherence_fs``)).

The reflected energy is measured against the same packet in a crystal wide enough that
nothing comes back within the run (the full-atomistic reference, LAMMPS too): the harmonic
energy, within the region, of the difference between the two motions, over the packet's
initial energy. Units: Angstrom, amu, eV, fs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from ase import Atoms, units

from ..continuum.materials import equilibrium_lattice_constant
from ..engines.force_constants import ForceConstants, pair_force_constants, stiffness_matrix
from ..engines.lammps import LammpsEngine
from ..errors import KernelError
from ..memory.lattice_boundary import LatticeBathNoise, PeriodicLatticeBoundary, bath_response
from ..potentials import Potential, load_potential
from ..structures import Lattice, cubic_crystal
from .wave_test import Boundary, WaveTestResult

__all__ = ["SlabWaveTest", "slab_wave_test"]

#: Damping strengths gamma_max (1/fs) the damped layer is tuned over.
DAMPING_SCAN = (0.005, 0.01, 0.02, 0.05, 0.1)


def fcc_layers(a: float, first: int, count: int, cells_y: int) -> np.ndarray:
    """Sites of (100) planes ``first .. first + count - 1`` of an fcc slab, shape (count, cells_y, 2, 3) (Angstrom).

    Plane l lies at x = l a / 2; each holds two atoms per a x a cell of the (y, z) face.
    """
    layer = np.arange(first, first + count)
    y_offset = np.array([[0.0, 0.5], [0.5, 0.0]])[layer % 2]  # (count, 2): even planes (0, a/2), odd (a/2, 0)
    y = a * (np.arange(cells_y, dtype=float)[None, :, None] + y_offset[:, None, :])  # (count, cells_y, 2)
    z = np.broadcast_to(np.array([0.0, 0.5 * a]), y.shape)
    x = np.broadcast_to((0.5 * a * layer)[:, None, None], y.shape)
    return np.stack([x, y, z], axis=-1)


@dataclass
class SlabWaveTest:
    """The slab, its potential and the packet (see the module docstring).

    Parameters
    ----------
    potential : Potential
        An fcc metal's potential (default ``Cu_u3.eam``).
    layers : int
        (100) planes of the atomistic region.
    cells_y : int
        Periodic repeat along y (lattice constants).
    amplitude, wavelength, width_x, width_y : float
        Packet amplitude (Angstrom, small: the kernel is harmonic), carrier wavelength and
        Gaussian widths (Angstrom).
    dt : float
        Time step (fs).
    memory_fs : float
        Kernel length (fs).
    taper : float
        Share of the kernel's length over which it is tapered to zero (cos^2): a kernel cut off
        abruptly makes the boundary slowly active (the region's energy grew by 3x in 10 ps at
        1 ps memory); tapered over its second half at 2 ps it stays passive.
    coherence_fs : float
        At T > 0, kernel and noise are both windowed by exp(-t / coherence_fs) (the noise by
        phase diffusion of its modes) so that they stay a fluctuation-dissipation pair: the
        finite bath's noise keeps echoes that the truncated kernel has lost, and with the cos^2
        taper alone the region kept heating (36 K at 16-20 ps for a 30 K bath).
    """

    potential: Potential
    layers: int = 40
    cells_y: int = 12
    amplitude: float = 1e-3
    wavelength: float | None = None
    width_x: float = 8.0
    width_y: float = 12.0
    dt: float = 4.0
    memory_fs: float = 2000.0
    taper: float = 0.5
    coherence_fs: float = 500.0

    def __post_init__(self) -> None:
        if (self.layers < 8 or self.cells_y < 2 or not (self.amplitude > 0 and self.dt > 0 and self.memory_fs > self.dt)
                or not 0 <= self.taper < 1):
            raise KernelError("the slab wave test needs layers >= 8, cells_y >= 2, amplitude > 0, memory_fs > dt > 0 "
                              f"and 0 <= taper < 1; got {self.layers}, {self.cells_y}, {self.amplitude}, "
                              f"{self.memory_fs}, {self.dt}, {self.taper}")
        symbol = self.potential.species[0]
        self.a = equilibrium_lattice_constant(lambda a: cubic_crystal(Lattice.FCC, symbol, a), self.potential, 3.6)
        self.mass = float(self.potential.masses[0])
        self.reach = 2.0 * self.potential.cutoff
        self.ghost_layers = int(math.floor(self.reach / (0.5 * self.a) + 1e-9))
        n = math.ceil(2 * self.reach / self.a) + 1
        self.fc: ForceConstants = pair_force_constants(
            self.potential, cubic_crystal(Lattice.FCC, symbol, self.a, size=(n, n, n)))
        self.carrier = 4 * self.a if self.wavelength is None else float(self.wavelength)  # Angstrom
        self.speed = self.longitudinal_speed()

    # ------------------------------------------------------------------ geometry
    def cell(self, sites: np.ndarray) -> np.ndarray:
        """Cell of a slab holding ``sites`` (periodic along y and z only)."""
        return np.diag([np.ptp(sites[:, 0]) + 2 * self.reach, self.a * self.cells_y, self.a])

    def longitudinal_speed(self) -> float:
        """Longitudinal sound speed along x (Angstrom/fs), from the force constants."""
        return float(self.fc.sound_speeds(self.mass, np.array([1.0, 0.0, 0.0]))[-1])

    def packet(self, sites: np.ndarray) -> np.ndarray:
        """Initial displacement of the sites (..., 3) (Angstrom), centred on the region."""
        xc = 0.25 * self.a * (self.layers - 1)
        yc = 0.5 * self.a * self.cells_y
        dx = sites[..., 0] - xc
        dy = sites[..., 1] - yc
        u = np.zeros_like(sites)
        u[..., 0] = (self.amplitude * np.exp(-(dx / self.width_x) ** 2 - (dy / self.width_y) ** 2)
                     * np.cos(2 * math.pi * dx / self.carrier))
        return u

    def default_end(self) -> float:
        """Run length (fs): the longitudinal packet's halves have crossed half the region and three widths."""
        return (0.25 * self.a * self.layers + 3 * self.width_x) / self.speed

    # ------------------------------------------------------------------ kernel
    def boundary_kernel(self, side: int, kT: float = 0.0, rng: np.random.Generator | None = None
                        ) -> PeriodicLatticeBoundary:
        """The memory boundary of the right (side = +1) or left (-1) face; with kT > 0 (eV) the
        bath's thermal motion too (:class:`~qcbridge.memory.lattice_boundary.LatticeBathNoise`)."""
        g = self.ghost_layers
        steps = int(round(self.memory_fs / self.dt))
        bath_layers = g + math.ceil(0.5 * 1.2 * self.speed * self.memory_fs / (0.5 * self.a)) + 2
        if side > 0:
            interface = fcc_layers(self.a, self.layers - g, g, self.cells_y)
            bath = fcc_layers(self.a, self.layers, bath_layers, self.cells_y)
        else:
            interface = fcc_layers(self.a, 0, g, self.cells_y)
            bath = fcc_layers(self.a, -bath_layers, bath_layers, self.cells_y)[::-1]  # nearest plane first
        ni, nb = interface.reshape(-1, 3).shape[0], bath.reshape(-1, 3).shape[0]
        sites = np.concatenate([interface.reshape(-1, 3), bath.reshape(-1, 3)])
        k = stiffness_matrix(sites, self.cell(sites), np.array([False, True, True]), self.fc)
        i_dofs = _cell_dofs(g, self.cells_y, 0)
        b_slice = slice(3 * ni, 3 * (ni + nb))
        ghost_rows = _cell_dofs(g, self.cells_y, None)  # bath planes 0 .. g-1, ordered (cell, plane, atom, xyz)
        inv_mass = np.full(3 * nb, 1.0 / self.mass)
        theta = bath_response(k[b_slice, b_slice], k[b_slice][:, i_dofs], inv_mass, self.dt * units.fs, steps,
                              ghost_rows.ravel())
        noise = None
        if kT > 0:
            noise = LatticeBathNoise(k[b_slice, b_slice], inv_mass, ghost_rows.ravel(), kT, self.dt * units.fs, rng=rng,
                                     coherence_time=self.coherence_fs * units.fs)
            theta *= np.exp(-self.dt * np.arange(1, steps + 1) / self.coherence_fs)[:, None, None]
        else:
            theta *= taper_window(steps, self.taper)[:, None, None]
        return PeriodicLatticeBoundary(theta.reshape(steps, self.cells_y, -1, len(i_dofs)), noise)

    # ------------------------------------------------------------------ runs
    def run(self, kind: Boundary, t_end: float, gamma_max: float = 0.0) -> tuple[np.ndarray, np.ndarray, float, int]:
        """Integrate one boundary; return region displacements and velocities (Angstrom, Angstrom/fs) at t_end,
        the wall time per step (s) and the number of steps."""
        pad = self.ghost_layers if kind is Boundary.DAMPED else 0
        return self._integrate(kind, *self._planes(pad), pad, t_end, gamma_max)

    def _planes(self, pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The moving planes (the region and ``pad`` damping planes on each side) and the ghost
        planes beyond them, left (nearest plane first) and right."""
        g = self.ghost_layers
        return (fcc_layers(self.a, -pad, self.layers + 2 * pad, self.cells_y),
                fcc_layers(self.a, -pad - g, g, self.cells_y)[::-1],
                fcc_layers(self.a, self.layers + pad, g, self.cells_y))

    def reference(self, t_end: float) -> tuple[np.ndarray, np.ndarray]:
        """The packet in a crystal wide enough that nothing returns to the region by t_end."""
        margin = math.ceil((1.2 * self.speed * t_end + self.reach) / (0.5 * self.a))
        sites = fcc_layers(self.a, -margin, self.layers + 2 * margin, self.cells_y)
        u, v, _, _ = self._integrate(None, sites, sites[:0], sites[:0], margin, t_end, 0.0)
        return u, v

    def thermal_run(self, temperature: float, t_end: float, *, seed: int | np.random.Generator | None = None,
                    noise: bool = True, every: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """The region, at rest at its lattice sites, held by kernel boundaries whose baths are at a temperature.

        Parameters
        ----------
        temperature : float
            Bath temperature (K).
        t_end : float
            Run length (fs).
        seed : int or numpy.random.Generator, optional
        noise : bool
            Add the baths' thermal motion (False: the kernel alone, a bath at 0 K).
        every : int
            Steps between records.

        Returns
        -------
        times : ndarray
            fs.
        temperature : ndarray
            Kinetic temperature of the region's atoms (K).
        """
        gen = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        kT = units.kB * temperature if noise else 0.0
        record: list[float] = []
        to_kelvin = self.mass * units.fs**-2 / (3 * units.kB)  # m v^2 (A/fs) per atom -> K

        def observe(v: np.ndarray) -> None:
            record.append(float(np.mean(np.sum(v * v, axis=1))) * to_kelvin)

        self._integrate(Boundary.KERNEL, *self._planes(0), 0, t_end, 0.0, thermal=(kT, gen), observe=observe,
                        every=every, packet=False)
        return self.dt * every * np.arange(len(record)), np.array(record)

    def _integrate(self, kind: Boundary | None, inner: np.ndarray, left: np.ndarray, right: np.ndarray, pad: int,
                   t_end: float, gamma_max: float, *, thermal: tuple[float, np.random.Generator] | None = None,
                   observe: Callable[[np.ndarray], None] | None = None, every: int = 1, packet: bool = True
                   ) -> tuple[np.ndarray, np.ndarray, float, int]:
        g = self.ghost_layers
        n_in = inner.shape[0]
        sites = np.concatenate([inner.reshape(-1, 3), left.reshape(-1, 3), right.reshape(-1, 3)])
        n_free = inner[..., 0].size
        atoms = Atoms([self.potential.species[0]] * len(sites), positions=sites, cell=self.cell(sites),
                      pbc=(False, True, True))
        region = slice(pad * self.cells_y * 2, (n_in - pad) * self.cells_y * 2)
        u = np.zeros((n_free, 3))
        if packet:
            u[region] = self.packet(inner[pad:n_in - pad]).reshape(-1, 3)  # the packet starts in the region only
        v = np.zeros_like(u)
        depth = np.maximum(np.maximum(pad - np.arange(n_in), np.arange(n_in) - (n_in - 1 - pad)), 0) / max(pad, 1)
        gamma = np.repeat(gamma_max * depth**2, self.cells_y * 2)[:, None] if kind is Boundary.DAMPED else 0.0
        kT, gen = (0.0, None) if thermal is None else thermal
        bounds = ((self.boundary_kernel(-1, kT, gen), self.boundary_kernel(+1, kT, gen)) if kind is Boundary.KERNEL
                  else None)
        ghosts = np.zeros((len(sites) - n_free, 3))
        dt = self.dt
        inv_m = 1.0 / (self.mass * units.fs**-2)  # (Angstrom/fs^2) per (eV/Angstrom)
        steps = int(round(t_end / dt))
        with LammpsEngine(atoms, self.potential, min_distance=0.0) as eng:
            def forces(u: np.ndarray, ghosts: np.ndarray) -> np.ndarray:
                eng.set_positions(sites + np.concatenate([u, ghosts]))
                return eng.forces()[:n_free] * inv_m

            acc = forces(u, ghosts)
            t0 = time.perf_counter()
            for step in range(steps):
                if observe is not None and step % every == 0:
                    observe(v[region])
                v = (v + 0.5 * dt * acc) * np.exp(-0.5 * gamma * dt)
                if bounds is not None:
                    uu = u.reshape(n_in, self.cells_y, 2, 3)
                    faces = (uu[:g], uu[n_in - g:])  # planes in increasing x, as the kernels' interfaces
                    ghosts = np.concatenate([
                        _from_cells(b.push(_to_cells(f)), g, self.cells_y) for b, f in zip(bounds, faces, strict=True)])
                u = u + dt * v
                acc = forces(u, ghosts)
                v = (v + 0.5 * dt * acc) * np.exp(-0.5 * gamma * dt)
            per_step = (time.perf_counter() - t0) / max(steps, 1)
        return u[region], v[region], per_step, steps

    def region_energy(self, u: np.ndarray, v: np.ndarray) -> float:
        """Harmonic energy (eV) of region displacements u (Angstrom) and velocities v (Angstrom/fs)."""
        k = self.region_stiffness
        return float(0.5 * self.mass * units.fs**-2 * np.sum(v * v) + 0.5 * u.ravel() @ (k @ u.ravel()))

    @cached_property
    def region_stiffness(self) -> sp.csr_matrix:
        """Harmonic stiffness of the region's atoms alone (eV/Angstrom^2)."""
        sites = fcc_layers(self.a, 0, self.layers, self.cells_y).reshape(-1, 3)
        return stiffness_matrix(sites, self.cell(sites), np.array([False, True, True]), self.fc)


def taper_window(length: int, share: float) -> np.ndarray:
    """1 over the first (1 - share) of ``length`` lags, then cos^2 down to 0."""
    start = int(round((1.0 - share) * length))
    w = np.ones(length)
    w[start:] = np.cos(0.5 * math.pi * np.arange(length - start) / max(length - start, 1)) ** 2
    return w


def _cell_dofs(planes: int, cells_y: int, cell: int | None) -> np.ndarray:
    """Degrees of freedom of ``planes`` planes (ordered plane, cell, atom, xyz) grouped by y cell:
    shape (cells_y, planes * 6), or the row of one cell."""
    idx = np.arange(planes * cells_y * 6).reshape(planes, cells_y, 6).transpose(1, 0, 2).reshape(cells_y, -1)
    return idx if cell is None else idx[cell]


def _to_cells(face: np.ndarray) -> np.ndarray:
    """(planes, cells_y, 2, 3) -> (cells_y, planes * 6)."""
    return face.transpose(1, 0, 2, 3).reshape(face.shape[1], -1)


def _from_cells(cells: np.ndarray, planes: int, cells_y: int) -> np.ndarray:
    """(cells_y, planes * 6) -> (planes * cells_y * 2, 3), ordered plane, cell, atom."""
    return cells.reshape(cells_y, planes, 2, 3).transpose(1, 0, 2, 3).reshape(-1, 3)


def slab_wave_test(boundary: Boundary | str, *, potential: Potential | str = "Cu_u3.eam", layers: int = 40,
                   cells_y: int = 12, t_end: float | None = None, **options: float) -> WaveTestResult:
    """Send a 2D wave packet from the centre of an EAM slab region and measure what its faces send back.

    Parameters
    ----------
    boundary : Boundary or {"fixed", "damped", "kernel"}
    potential : Potential or str
        An fcc metal's EAM potential (name or object).
    layers, cells_y : int
        Region size: (100) planes along x, lattice constants along y.
    t_end : float, optional
        Run length (fs); default :meth:`SlabWaveTest.default_end`.
    **options
        Further :class:`SlabWaveTest` fields (amplitude, wavelength, width_x, width_y, dt, memory_fs).

    Returns
    -------
    WaveTestResult
        ``reflected_energy_fraction``: energy (harmonic, within the region) of the difference
        from the wide-crystal reference at t_end, over the packet's initial energy;
        ``energy_left_fraction``: the region's own energy then, over the initial energy.
    """
    try:
        kind = Boundary(boundary)
    except ValueError:
        raise KernelError(f"unknown boundary {boundary!r}; choose one of "
                          f"{', '.join(b.value for b in Boundary)}") from None
    pot = load_potential(potential) if isinstance(potential, str) else potential
    test = SlabWaveTest(pot, layers=layers, cells_y=cells_y, **options)
    t_end = test.default_end() if t_end is None else float(t_end)
    u0 = test.packet(fcc_layers(test.a, 0, layers, cells_y)).reshape(-1, 3)
    e0 = test.region_energy(u0, np.zeros_like(u0))
    u_ref, v_ref = test.reference(t_end)
    scan = DAMPING_SCAN if kind is Boundary.DAMPED else (0.0,)
    best: tuple[float, float, float, int, float] | None = None
    for gamma in scan:
        u, v, per_step, steps = test.run(kind, t_end, gamma)
        reflected = test.region_energy(u - u_ref, v - v_ref) / e0
        if best is None or reflected < best[0]:
            best = (reflected, test.region_energy(u, v) / e0, per_step, steps, gamma)
    assert best is not None
    reflected, left, per_step, steps, gamma = best
    return WaveTestResult(kind, reflected, per_step, steps, gamma if kind is Boundary.DAMPED else None,
                          energy_left_fraction=left)
