#!/usr/bin/env bash
# Lane `rust-build`: the Cargo workspace builds, its tests pass, clippy is clean with
# warnings as errors, and the wheel maturin builds installs into an empty venv and
# imports there with its schemas (proving the wheel is complete without the source tree).
#   CT_SKIP_INSTALL=1  take maturin from the environment on PATH (set by .ci/run);
#                      otherwise a throwaway venv with maturin is made first.
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CT_ROOT"

install_maturin() {
    if [ "${CT_SKIP_INSTALL:-0}" = "1" ] && command -v maturin >/dev/null; then
        ct_log "maturin from PATH: $(command -v maturin)"
        return 0
    fi
    local scratch
    ct_tempdir scratch || return
    ct_new_venv "$scratch/tools" || return
    python -m pip install -q "maturin>=1.9.4,<2" || return
}

build_wheel() {
    rm -rf target/ci-wheels || return
    maturin build --release --out target/ci-wheels || return
}

# A venv that holds only the wheel and its runtime dependencies, used from a folder
# outside the source tree, so nothing can be imported from the checkout.
check_wheel() {
    local scratch wheels
    ct_tempdir scratch || return
    wheels=(target/ci-wheels/cracktrader-*.whl)
    if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
        ct_log "expected exactly one wheel in target/ci-wheels, found: ${wheels[*]}"
        return 1
    fi
    "${CT_PYTHON:-python3}" -m venv "$scratch/venv" || return
    "$scratch/venv/bin/python" -m pip install -q "${wheels[0]}" || return
    (cd "$scratch" && CT_SOURCE_ROOT="$CT_ROOT" "$scratch/venv/bin/python" "$CT_ROOT/ci/check_installed_wheel.py") || return
}

ct_phase "rust-build: install maturin" install_maturin
ct_phase "rust-build: cargo build" cargo build --workspace --all-targets --locked
ct_phase "rust-build: cargo test" ct_cargo_test --workspace --locked
ct_phase "rust-build: cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
ct_phase "rust-build: maturin build (wheel)" build_wheel
ct_phase "rust-build: wheel imports in a clean venv" check_wheel
