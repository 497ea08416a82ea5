#!/usr/bin/env bash
# Lane `mutation` (nightly, not blocking): mutation testing of the Python reference core
# with the parity fuzz as the test that must fail. cosmic-ray mutates
# cracktrader/engine/ one mutant at a time; each mutant is killed when
# `python -m parity.fuzz` (python vs rust) finds a divergence.
#   CT_MUTATION_SAMPLE (default 50)  mutants sampled from the session (seeded)
#   CT_MUTATION_SEED   (default 1)
set -euo pipefail
# shellcheck source=ci/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ct_phase "mutation: install" ct_install_dev
export CRACKTRADER_REQUIRE_RUST=1
python -m pip install -q "cosmic-ray>=8.4" || exit 1
ct_tempdir work
session="$work/session.sqlite"
cd "$CT_ROOT"
# The unmutated code must pass, or every mutant would look killed.
baseline() { python -m parity.fuzz --budget 80cases --seed 1 --target core,sequencer,normalizer,invariants \
    --backends python,rust --length 300 --no-shrink --quiet; }
ct_phase "mutation: baseline (unmutated fuzz passes)" baseline
ct_phase "mutation: init" cosmic-ray init ci/mutation.toml "$session"
ct_phase "mutation: sample" python ci/mutation_sample.py sample "$session" --size "${CT_MUTATION_SAMPLE:-50}" \
    --seed "${CT_MUTATION_SEED:-1}"
ct_phase "mutation: exec" cosmic-ray exec ci/mutation.toml "$session"
# cosmic-ray restores each file after its mutant; make sure nothing is left behind.
git diff --quiet -- cracktrader/engine || { ct_log "a mutant was left in the tree"; git diff --stat; exit 1; }
ct_phase "mutation: report" python ci/mutation_sample.py report "$session" \
    --json-out "${CT_REPORTS:-$work}/mutation.json"
