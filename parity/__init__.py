"""parity: differential testing that keeps the python and rust backends identical.

Generators (``parity.generators``) produce seeded or Hypothesis-driven input streams;
``parity.lockstep`` feeds every step to two backends and compares canonical bytes and
state hashes; ``parity.shrink`` minimizes a divergence keeping its signature;
``parity.fixtures`` records it under ``fixtures/regressions/`` so CI replays it forever.
Entry points: ``python -m parity.fuzz`` and ``python -m parity.replay``; ``pytest -m
parity``. See docs/parity.md.
"""
