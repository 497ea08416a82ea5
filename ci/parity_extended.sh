#!/usr/bin/env bash
# Lane `rust-parity-extended` (nightly, not blocking): a long fuzz run with a new seed
# every day, both workers, divergences recorded as fixtures (uploaded by the workflow),
# and the parity properties under the `nightly` Hypothesis profile.
#   CT_FUZZ_BUDGET (default 10m), CT_FUZZ_SEED (default: today's date), CT_FUZZ_WORKERS (2).
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "parity-extended: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
export HYPOTHESIS_PROFILE=nightly
fuzz() {
    (cd "$CT_ROOT" && python -m parity.fuzz --budget "${CT_FUZZ_BUDGET:-10m}" --seed "${CT_FUZZ_SEED:-$(date +%Y%m%d)}" \
        --workers "${CT_FUZZ_WORKERS:-2}" --backends python,rust --record --quiet \
        --json-out "${CT_REPORTS:-$CT_ROOT}/parity-extended.json")
}
status=0
ct_phase "parity-extended: fuzz" fuzz || status=$?
ct_phase "parity-extended: parity properties (nightly profile)" ct_pytest -m parity tests/parity || status=$?
exit "$status"
