#!/usr/bin/env bash
# Lane `bench-baseline` (issue 5): the core, sequencer and normalizer benchmarks run
# both backends on their standard workloads, must agree byte for byte, and must keep
# every Rust/Python ratio within MAX_SLOWDOWN (default 1.5) of benchmarks/baseline.json.
# A benchmark, not a test: it prints its figures. Ratios, not events/s, are compared,
# so a slower runner does not fail it (docs/performance.md, "Baselines").
#   CT_SKIP_INSTALL=1  reuse the environment on PATH (set by .ci/run).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "bench-baseline: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
for bench in core sequencer normalizer; do
    compare() { (cd "$CT_ROOT" && python -m cracktrader.bench "$1" --backend python,rust \
        --baseline benchmarks/baseline.json --max-slowdown "${MAX_SLOWDOWN:-1.5}"); }
    ct_phase "bench-baseline: $bench" compare "$bench"
done
