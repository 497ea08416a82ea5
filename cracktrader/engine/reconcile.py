"""Live reconciliation after a restart: what the venue did while the engine was down.

Python-owned (no Rust twin); runs against a recovered core of either backend in
``external`` mode (live / sandbox). See docs/recovery.md and D-370.

After recovery the core knows every report it had applied before the crash. The
venue may have moved on: fills, cancels, expiries and rejections during the outage.
``reconcile`` asks a CCXT-like exchange object (``fetch_open_orders``,
``fetch_my_trades``, ``fetch_order``) about the core's live orders, turns what it
finds into ordinary broker-report events and applies them, in venue time order,
before the strategy resumes:

* every trade of a live order since the checkpoint -> ``order_filled`` with
  ``fill_id`` = the venue's trade id. Its idempotency key is the derived
  ``fill:{venue}:{order_id}:{trade_id}``, the same a live adapter gives the report
  (adapters must use the venue trade id as ``fill_id``), so a fill applied before
  the crash comes back ``duplicate``: a no-op. Reconciling twice is harmless.
* an order the core thinks ``submitted`` that the venue knows -> ``order_accepted``
  (or ``order_rejected``);
* a venue status ``canceled`` / ``expired`` / ``rejected`` -> ``order_cancelled`` /
  ``order_expired`` / ``order_rejected``.

Nothing is invented: an order the venue does not know, a ``cancel_pending`` order
still open at the venue, a venue order the core does not know, and a filled
quantity that still differs after the trades are applied are *reported* for the
runtime or operator to act on, never turned into events. Venue order ids come from
``broker_state["venue_order_ids"]`` (order_id -> venue id) when the checkpoint has
them, else from the orders' ``clientOrderId`` (= the engine's ``order_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from cracktrader.engine.canonical import canonical_dumps
from cracktrader.engine.errors import CracktraderError
from cracktrader.engine.numbers import format_decimal, parse_decimal

TERMINAL = frozenset(("filled", "cancelled", "rejected", "expired"))
AT_VENUE = frozenset(("submitted", "accepted", "partially_filled", "cancel_pending"))
# Venue status -> the report that ends the order in the core.
END_REPORTS = {"canceled": "order_cancelled", "cancelled": "order_cancelled", "expired": "order_expired", "rejected": "order_rejected"}
PAGE = 100


@dataclass
class ReconcileReport:
    """What reconciliation did and what it left to the runtime/operator."""

    venue: str
    since: int
    applied: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    unknown_venue_orders: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing refused, unresolved, unknown or still different."""
        return not (self.refused or self.unresolved or self.unknown_venue_orders or self.discrepancies)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["clean"] = self.clean
        return out


def _decimal(value: Any) -> str:
    """A venue number (float, int or string) as a canonical decimal string."""
    return format_decimal(parse_decimal(value))


def _stream_key(venue: str, instrument: str, producer: int) -> str:
    return canonical_dumps(["broker_report", venue, instrument, producer])


def reconcile(
    core: Any,
    exchange: Any,
    *,
    venue: str,
    since: int,
    now: int,
    producer: int = 0,
    broker_state: dict[str, Any] | None = None,
    apply: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    next_seq_id: int | None = None,
) -> ReconcileReport:
    """Bring ``core`` up to date with ``exchange`` for ``venue``; apply, then report.

    ``since`` (ms) is where trades are fetched from (the checkpoint's ``created_at``
    minus a safety margin is a good choice: older trades come back ``duplicate``);
    ``now`` (ms) is the ``ingest_time`` of the events. ``apply`` defaults to
    ``core.apply``; pass a ``RecordingSession.apply`` so the reconciled reports are
    logged like any other input. Events get consecutive seq_ids after the core's
    last one and an ``event_time`` never below their stream's last time (D-370), so
    they are not refused as late.
    """
    apply = apply or core.apply
    report = ReconcileReport(venue=venue, since=since)
    snapshot = core.snapshot()
    venue_ids = dict((broker_state or {}).get("venue_order_ids", {}))
    live = [o for o in snapshot["orders"] if o["venue"] == venue and o["state"] in AT_VENUE]
    by_client: dict[str, dict[str, Any]] = {}
    known_ids = {o["order_id"] for o in snapshot["orders"] if o["venue"] == venue}
    for symbol in sorted({o["instrument"] for o in live}):
        for venue_order in exchange.fetch_open_orders(symbol):
            client = venue_order.get("clientOrderId")
            if client in known_ids:
                by_client[client] = venue_order
            elif not any(venue_order.get("id") == vid for vid in venue_ids.values()):
                report.unknown_venue_orders.append(
                    {"id": venue_order.get("id"), "clientOrderId": client, "symbol": symbol, "status": venue_order.get("status")}
                )
    trades = _trades_by_order(exchange, sorted({o["instrument"] for o in live}), since)

    events: list[tuple[int, int, int, dict[str, Any]]] = []
    views: dict[str, dict[str, Any]] = {}
    for rank, order in enumerate(live):
        order_id = order["order_id"]
        venue_order = by_client.get(order_id) or _fetch_order(exchange, order, venue_ids.get(order_id))
        if venue_order is None:
            report.unresolved.append({"order_id": order_id, "state": order["state"], "reason": "not_found_at_venue"})
            continue
        views[order_id] = venue_order
        status = venue_order.get("status")
        fills = []
        for trade in trades.get(venue_order.get("id"), ()):
            try:
                payload = {
                    "fill_id": str(trade["id"]),
                    "qty": _decimal(trade["amount"]),
                    "price": _decimal(trade["price"]),
                    "fee": _fee(trade.get("fee")),
                }
            except (CracktraderError, KeyError, TypeError) as exc:
                report.unresolved.append({"order_id": order_id, "trade_id": trade.get("id"), "reason": f"unusable_trade: {exc}"})
                continue
            fills.append((_timestamp(trade.get("timestamp"), now), _report(order, "order_filled", payload)))
        # Per order: acceptance no later than its first fill, the end no earlier than
        # its last fill, whatever the venue's clocks say.
        first_fill = fills[0][0] if fills else None
        last_fill = fills[-1][0] if fills else 0
        if order["state"] == "submitted":
            stamp = _timestamp(venue_order.get("timestamp"), now)
            if first_fill is not None:
                stamp = min(stamp, first_fill)
            if status == "rejected":
                events.append((stamp, rank, 0, _report(order, "order_rejected", {"reason": "venue_rejected"})))
            else:
                events.append((stamp, rank, 0, _report(order, "order_accepted", {})))
        events.extend((stamp, rank, 1, partial) for stamp, partial in fills)
        end = END_REPORTS.get(str(status))
        if end is not None and not (end == "order_rejected" and order["state"] == "submitted"):
            stamp = _timestamp(
                venue_order.get("lastUpdateTimestamp") or venue_order.get("lastTradeTimestamp") or venue_order.get("timestamp"),
                now,
            )
            payload = {"reason": "venue_rejected"} if end == "order_rejected" else {}
            events.append((max(stamp, last_fill), rank, 2, _report(order, end, payload)))
        elif status == "open" and order["state"] == "cancel_pending":
            report.actions.append({"order_id": order_id, "action": "resend_cancel", "venue_id": venue_order.get("id")})

    _apply_in_order(events, snapshot, report, apply, venue, now, producer, next_seq_id)
    _compare_filled(core, report, views)
    return report


def _report(order: dict[str, Any], event_type: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": event_type, "instrument": order["instrument"], "payload": {"order_id": order["order_id"], **extra}}


def _fee(fee: Any) -> str | None:
    if not isinstance(fee, dict) or fee.get("cost") is None:
        return None  # the core's commission rate applies
    return _decimal(fee["cost"])


def _timestamp(value: Any, default: int) -> int:
    return value if type(value) is int and 0 <= value < 2**63 else default


def _fetch_order(exchange: Any, order: dict[str, Any], venue_id: str | None) -> dict[str, Any] | None:
    """The venue's view of an order that is not open (None if the venue does not know it)."""
    try:
        if venue_id is not None:
            return exchange.fetch_order(venue_id, order["instrument"])
        return exchange.fetch_order(None, order["instrument"], {"clientOrderId": order["order_id"]})
    except Exception as exc:  # CCXT raises OrderNotFound (and network errors) here
        if type(exc).__name__ in ("OrderNotFound", "KeyError", "LookupError"):
            return None
        raise


def _trades_by_order(exchange: Any, symbols: list[str], since: int) -> dict[Any, list[dict[str, Any]]]:
    """Every trade since ``since`` per venue order id, paginated (CCXT ``since``/``limit``)."""
    out: dict[Any, dict[Any, dict[str, Any]]] = {}
    for symbol in symbols:
        cursor = since
        seen: set[Any] = set()
        while True:
            page = exchange.fetch_my_trades(symbol, cursor, PAGE)
            fresh = [t for t in page if t.get("id") not in seen]
            for trade in fresh:
                seen.add(trade.get("id"))
                out.setdefault(trade.get("order"), {})[trade.get("id")] = trade
            if len(page) < PAGE or not fresh:
                break
            # Same-millisecond trades can straddle a page: restart at the last
            # timestamp (not after it) and drop the ids already seen.
            cursor = max(_timestamp(t.get("timestamp"), cursor) for t in page)
    return {
        order: sorted(trades.values(), key=lambda t: (_timestamp(t.get("timestamp"), 0), str(t.get("id"))))
        for order, trades in out.items()
    }


def _apply_in_order(
    events: list[tuple[int, int, int, dict[str, Any]]],
    snapshot: dict[str, Any],
    report: ReconcileReport,
    apply: Callable[[dict[str, Any]], dict[str, Any]],
    venue: str,
    now: int,
    producer: int,
    next_seq_id: int | None,
) -> None:
    seq_id = snapshot["last_seq_id"] + 1 if next_seq_id is None else next_seq_id
    stream_times = dict(snapshot["stream_times"])
    for stamp, _, _, partial in sorted(events, key=lambda item: item[:3]):
        key = _stream_key(venue, partial["instrument"], producer)
        event_time = max(stamp, stream_times.get(key, 0))
        event = {
            "kind": "event",
            "seq_id": seq_id,
            "event_time": event_time,
            "ingest_time": now,
            "source": "broker_report",
            "venue": venue,
            "instrument": partial["instrument"],
            "event_type": partial["event_type"],
            "payload": partial["payload"],
            "idempotency_key": None,
            "producer": producer,
        }
        result = apply(event)
        entry = {
            "seq_id": seq_id,
            "event_type": event["event_type"],
            "order_id": partial["payload"]["order_id"],
            "code": result["code"],
        }
        if "fill_id" in partial["payload"]:
            entry["fill_id"] = partial["payload"]["fill_id"]
        if result["accepted"]:
            seq_id += 1  # a refused input does not consume its seq_id (D-030)
            stream_times[key] = event_time
            if result["code"] == "duplicate":
                report.duplicates += 1
            else:
                report.applied.append(entry)
        else:
            report.refused.append(entry)


def _compare_filled(core: Any, report: ReconcileReport, views: dict[str, dict[str, Any]]) -> None:
    """After applying: each order's filled qty must equal the venue's."""
    orders = {o["order_id"]: o for o in core.snapshot()["orders"]}
    for order_id, venue_order in views.items():
        if venue_order.get("filled") is None:
            continue
        try:
            venue_filled = _decimal(venue_order["filled"])
        except CracktraderError:
            report.discrepancies.append({"order_id": order_id, "what": "venue_filled_unreadable", "venue": repr(venue_order["filled"])})
            continue
        mine = orders[order_id]["filled_qty"]
        if parse_decimal(mine) != parse_decimal(venue_filled):
            report.discrepancies.append({"order_id": order_id, "what": "filled_qty", "engine": mine, "venue": venue_filled})
