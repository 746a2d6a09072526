"""Atomistic dynamics with boundaries that let waves out: the wave tests of a harmonic chain
(:mod:`.wave_test`) and of an EAM slab (:mod:`.slab_wave_test`) with fixed, damped and
Mori-Zwanzig memory boundaries."""

from .slab_wave_test import SlabWaveTest, slab_wave_test
from .wave_test import Boundary, WaveTestResult, chain_temperature, chain_wave_test

__all__ = [
    "Boundary", "SlabWaveTest", "WaveTestResult", "chain_temperature", "chain_wave_test", "slab_wave_test",
]
