#!/usr/bin/env bash
# Lane `parity-required` (issue 6): every recorded fixture replayed on python and rust,
# `pytest -m parity`, and a fixed-seed fuzz run: any divergence fails the lane.
#   CT_SKIP_INSTALL=1      reuse the environment on PATH (set by .ci/run).
#   CT_FULL_PYTEST_DONE=1  the whole suite (parity tests included) already ran.
#   CT_FUZZ_BUDGET         the fuzz budget (default 60s); CT_FUZZ_SEED its seed.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "parity-required: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
replay() { (cd "$CT_ROOT" && python -m parity.replay --backends python,rust); }
ct_phase "parity-required: replay fixtures" replay
if [ "${CT_FULL_PYTEST_DONE:-0}" != "1" ]; then
    ct_phase "parity-required: pytest -m parity" ct_pytest -m parity "$@"
else
    ct_log "parity-required: pytest -m parity already ran in the full suite"
fi
fuzz() {
    local out="${CT_REPORTS:-${TMPDIR:-/tmp}}/parity-fuzz.json"
    (cd "$CT_ROOT" && python -m parity.fuzz --budget "${CT_FUZZ_BUDGET:-60s}" --seed "${CT_FUZZ_SEED:-20261125}" \
        --backends python,rust --quiet --json-out "$out")
}
ct_phase "parity-required: fuzz" fuzz
