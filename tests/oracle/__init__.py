"""An independent oracle for the core's golden fixtures.

A second opinion, not a second engine: a small state model written from DESIGN.md
sections 4-8 and docs/decisions.md, with exact ``fractions.Fraction`` arithmetic that
rounds half-even to 9 decimals only where the rules round. It must never import
``cracktrader.engine`` (tests/contracts/test_golden.py enforces it), so that a rule
misread in the core cannot be copied into the expected results.

``run(config, lines)`` replays JSON-line strings and returns the canonical result
strings plus the final model (cash, fees, positions, orders) to compare with the
core's snapshot.
"""

from oracle.model import Oracle, run

__all__ = ["Oracle", "run"]
