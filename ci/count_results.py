"""Add up the test results the lanes left in a reports folder (used by .ci/run).

Reads pytest JUnit XML files (``*.xml``) and ``cargo test`` logs (``*.log``, their
``test result:`` lines) and prints one closing line,
``total: N passed, N failed, N skipped``. Exits 1 when nothing ran or something failed,
so a CI run that executed no test cannot pass. Run with ``--help`` for usage.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

CARGO_LINE = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")


def count(folder: pathlib.Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) over every report in ``folder``."""
    passed = failed = skipped = 0
    for report in sorted(folder.glob("*.xml")):
        root = ET.parse(report).getroot()
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        for suite in suites:
            tests = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += tests - bad - skip
            failed += bad
            skipped += skip
    for log in sorted(folder.glob("*.log")):
        for match in CARGO_LINE.finditer(log.read_text("utf-8", errors="replace")):
            passed += int(match.group(1))
            failed += int(match.group(2))
            skipped += int(match.group(3))
    return passed, failed, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=pathlib.Path, help="the reports folder (CT_REPORTS)")
    args = parser.parse_args(argv)
    passed, failed, skipped = count(args.folder)
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
