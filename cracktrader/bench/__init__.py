"""Benchmarks (not tests): ``python -m cracktrader.bench <subcommand> --help``.

Each subcommand lives in its own module, imported only when chosen (see
``SUBCOMMANDS`` in ``__main__``); shared timing helpers are in ``timing``.
"""
