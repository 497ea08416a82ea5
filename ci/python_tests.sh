#!/usr/bin/env bash
# Lane `python-tests`: install the package the README's way (`pip install -e ".[dev]"`,
# which also builds the Rust extension), then run the README's test command `pytest`
# with the Rust half required and the reproducible Hypothesis profile.
#   CT_SKIP_INSTALL=1  reuse the environment on PATH (set by .ci/run).
#   Extra arguments are passed to pytest.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "python-tests: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
ct_phase "python-tests: pytest" ct_pytest "$@"
