"""Normalizer fixtures (shared with the other normalizer test folder)."""

from normalizer_fixtures import both, normalizer  # noqa: F401
