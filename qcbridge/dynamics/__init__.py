"""Atomistic dynamics with boundaries that let waves out: the wave test of a harmonic chain
with fixed, damped and Mori-Zwanzig memory boundaries (:mod:`.wave_test`)."""

from .wave_test import Boundary, WaveTestResult, chain_wave_test

__all__ = ["Boundary", "WaveTestResult", "chain_wave_test"]
