# Shared helpers for the CI lane scripts (ci/*.sh) and .ci/run. Source it; do not run it.
#
# Environment understood by every lane:
#   CT_SKIP_INSTALL=1   use the Python environment already on PATH instead of creating
#                       one (.ci/run sets it after installing once, so no lane installs
#                       or builds the package a second time).
#   CT_VENV=DIR         where a lane creates its venv when it installs (default: a new
#                       temporary directory, removed when the lane exits).
#   CT_PYTHON=EXE       the interpreter that creates venvs (default: python3).
#   CT_TIMINGS=FILE     phase timings are appended here (.ci/run prints them at the end).
#   CT_REPORTS=DIR      test reports go here (pytest JUnit XML, cargo test logs);
#                       .ci/run adds them up into its closing line (ci/count_results.py).
#   CT_FULL_PYTEST_DONE=1  the whole pytest suite already ran in this CI run with
#                       CRACKTRADER_REQUIRE_RUST=1; a lane whose tests are a subset of
#                       it (e.g. `pytest -m parity`) skips them and does only its own
#                       extra work (a fuzz budget, a replay of recorded fixtures).

CT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CT_ROOT

# Temporary directories made by ct_tempdir are removed when the sourcing script exits.
CT_CLEANUP_DIRS=()
ct_cleanup() {
    local dir
    for dir in "${CT_CLEANUP_DIRS[@]}"; do rm -rf "$dir"; done
}
trap ct_cleanup EXIT

# ct_tempdir VAR: make a temporary directory, store its path in VAR, remove it at exit.
ct_tempdir() {
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/cracktrader-ci.XXXXXX")"
    CT_CLEANUP_DIRS+=("$dir")
    printf -v "$1" '%s' "$dir"
}

ct_log() {
    printf '[ci %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# ct_phase NAME COMMAND...: run COMMAND, print and record its wall time, keep its status.
# COMMAND runs where `set -e` is off (it is the left side of `||`), so the functions
# below check each step themselves (`|| return`).
ct_phase() {
    local name="$1"
    shift
    local start end status=0
    ct_log "=== ${name}: start"
    start=$(date +%s.%N)
    "$@" || status=$?
    end=$(date +%s.%N)
    local seconds
    seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
    local verdict=ok
    if [ "$status" -ne 0 ]; then verdict="FAILED (exit ${status})"; fi
    ct_log "=== ${name}: ${verdict} in ${seconds}s"
    if [ -n "${CT_TIMINGS:-}" ]; then
        printf '%-44s %8ss  %s\n' "$name" "$seconds" "$verdict" >>"$CT_TIMINGS"
    fi
    return "$status"
}

# Debian packages the test suite needs; .ci/run installs whichever are missing before
# anything else runs. Later issues add theirs here.
#   redis-server: the Redis Streams bus of the runtime daemon (tests/runtime start one
#                 on a free loopback port);
#   chromium, chromium-driver: the operator page's headless browser test (Selenium is
#                 pointed at /usr/bin/chromedriver and never downloads a driver).
CT_DEBIAN_PACKAGES=(
    redis-server
    chromium
    chromium-driver
)

ct_install_debian_packages() {
    local missing=() package
    for package in "${CT_DEBIAN_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        ct_log "debian packages: none missing (${#CT_DEBIAN_PACKAGES[@]} required)"
        return 0
    fi
    ct_log "debian packages: installing ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq || return
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || return
}

# ct_new_venv DIR: a fresh virtual environment at DIR, activated in this shell.
ct_new_venv() {
    local dir="$1"
    rm -rf "$dir" || return
    "${CT_PYTHON:-python3}" -m venv "$dir" || return
    # shellcheck disable=SC1091
    . "$dir/bin/activate" || return
    python -m pip install -q --upgrade pip || return
}

# ct_install_dev: the README's set-up command in a fresh venv (unless CT_SKIP_INSTALL=1).
ct_install_dev() {
    if [ "${CT_SKIP_INSTALL:-0}" = "1" ]; then
        ct_log "install skipped (CT_SKIP_INSTALL=1): using $(command -v python)"
        return 0
    fi
    local dir="${CT_VENV:-}" scratch
    if [ -z "$dir" ]; then
        ct_tempdir scratch || return
        dir="$scratch/venv"
    fi
    ct_new_venv "$dir" || return
    (cd "$CT_ROOT" && python -m pip install -q -e ".[dev]") || return
}

# ct_pytest ARGS...: the README's `pytest`, failing when it collected nothing (exit 5):
# a green run that ran no test proves nothing.
ct_pytest() {
    local status=0 report=()
    if [ -n "${CT_REPORTS:-}" ]; then
        report=(--junitxml "$CT_REPORTS/pytest-$(date +%s%N).xml")
    fi
    (cd "$CT_ROOT" && pytest "${report[@]}" "$@") || status=$?
    if [ "$status" -eq 5 ]; then
        ct_log "pytest collected no test: failing"
        return 1
    fi
    return "$status"
}

# ct_cargo_test ARGS...: `cargo test`, its output also kept in CT_REPORTS when set.
ct_cargo_test() {
    if [ -z "${CT_REPORTS:-}" ]; then
        (cd "$CT_ROOT" && cargo test "$@")
        return
    fi
    (set -o pipefail && cd "$CT_ROOT" && cargo test "$@" 2>&1 | tee "$CT_REPORTS/cargo-test-$(date +%s%N).log")
}
