r"""A long LAMMPS bar whose strain profile relaxes slowly under friction: a fine model with a
coarse variable, for projective integration.

A crystal bar, periodic along its length x (``cells[0]`` conventional cells, length L) and across
it, runs molecular dynamics with a Langevin thermostat of damping time :math:`\tau_d` (at T = 0 a
pure friction :math:`-m v / \tau_d`). Its coarse state is the long-wavelength part of the
displacement profile along the bar: the cosine and sine amplitudes of the first ``modes``
harmonics of :math:`u_x(X)`,

.. math::  u_x(X) \approx \sum_{m=1}^{M} a_m \cos k_m X + b_m \sin k_m X, \qquad k_m = 2\pi m / L,

restricted from the atoms by the discrete projections :math:`a_m = (2/N) \sum_i u_{x,i} \cos k_m
X_i` (exact on the lattice planes for m < ``cells[0]``). The lift places every atom at its site
plus that profile, with zero velocity.

In the continuum limit the profile obeys :math:`\rho u_{tt} + (\rho/\tau_d) u_t = C_{11} u_{XX}`
(small strains, C11 the uniaxial-strain modulus along x), so each harmonic decays with the slow
root of :math:`s^2 + s/\tau_d + \omega^2 = 0`, :math:`\omega = c k`, :math:`c^2 = C_{11}/\rho`:

.. math::  \lambda = \big(1 - \sqrt{1 - 4 \omega^2 \tau_d^2}\big) / (2 \tau_d) \approx \omega^2 \tau_d,

slow for a long bar and strong friction, while every atomic-scale motion the lift leaves out
relaxes within a few :math:`\tau_d`: the spectral gap projective integration needs. At strains of a
few percent the potential's anharmonicity shifts the decay (by 1 % at 6.6 % strain for Al_jnp) and
couples the harmonics; no formula gives that, and the full molecular dynamics is the reference.

The fine state is an array of shape (2, N, 3): displacements from the sites (Angstrom) and
velocities (Angstrom/fs) of every atom. One LAMMPS instance is kept for all bursts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..engines.lammps import LammpsEngine
from ..engines.thermostat import langevin_nvt
from ..errors import MultiscaleError, StructureError
from ..homogenization.atomistic import cell_repeat, crystal_species, cubic_lattice
from ..potentials import Potential
from ..structures import Lattice, cubic_crystal

__all__ = ["DampedBar"]

#: LAMMPS metal velocities are Angstrom/ps.
_PS_PER_FS = 1e-3


class DampedBar:
    """A periodic LAMMPS bar with friction, its coarse displacement harmonics, lift and bursts.

    Parameters
    ----------
    potential : Potential
    lattice : str or Lattice
        Cubic lattice; x, y, z along <100>.
    a : float
        Lattice constant (Angstrom).
    cells : 3 ints
        Conventional cells along the bar (x) and across it; all periodic.
    modes : int
        Harmonics M in the coarse state (its shape is (2 M,): a_1..a_M, b_1..b_M), M < cells[0].
    damping_fs : float
        Langevin damping time tau_d (fs).
    timestep_fs, sample_every_fs : float
        MD time step and the spacing of a burst's samples (fs).

    Examples
    --------
    >>> bar = DampedBar(load_potential("Al_jnp.eam"), "fcc", 3.98756, (32, 2, 2))  # doctest: +SKIP
    >>> times, coarse = projective_integrate(bar.burst, [0.0, 0.6], 20000.0, method="PIRK4",
    ...     burst_time=200.0, outer_step=5000.0, lift=bar.lift, restrict=bar.restrict)  # doctest: +SKIP
    """

    def __init__(self, potential: Potential, lattice: str | Lattice, a: float, cells: Sequence[int], *,
                 modes: int = 1, damping_fs: float = 10.0, timestep_fs: float = 1.0, sample_every_fs: float = 10.0):
        lat = cubic_lattice(lattice)
        self.cells = cell_repeat(cells)
        if not (math.isfinite(a) and a > 0):
            raise StructureError(f"a must be > 0 and finite, got {a}")
        if isinstance(modes, bool) or int(modes) != modes or not 1 <= modes < self.cells[0]:
            raise MultiscaleError(f"modes must be an integer in 1..{self.cells[0] - 1} (below the bar's "
                                  f"{self.cells[0]} cells), got {modes}")
        for name, value in (("damping_fs", damping_fs), ("timestep_fs", timestep_fs),
                            ("sample_every_fs", sample_every_fs)):
            if not (math.isfinite(value) and value > 0):
                raise MultiscaleError(f"{name} must be > 0 and finite, got {value}")
        self.every = max(1, round(sample_every_fs / timestep_fs))
        self.timestep_fs = float(timestep_fs)
        self.damping_fs = float(damping_fs)
        self.modes = int(modes)
        atoms = cubic_crystal(lat, crystal_species(potential, lat, None), float(a), size=self.cells)
        self.sites = atoms.positions.copy()
        self.length = self.cells[0] * float(a)
        k = 2.0 * np.pi * np.arange(1, self.modes + 1) / self.length
        phase = np.outer(self.sites[:, 0], k)  # (N, M)
        self._basis = np.hstack([np.cos(phase), np.sin(phase)])  # (N, 2M): u_x = basis @ coarse
        self.engine = LammpsEngine(atoms, potential)
        self.engine.commands([f"timestep {self.timestep_fs * _PS_PER_FS!r}",
                              *langevin_nvt("all", 0.0, self.damping_fs, 1)])  # T = 0: friction alone
        self.steps = 0  # MD steps run, over all bursts and runs

    @property
    def sample_fs(self) -> float:
        """Spacing of the samples a burst returns (fs)."""
        return self.every * self.timestep_fs

    # ------------------------------------------------------------------ coarse <-> fine
    def lift(self, coarse: np.ndarray) -> np.ndarray:
        """Fine state (2, N, 3) of a coarse state (2 M,): sites plus the profile, at rest."""
        c = np.asarray(coarse, dtype=float)
        if c.shape != (2 * self.modes,):
            raise MultiscaleError(f"a coarse state has shape ({2 * self.modes},), got {c.shape}")
        fine = np.zeros((2, len(self.sites), 3))
        fine[0, :, 0] = self._basis @ c
        return fine

    def restrict(self, fine: np.ndarray) -> np.ndarray:
        """Coarse state (2 M,) of a fine state: the harmonics of u_x (Angstrom)."""
        return (2.0 / len(self.sites)) * (self._basis.T @ np.asarray(fine)[0, :, 0])

    # ------------------------------------------------------------------ dynamics
    def burst(self, fine: np.ndarray, duration: float) -> tuple[np.ndarray, np.ndarray]:
        """Run MD from a fine state for ``duration`` fs; samples every ``sample_fs`` from t = 0.

        Returns
        -------
        times : ndarray, shape (k,)
            fs from the burst start, 0 ... duration.
        states : ndarray, shape (k, 2, N, 3)
        """
        n = round(duration / self.sample_fs)
        if n < 1 or abs(n * self.sample_fs - duration) > 1e-9 * duration:
            raise MultiscaleError(f"a burst of {duration:g} fs must be a whole number of {self.sample_fs:g} fs samples")
        self._set(np.asarray(fine, dtype=float))
        states = [self._state()]
        for _ in range(n):
            self.engine.command(f"run {self.every}")
            states.append(self._state())
        self.steps += n * self.every
        return self.sample_fs * np.arange(n + 1), np.array(states)

    def run(self, coarse: np.ndarray, t_end: float, every_fs: float) -> tuple[np.ndarray, np.ndarray]:
        """The full MD reference: lift once, run to ``t_end`` fs, restrict every ``every_fs``.

        Returns
        -------
        times : ndarray, shape (k,)
            0, every_fs, ..., t_end (fs).
        coarse : ndarray, shape (k, 2 M)
        """
        per = round(every_fs / self.timestep_fs)
        n = round(t_end / every_fs)
        if per < 1 or n < 1 or abs(n * per * self.timestep_fs - t_end) > 1e-9 * t_end:
            raise MultiscaleError(f"t_end = {t_end:g} fs must be a whole number of {every_fs:g} fs intervals of "
                                  f"{self.timestep_fs:g} fs steps")
        self._set(self.lift(coarse))
        out = [np.asarray(coarse, dtype=float)]
        for _ in range(n):
            self.engine.command(f"run {per}")
            out.append(self.restrict(self._state()))
        self.steps += n * per
        return every_fs * np.arange(n + 1), np.array(out)

    def _set(self, fine: np.ndarray) -> None:
        if fine.shape != (2, len(self.sites), 3) or not np.all(np.isfinite(fine)):
            raise MultiscaleError(f"a fine state is a finite array of shape (2, {len(self.sites)}, 3), got "
                                  f"{fine.shape}")
        self.engine.set_positions(self.sites + fine[0])
        self.engine.command("velocity all set 0 0 0")  # writes the positions; v follows, by id
        inst = self.engine.instance
        inst.atom_array("v")[:] = fine[1][inst.ids()] / _PS_PER_FS

    def _state(self) -> np.ndarray:
        inst = self.engine.instance
        return np.stack([self.engine.positions() - self.sites, inst.gather(inst.atom_array("v")) * _PS_PER_FS])

    def close(self) -> None:
        """Close the LAMMPS instance."""
        self.engine.close()

    def __enter__(self) -> DampedBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
