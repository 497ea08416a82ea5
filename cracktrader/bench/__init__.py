"""Benchmarks (never tests): each module times both backends on one generated stream.

Run them with ``python -m cracktrader.bench <name> --help``. Every benchmark checks
that the backends produced identical canonical output; one that disagrees fails.
"""
