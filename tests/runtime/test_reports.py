"""Reports: parity summaries and divergence reports are checked, stored and served."""

from __future__ import annotations

import json

import pytest

API = "/api/v1"


@pytest.fixture
def summary(parity_json_out):
    return json.loads(parity_json_out.read_text())


def post(app, body: bytes, headers=None, **params):
    return app.client.post(f"{API}/reports", content=body, params=params,
                           headers={**app.admin_headers, "Content-Type": "application/json", **(headers or {})})


def test_a_parity_summary_is_detected_stored_and_served_whole(app, parity_json_out, summary):
    raw = parity_json_out.read_bytes()
    response = post(app, raw)
    assert response.status_code == 201, response.text
    meta = response.json()
    assert meta["kind"] == "parity_summary" and meta["report_id"].startswith("rp-")
    assert meta["summary"]["divergences"] == len(summary["divergences"]) == 1
    assert meta["summary"]["cases"] == summary["cases"]
    assert meta["title"].startswith("parity run:")
    got = app.client.get(f"{API}/reports/{meta['report_id']}", headers=app.read_headers).json()
    assert got["document"] == summary
    assert {k: got[k] for k in meta} == meta
    listed = app.client.get(f"{API}/reports", headers=app.read_headers).json()["reports"]
    assert listed == [meta]


def test_a_divergence_report_is_checked_against_its_schema(app, summary):
    from cracktrader.engine.validation import load_schema

    known = load_schema("divergence_report")["properties"]
    report = {k: v for k, v in summary["divergences"][0].items() if k in known}
    response = post(app, json.dumps(report).encode(), title="mutant found")
    assert response.status_code == 201
    meta = response.json()
    assert meta["kind"] == "divergence_report" and meta["title"] == "mutant found"
    assert meta["summary"]["signature"] == report["signature"]
    broken = dict(report, step_index=-1)
    refused = post(app, json.dumps(broken).encode())
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_report"
    assert "/step_index" in refused.json()["error"]["message"]
    claimed = post(app, b'{"hello": 1}', kind="divergence_report")
    assert claimed.status_code == 422 and claimed.json()["error"]["code"] == "invalid_report"
    assert app.client.get(f"{API}/reports", params={"kind": "divergence_report"},
                          headers=app.read_headers).json()["reports"] == [meta]


def test_free_form_evidence(app):
    doc = {"replayed_steps": 120, "state_hash": "ab" * 32, "ok": True}
    meta = post(app, json.dumps(doc).encode(), runtime_id="rt-0123456789abcdef").json()
    assert meta["kind"] == "replay" and meta["runtime_id"] == "rt-0123456789abcdef"
    meta = post(app, b'{"anything": [1, 2.5, null]}', kind="recovery").json()
    assert meta["kind"] == "recovery" and meta["summary"] == {"keys": ["anything"]}


@pytest.mark.parametrize("body", [
    b"[1, 2]", b'"text"', b"{bad", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1, "a": 2}',
    b'{"a": "\\ud800"}', b"\xff", b"", b"{" * 40 + b"}" * 40,
    b'{"n": 1' + b"0" * 80 + b"}",
])
def test_bodies_that_are_not_strict_json_objects_are_422(app, body):
    response = post(app, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


def test_bad_report_queries(app):
    assert post(app, b"{}", kind="poetry").status_code == 422
    assert post(app, b"{}", runtime_id="../etc").status_code == 422
    assert post(app, b"{}", title="").status_code == 422
