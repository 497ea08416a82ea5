#!/usr/bin/env bash
# Lane `rust-parity-required` (issue 5): every contract, golden and parity-marked test on
# both backends with the Rust build required, plus the core benchmark's agreement check
# (a small stream through python and rust; it exits non-zero when they disagree).
#   CT_SKIP_INSTALL=1      reuse the environment on PATH (set by .ci/run).
#   CT_FULL_PYTEST_DONE=1  the whole suite already ran: skip the pytest subset.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "rust-parity-required: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
if [ "${CT_FULL_PYTEST_DONE:-0}" != "1" ]; then
    ct_phase "rust-parity-required: contract + parity tests" ct_pytest tests/contracts tests/parity "$@"
else
    ct_log "rust-parity-required: contract and parity tests already ran in the full suite"
fi
agreement() {
    (cd "$CT_ROOT" && python -m cracktrader.bench core --events 4000 --backend python,rust \
        --iterations 5 --warmup 0 --apis apply_batch,apply_jsonl)
}
ct_phase "rust-parity-required: core benchmark agreement" agreement
