"""What a posted report is, and its one-line summary for the list.

Kinds: ``divergence_report`` (schema ``divergence_report.json``, from the parity
harness), ``parity_summary`` (``python -m parity.fuzz --json-out``: its
``divergences`` are divergence reports, with the fuzzer's working fields added), and the free-form ``replay``, ``recovery``
and ``evidence``. A document that claims a schema (or looks like one) must satisfy
it; free-form kinds only need to be a JSON object (D-467).
"""

from __future__ import annotations

from typing import Any

REPORT_KINDS = ("divergence_report", "parity_summary", "replay", "recovery", "evidence")
FREE_FORM = ("replay", "recovery", "evidence")


class InvalidReport(ValueError):
    """The document does not satisfy the schema of its kind."""


def _divergence_errors(document: Any, *, extra_keys_allowed: bool = False) -> str | None:
    from cracktrader.engine.validation import load_schema, problems

    if extra_keys_allowed and isinstance(document, dict):
        # `parity.fuzz --json-out` adds working fields to each divergence (the shrunk
        # steps, the case index, ...): check the report's own fields, keep the rest.
        known = load_schema("divergence_report")["properties"]
        document = {key: value for key, value in document.items() if key in known}
    found = problems("divergence_report", document)
    if not found:
        return None
    path, reason = found[0]
    return f"{path or '/'}: {reason[:300]}"


def detect(document: dict[str, Any]) -> str:
    """The kind a document looks like (``evidence`` when nothing matches)."""
    if "signature" in document and "outputs" in document and "schema_version" in document:
        return "divergence_report"
    if isinstance(document.get("divergences"), list) and "per_target" in document and "cases" in document:
        return "parity_summary"
    if "replay" in document or "replayed_steps" in document:
        return "replay"
    if "recovered" in document or "recovery" in document:
        return "recovery"
    return "evidence"


def check(kind: str, document: dict[str, Any]) -> None:
    """``InvalidReport`` when a schema-bound kind does not satisfy its schema."""
    if kind == "divergence_report":
        problem = _divergence_errors(document)
        if problem:
            raise InvalidReport(f"not a valid divergence report: {problem}")
    elif kind == "parity_summary":
        divergences = document.get("divergences")
        if not isinstance(divergences, list):
            raise InvalidReport("a parity summary has a `divergences` list")
        for index, item in enumerate(divergences):
            problem = _divergence_errors(item, extra_keys_allowed=True)
            if problem:
                raise InvalidReport(f"divergences/{index} is not a valid divergence report: {problem}")


def summarize(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    """A few fields for the report list."""
    if kind == "divergence_report":
        keys = ("target", "kind", "signature", "step_index", "seed", "backends")
        return {key: document.get(key) for key in keys}
    if kind == "parity_summary":
        summary = {key: document.get(key) for key in ("cases", "steps", "seed", "backends")}
        summary["divergences"] = len(document.get("divergences") or [])
        return summary
    return {"keys": sorted(document)[:20]}


def default_title(kind: str, document: dict[str, Any]) -> str:
    if kind == "divergence_report":
        return f"divergence in {document.get('target')} at step {document.get('step_index')}"
    if kind == "parity_summary":
        return f"parity run: {document.get('cases')} cases, {len(document.get('divergences') or [])} divergence(s)"
    return kind
