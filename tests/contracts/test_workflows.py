"""The CI definition: workflow files are valid (checked offline) and thin.

Every ``run:`` step of ``.github/workflows/*.yml`` must call a script under ``ci/``
that exists, so the lanes run the same way locally, in ``.ci/run`` and on GitHub.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
from importlib import resources

import pytest
from ruamel.yaml import YAML

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
RUN_STEP = re.compile(r"bash (ci/[A-Za-z0-9_.-]+\.sh)( [^\n;&|`$]*)?")
REQUIRED_JOBS = {"python-tests", "rust-build"}
# Any attempt to reach the network goes to a closed local port and fails.
OFFLINE_ENV = {
    **os.environ,
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}


def check_jsonschema(*paths: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        env=OFFLINE_ENV,
    )


def load(path: pathlib.Path):
    return YAML(typ="safe").load(path.read_text("utf-8"))


def test_there_are_workflows():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "nightly.yml"]


def test_the_workflow_schema_is_vendored():
    # check-jsonschema ships the schema, so validation never needs the network.
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("github-workflows.json")
    assert vendored.is_file()


def test_workflows_validate_offline():
    result = check_jsonschema(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_workflow(tmp_path):
    # Prove the check above can fail: a job with no runs-on and steps that are a string.
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    steps: nope\n")
    result = check_jsonschema(broken)
    assert result.returncode != 0


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_run_steps_call_existing_ci_scripts(workflow):
    document = load(workflow)
    runs = [
        (job_id, step["run"])
        for job_id, job in document["jobs"].items()
        for step in job["steps"]
        if "run" in step
    ]
    assert runs, "a workflow without run steps checks nothing"
    for job_id, command in runs:
        match = RUN_STEP.fullmatch(command.strip())
        assert match, f"{job_id}: `run: {command}` must be `bash ci/<script>.sh [args]`"
        assert (ROOT / match.group(1)).is_file(), f"{job_id}: {match.group(1)} does not exist"


def test_ci_workflow_has_the_required_lanes():
    document = load(ROOT / ".github" / "workflows" / "ci.yml")
    # YAML 1.1 reads a bare `on` key as True; accept either spelling.
    triggers = document.get("on", document.get(True))
    assert set(triggers) >= {"push", "pull_request"}
    assert set(document["jobs"]) >= REQUIRED_JOBS
    for job_id in REQUIRED_JOBS:
        script = f"bash ci/{job_id.replace('-', '_')}.sh"
        commands = [step.get("run", "").strip() for step in document["jobs"][job_id]["steps"]]
        assert script in commands, f"job {job_id} must call {script}"


def test_each_job_says_what_it_protects():
    lines = (ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8").splitlines()
    jobs = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]
    for job_id in jobs:
        index = lines.index(f"  {job_id}:")
        assert lines[index - 1].lstrip().startswith("#"), f"job {job_id} has no comment above it"


SCRIPTS = sorted((ROOT / "ci").glob("*.sh")) + [ROOT / ".ci" / "run"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_scripts_parse_and_stop_on_errors(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = script.read_text("utf-8")
    if script.name != "lib.sh":  # sourced, never run
        assert text.startswith("#!/usr/bin/env bash\n")
        assert "\nset -euo pipefail\n" in text


# Lanes that only the nightly workflow runs (long budgets; they inform, never block).
NIGHTLY_LANES = {"parity_extended", "mutation"}


def test_ci_run_calls_every_lane_script():
    run = (ROOT / ".ci" / "run").read_text("utf-8")
    lanes = re.search(r"LANES=\(([^)]*)\)", run).group(1).split()
    present = {p.stem for p in (ROOT / "ci").glob("*.sh")} - {"lib"} - NIGHTLY_LANES
    assert present <= set(lanes), f"lane scripts .ci/run would not call: {present - set(lanes)}"


def test_nightly_workflow_calls_the_nightly_lanes():
    nightly = (ROOT / ".github" / "workflows" / "nightly.yml").read_text("utf-8")
    present = {p.stem for p in (ROOT / "ci").glob("*.sh")} & NIGHTLY_LANES
    for lane in present:
        assert f"bash ci/{lane}.sh" in nightly, lane
