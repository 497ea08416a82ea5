#!/usr/bin/env bash
# Lane `rust-feed-parity-required` (issue 7): the feed parity tests and the feed
# benchmark's agreement check, with the Rust backend mandatory (a missing build fails
# instead of skipping or falling back to Python).
#   CT_SKIP_INSTALL=1      reuse the environment on PATH (set by .ci/run).
#   CT_FULL_PYTEST_DONE=1  the whole suite (feed parity tests included) already ran.
#   FEED_FUZZ_SECONDS      run the feed lockstep fuzz this long (default 0: none).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "feed-parity-required: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
if [ "${CT_FULL_PYTEST_DONE:-0}" != "1" ]; then
    ct_phase "feed-parity-required: feed parity tests" ct_pytest -m parity tests/feeds "$@"
else
    ct_log "feed-parity-required: feed parity tests already ran in the full suite"
fi

agreement() {
    local report
    report="$(mktemp "${TMPDIR:-/tmp}/feed-bench.XXXXXX")"
    CT_CLEANUP_DIRS+=("$report")
    (cd "$CT_ROOT" && python -m cracktrader.bench feed --ticks 5000 --parser-samples 2000 --iterations 5 \
        --warmup 1 --json-out "$report") || return
    python - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
if not report["agreement"]:
    sys.exit(f"feed backends disagree on: {report['disagreeing_paths']}")
print(f"agreement ok on {len(report['paths'])} hot paths ({report['build_profile']} build)")
PY
}
ct_phase "feed-parity-required: benchmark agreement" agreement

if [ "${FEED_FUZZ_SECONDS:-0}" != "0" ]; then
    fuzz() { (cd "$CT_ROOT" && python -m cracktrader.feeds.fuzz --budget "${FEED_FUZZ_SECONDS}"); }
    ct_phase "feed-parity-required: feed fuzz" fuzz
fi
