#!/usr/bin/env bash
# Gate of the required CI job `rust-feed-parity-required`: the feed parity tests and the
# feed benchmark's agreement check, with the Rust backend mandatory (a missing build
# fails instead of skipping or falling back to Python).
#
# Usage: ci/feed_parity_required.sh        (from the repository root, extension built)
# Env:   HYPOTHESIS_PROFILE (default "ci"), FEED_FUZZ_SECONDS (default 0 = no fuzz loop)
set -euo pipefail

cd "$(dirname "$0")/.."
export CRACKTRADER_REQUIRE_RUST=1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
PYTHON="${PYTHON:-python}"

echo "== feed parity tests (CRACKTRADER_REQUIRE_RUST=1, hypothesis profile ${HYPOTHESIS_PROFILE})"
"$PYTHON" -m pytest -m parity tests/feeds -q

echo "== feed benchmark agreement check (small workload; timings informational)"
report="$(mktemp -t feed-bench.XXXXXX.json)"
trap 'rm -f "$report"' EXIT
"$PYTHON" -m cracktrader.bench feed --ticks 5000 --parser-samples 2000 --iterations 5 --warmup 1 \
    --json-out "$report"
"$PYTHON" - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
if not report["agreement"]:
    sys.exit(f"feed backends disagree on: {report['disagreeing_paths']}")
print(f"agreement ok on {len(report['paths'])} hot paths ({report['build_profile']} build)")
PY

if [[ "${FEED_FUZZ_SECONDS:-0}" != "0" ]]; then
    echo "== feed lockstep fuzz for ${FEED_FUZZ_SECONDS}s"
    "$PYTHON" -m cracktrader.feeds.fuzz --budget "${FEED_FUZZ_SECONDS}"
fi
echo "feed parity gate passed"
