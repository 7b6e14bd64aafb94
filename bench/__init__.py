"""Benchmarks: each `bench_<name>.py` module defines `main(argv) -> None` and prints its figures
beside the baselines it measures in the same run. `python -m bench` runs them all."""
