"""Simulated inputs for tests and benchmarks: a synthetic multi-city corpus and a local "government web"."""
