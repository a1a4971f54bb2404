"""Benchmarks (issue #8): `make bench` runs bench/run.py. Figures are printed, never asserted."""
