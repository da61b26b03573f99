"""Benchmarks: `make bench` (python -m bench) measures the product against the cloud's own
critical path and the runbook, on the sandbox; results in bench/results/."""
