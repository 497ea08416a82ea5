"""Benchmarks (``python -m cracktrader.bench <name> --help``), never tests.

Each benchmark runs every requested backend on the same seeded workload in one process,
warms up, times at least 5 iterations, reports median and min, prints the build profile
of the Rust extension, and refuses to report figures when the backends disagree.
"""
