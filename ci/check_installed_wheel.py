"""Check an installed cracktrader wheel from outside the source tree (ci/rust_build.sh).

Proves that the wheel alone is a working package: the compiled module imports and is
the real extension, the schemas ship inside it and validate documents, and nothing
is picked up from the checkout. Exits non-zero with a message on the first failure.
Run with ``--help`` for usage.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys


def fail(message: str) -> None:
    print(f"wheel check FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source-root",
        default=os.environ.get("CT_SOURCE_ROOT"),
        help="the checkout, which the installed package must not come from (env CT_SOURCE_ROOT)",
    )
    args = parser.parse_args(argv)

    import cracktrader
    import cracktrader._native as native
    from cracktrader.backend import native as load_native
    from cracktrader.engine import numbers, validation

    package_dir = pathlib.Path(cracktrader.__file__).resolve().parent
    if args.source_root and package_dir.is_relative_to(pathlib.Path(args.source_root).resolve()):
        fail(f"cracktrader was imported from the checkout ({package_dir}), not the wheel")
    if load_native() is not native:
        fail("cracktrader.backend refused the installed extension")
    if native.parse_decimal("-1.5") != numbers.parse_decimal("-1.5") or native.format_decimal(-1_500_000_000) != "-1.5":
        fail("the extension does not compute like the Python reference")

    for name in validation.CONTRACTS + validation.SUPPORT:
        schema_file = package_dir / "schemas" / f"{name}.json"
        if not schema_file.is_file():
            fail(f"schema {name}.json is not inside the installed package")
        validation.validator(name)  # loads through importlib.resources and checks it
    event = {
        "kind": "event", "seq_id": 1, "event_time": 0, "ingest_time": 0, "source": "timer",
        "venue": None, "instrument": None, "event_type": "timer", "payload": {"name": "t"},
        "idempotency_key": None, "producer": 0,
    }
    if validation.problems("engine_event", event):
        fail(f"a valid event was refused: {validation.problems('engine_event', event)}")
    if validation.problems("engine_event", {**event, "seq_id": 0}) == []:
        fail("an invalid event was accepted")

    print(f"wheel ok: cracktrader {cracktrader.__version__} from {package_dir}, "
          f"extension {native.__version__} at {pathlib.Path(native.__file__).name}, "
          f"{len(validation.CONTRACTS) + len(validation.SUPPORT)} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
