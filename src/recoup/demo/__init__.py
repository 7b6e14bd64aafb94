"""The deterministic synthetic ledger used by the demo, tests and benchmarks."""
