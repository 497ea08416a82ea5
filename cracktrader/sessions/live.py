"""``LiveBroker``: orders through CCXT, venue reports into an external-mode core (D-503).

The strategy layer's broker seam (D-416): the core runs in ``external`` mode, so only
broker reports move orders past ``submitted``; everything the strategy reads still
comes from the core's results. Three paths bring the venue's word in:

1. **Replies.** ``_transmit`` sends a placed order with ``create_order`` (arguments and
   error meanings in ``cracktrader.sessions.venue``); a cancel the core accepted goes
   out with ``cancel_order``. A reply is normalized by the event normalizer
   (``build_event_normalizer``, D-108) into broker reports: the acceptance and any
   nested fills are applied at once; a cancellation or expiry in a reply is applied
   only when the reply's cumulative ``filled`` equals the core's (otherwise a fill is
   still on its way and the poll applies both in the right order).
2. **Polls.** ``poll_reports()`` (once per engine step, and after each poll of a live
   feed, throttled to ``poll_interval_s``) runs live reconciliation
   (``cracktrader.engine.reconcile``, D-370) against the venue: fills from
   ``fetch_my_trades`` (fill id = venue trade id, so a fill seen twice is a
   ``duplicate``), acceptances, cancellations, expiries and rejections from
   ``fetch_open_orders`` / ``fetch_order``, applied in venue time order with event
   times that never go backwards per stream.
3. **Local decisions**, always reported as what they are: an order whose
   ``create_order`` failed with an unknown outcome and that the venue still does not
   know after ``ack_timeout_s`` is rejected with reason ``venue_unacknowledged``; an
   order with ``valid=`` is cancelled at the venue once the clock passes its expiry
   (MDL-012); bracket children are sent when the core activates them, and OCO / bracket
   siblings the core cancelled are cancelled at the venue too (MDL-010, MDL-011).

Venue order ids are learned from replies and from lookups; orders carry a client order
id ``ct<run tag><order_id>`` (alphanumeric, unique per run) so the venue can find an
order whose reply was lost. Reports the core refuses, replies that cannot be
normalized, venue orders the run does not know and filled quantities that differ are
kept in ``refused``, ``unusable``, ``unknown_venue_orders`` and ``discrepancies``
(bounded) and counted in ``stats()``: never hidden, never turned into invented events.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from typing import Any

from cracktrader.engine.canonical import canonical_dumps
from cracktrader.engine.numbers import parse_decimal
from cracktrader.engine.reconcile import AT_VENUE, reconcile
from cracktrader.sessions.venue import REJECTED, classify, is_not_found, order_arguments, reject_reason
from cracktrader.strategy.broker import WORKING, Broker
from cracktrader.strategy.order import Order

logger = logging.getLogger("cracktrader.sessions.live")

_ENDS = ("order_cancelled", "order_expired")
_KEEP = 1000  # entries kept per diagnostic list
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(value: int) -> str:
    out = ""
    while True:
        value, digit = divmod(value, 36)
        out = _DIGITS[digit] + out
        if not value:
            return out


class _VenueView:
    """The client as reconciliation sees it: client order ids translated to the
    engine's order ids both ways, venue ids learned on the way (D-503)."""

    def __init__(self, broker: LiveBroker) -> None:
        self.broker = broker
        self.client = broker.client

    def fetch_open_orders(self, symbol: str | None = None, since: int | None = None, limit: int | None = None,
                          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [self.broker._engine_view(order) for order in self.client.fetch_open_orders(symbol) or []]

    def fetch_order(self, id: str | None, symbol: str | None = None,  # noqa: A002 - CCXT's name
                    params: dict[str, Any] | None = None) -> dict[str, Any]:
        if id is None:
            engine_id = (params or {}).get("clientOrderId")
            client_id = self.broker._client_ids.get(engine_id)
            if client_id is None:
                raise LookupError(engine_id)  # sent without a client id: nothing to look up by
            try:
                order = self.client.fetch_order(None, symbol, {"clientOrderId": client_id})
            except Exception as exc:
                if classify(exc) == REJECTED:  # unknown, or the venue cannot look up by client id
                    raise LookupError(engine_id) from exc
                raise
        else:
            try:
                order = self.client.fetch_order(id, symbol)
            except Exception as exc:
                if classify(exc) == REJECTED:
                    raise LookupError(id) from exc
                raise
        return self.broker._engine_view(order)

    def fetch_my_trades(self, symbol: str | None = None, since: int | None = None, limit: int | None = None,
                        params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [self.broker._quote_fees(trade) for trade in self.client.fetch_my_trades(symbol, since, limit) or []]


class LiveBroker(Broker):
    """Orders through a store's CCXT client; see the module docstring.

    ``cash``: the starting cash of the core (None: the venue's free balance of
    ``quote`` at the start of the run). ``poll_interval_s``: the least time between
    polls of the venue. ``ack_timeout_s``: how long an order whose sending failed with
    an unknown outcome may stay unknown to the venue before it is rejected.
    ``since_margin_s``: how far before the previous poll trades are fetched again
    (venue clocks and trade feeds lag). ``producer``: the producer id of the reports.
    ``client_order_id``: ``"auto"``, None (send none) or ``callable(order_id) -> str``.
    ``order_params``: extra ``create_order`` params for every order (a strategy adds
    its own with ``buy(..., params={...})``).
    """

    mode = "external"
    mode_name = "live"
    polls_reports = True
    live = True

    def __init__(self, store: Any, cash: float | None = 10000.0, commission: float = 0.0, *,
                 allow_short: bool = True, max_order_qty: Any = None, max_notional: Any = None,
                 quote: str | None = None, poll_interval_s: float = 5.0, ack_timeout_s: float = 30.0,
                 since_margin_s: float = 60.0, producer: int = 0, client_order_id: Any = "auto",
                 order_params: dict[str, Any] | None = None, check_credentials: bool = True) -> None:
        if store is None:
            raise ValueError("a live broker needs a store (ct.Store(...), or exchange= in ct.Broker)")
        if cash is None and not quote:
            raise ValueError("cash=None takes the venue's balance: give quote= (e.g. 'USDT')")
        if not (client_order_id in ("auto", None) or callable(client_order_id)):
            raise TypeError("client_order_id must be 'auto', None or a callable(order_id) -> str")
        self.store = store
        self.client = store.client
        self.quote = quote
        self.mode_name = "sandbox" if store.sandbox else "live"
        self._cash_from_venue = cash is None
        self._interval_ms = int(poll_interval_s * 1000)
        self._ack_timeout_ms = int(ack_timeout_s * 1000)
        self._margin_ms = int(since_margin_s * 1000)
        self.producer = producer
        self._client_order_id = client_order_id
        self._order_params = dict(order_params or {})
        super().__init__(0.0 if cash is None else cash, commission, allow_short=allow_short,
                         max_order_qty=max_order_qty, max_notional=max_notional)
        if check_credentials:
            self._check_credentials()

    def _check_credentials(self) -> None:
        check = getattr(self.client, "check_required_credentials", None)
        if not callable(check):
            return
        try:
            check()
        except Exception as exc:
            from cracktrader.sessions.credentials import env_prefix

            prefix = self.store.credentials_env or env_prefix(self.store.name, self.store.sandbox)
            raise RuntimeError(
                f"live trading on {self.store.name} needs credentials: set {prefix}API_KEY and {prefix}SECRET "
                f"(and the others the venue requires) in the environment; see docs/sessions.md"
            ) from exc

    # ------------------------------------------------------------- run state
    def _reset(self) -> None:
        super()._reset()
        self._venue_ids: dict[str, str] = {}
        self._by_venue: dict[str, str] = {}
        self._client_ids: dict[str, str] = {}
        self._by_client: dict[str, str] = {}
        self._sent_at: dict[str, int] = {}
        self._reject_reasons: dict[str, str] = {}
        self._venue_cancels: dict[str, int] = {}
        self._actions: deque[tuple[str, str]] = deque()
        self._draining = False
        self._polling = False
        self._poll_now = False
        self._last_poll: int | None = None
        self._cursor = 0
        self._stream_times: dict[str, int] | None = None
        self._tag = "ct"
        self._normalizer = None
        self.counts: Counter[str] = Counter()
        self.refused: deque[dict[str, Any]] = deque(maxlen=_KEEP)
        self.unusable: deque[dict[str, Any]] = deque(maxlen=_KEEP)
        self.venue_errors: deque[dict[str, Any]] = deque(maxlen=_KEEP)
        self.unknown_venue_orders: dict[str, dict[str, Any]] = {}
        self.foreign_fees: dict[str, dict[str, Any]] = {}
        self.unresolved: list[dict[str, Any]] = []
        self.discrepancies: list[dict[str, Any]] = []

    def core_config(self) -> dict[str, Any]:
        """External mode; with ``cash=None`` the starting cash is read from the venue."""
        if self._cash_from_venue:
            balance = self.client.fetch_balance()
            free = (balance.get("free") or {}).get(self.quote)
            if free is None:
                free = (balance.get(self.quote) or {}).get("free")
            if free is None:
                raise RuntimeError(f"the {self.store.name} balance has no free {self.quote}")
            self.startingcash = free
        return super().core_config()

    def _start(self, session: Any, datas: list[Any]) -> None:
        from cracktrader.engine import build_event_normalizer

        super()._start(session, datas)
        now = self.store.now_ms()
        self._normalizer = build_event_normalizer(backend=session.backend)
        self._tag = "ct" + _base36(now)
        self._cursor = now
        for data in datas:
            if data.islive() and hasattr(data, "add_idle_hook") and self.poll_reports not in data._idle_hooks:
                data.add_idle_hook(self.poll_reports)

    def _stop(self) -> None:
        if self._session is not None:
            self.poll_reports(force=True)  # the last reports before the run ends
        super()._stop()

    # ------------------------------------------------------------ sending
    def _new_client_id(self, order_id: str) -> str | None:
        maker = self._client_order_id
        if maker is None:
            return None
        client_id = f"{self._tag}{order_id}" if maker == "auto" else str(maker(order_id))
        self._client_ids[order_id] = client_id
        self._by_client[client_id] = order_id
        return client_id

    def _transmit(self, order: Any) -> None:
        """Send a placed order (``submitted`` in the core) with ``create_order``."""
        order_id = order.order_id
        if order.core_state != "submitted" or order_id in self._sent_at:
            return
        now = self.store.now_ms()
        self._sent_at[order_id] = now
        params = {**self._order_params, **(order.info.get("params") or {})}
        args = order_arguments(order._intent, order.data._instrument, self._new_client_id(order_id), params)
        self.counts["orders_sent"] += 1
        try:
            reply = self.client.create_order(*args)
        except Exception as exc:
            self._venue_error("create_order", order_id, exc)
            if classify(exc) == REJECTED:
                self.counts["orders_refused_by_venue"] += 1
                self._reject(order, reject_reason(exc), now)
            else:
                self.counts["orders_outcome_unknown"] += 1
                self._poll_now = True
        else:
            self._on_reply(order, reply, "create_order")
        self._drain()

    def _transmit_cancel(self, order: Any) -> None:
        """Send a cancel the core accepted (``cancel_pending``) with ``cancel_order``."""
        order_id = order.order_id
        venue_id = self._venue_ids.get(order_id)
        self.counts["cancels_sent"] += 1
        if venue_id is None:
            self._poll_now = True  # the poll finds the order and resends the cancel
            return
        try:
            reply = self.client.cancel_order(venue_id, order.data._instrument)
        except Exception as exc:
            # Not found / already closed: the poll brings the final state; a network
            # error: the poll sees the order still open and resends the cancel.
            self._venue_error("cancel_order", order_id, exc)
            self._poll_now = True
        else:
            self._on_reply(order, reply, "cancel_order")
        self._drain()

    # ------------------------------------------------------------ replies
    def _learn(self, order_id: str, venue_id: str) -> None:
        if self._venue_ids.get(order_id) != venue_id:
            self._venue_ids[order_id] = venue_id
            self._by_venue[venue_id] = order_id

    def _engine_view(self, venue_order: Any) -> Any:
        """A venue order with its client id replaced by the engine's order id (or
        cleared when it is not ours but looks like one of our ids)."""
        if not isinstance(venue_order, dict):
            return venue_order
        view = dict(venue_order)
        venue_id = view.get("id")
        engine_id = self._by_client.get(view.get("clientOrderId"))
        if engine_id is None and venue_id is not None:
            engine_id = self._by_venue.get(str(venue_id))
        if engine_id is not None:
            if venue_id is not None:
                self._learn(engine_id, str(venue_id))
            view["clientOrderId"] = engine_id
        elif view.get("clientOrderId") in self._orders:
            view["clientOrderId"] = None
        return view

    def _quote_fees(self, trade: Any) -> Any:
        """A trade whose fee is charged in another currency than the quote keeps its
        quantity and price, loses the fee (the core then charges its commission rate)
        and is listed in ``foreign_fees``: cash is kept in the quote currency and no
        conversion rate is known (as the normalizer's D-110)."""
        if not isinstance(trade, dict) or not isinstance(trade.get("symbol"), str):
            return trade
        quote = trade["symbol"].split("/")[-1].split(":")[0]
        fee = trade.get("fee")
        # CCXT's ``fee`` when it has a cost, else the ``fees`` list (the normalizer's rule)
        parts = [fee] if isinstance(fee, dict) and fee.get("cost") is not None else list(trade.get("fees") or [])
        foreign = [part for part in parts if isinstance(part, dict) and part.get("cost") is not None
                   and part.get("currency") not in (None, quote)]
        if not foreign:
            return trade
        key = str(trade.get("id"))
        if key not in self.foreign_fees:
            self.counts["fees_in_other_currency"] += 1
            self.foreign_fees[key] = {"trade_id": key, "order": trade.get("order"),
                                      "fee": [{"cost": part.get("cost"), "currency": part.get("currency")}
                                              for part in foreign]}
        return dict(trade, fee=None, fees=[])

    def _on_reply(self, order: Any, reply: Any, method: str) -> None:
        order_id = order.order_id
        if not isinstance(reply, dict):
            self._unusable(method, order_id, "invalid_payload", "")
            return
        venue_id = reply.get("id")
        if isinstance(venue_id, (str, int)) and not isinstance(venue_id, bool) and str(venue_id):
            self._learn(order_id, str(venue_id))
        context = {"venue": self._session.venue, "ingest_time": self.store.now_ms(), "producer": self.producer,
                   "instrument": order.data._instrument}
        outcome = self._normalizer.normalize_order(reply, context)
        if not outcome["accepted"]:
            self._unusable(method, order_id, outcome["code"], outcome["field"])
            return
        events = []
        for event in outcome["events"]:
            event = dict(event, payload=dict(event["payload"], order_id=order_id))
            event["instrument"] = order.data._instrument
            events.append(event)
        for event in events:
            if event["event_type"] not in _ENDS:
                self._report(event)
        ends = [event for event in events if event["event_type"] in _ENDS]
        if ends:
            if self._filled_agrees(order, reply):
                for event in ends:
                    self._report(event)
            else:
                self.counts["ends_deferred_to_poll"] += 1
                self._poll_now = True

    @staticmethod
    def _filled_agrees(order: Any, reply: dict[str, Any]) -> bool:
        filled = reply.get("filled")
        if filled is None or isinstance(filled, bool):
            return False
        try:
            return parse_decimal(filled) == parse_decimal(order._filled_text)
        except Exception:  # an unreadable venue figure: leave it to the poll
            return False

    def _unusable(self, method: str, order_id: str, code: str, field: str | None) -> None:
        self.counts["replies_unusable"] += 1
        self.unusable.append({"method": method, "order_id": order_id, "code": code, "field": field})
        self._poll_now = True

    def _venue_error(self, method: str, order_id: str, exc: BaseException) -> None:
        self.counts[f"{method}_errors"] += 1
        self.venue_errors.append({"method": method, "order_id": order_id, "error": type(exc).__name__,
                                  "outcome": classify(exc)})
        logger.warning("%s %s for %s failed: %s: %s", self.store.name, method, order_id, type(exc).__name__, exc)

    # ----------------------------------------------------------- reports
    def _stream_time(self, instrument: str) -> int:
        if self._stream_times is None:
            self._stream_times = dict(self._session.core.snapshot()["stream_times"])
        key = canonical_dumps(["broker_report", self._session.venue, instrument, self.producer])
        return self._stream_times.get(key, 0)

    def _report(self, event: dict[str, Any]) -> dict[str, Any]:
        """Apply one broker report; its time never goes back on its stream (as D-370)."""
        instrument = event["instrument"]
        event["event_time"] = max(event["event_time"], self._stream_time(instrument))
        result = self.apply_report(event)
        self._count(result, event["event_type"], event["payload"]["order_id"])
        if result["accepted"] and self._stream_times is not None:
            key = canonical_dumps(["broker_report", self._session.venue, instrument, self.producer])
            self._stream_times[key] = event["event_time"]
        return result

    def _count(self, result: dict[str, Any], event_type: str, order_id: str) -> None:
        if not result["accepted"]:
            self.counts["reports_refused"] += 1
            self.refused.append({"event_type": event_type, "order_id": order_id, "code": result["code"]})
        elif result["code"] == "duplicate":
            self.counts["reports_duplicate"] += 1
        else:
            self.counts["reports_applied"] += 1

    def _reject(self, order: Any, reason: str, now: int) -> None:
        # The core's transition carries no reason for a report (D-038): keep it here so
        # the status shows it (Margin for insufficient funds, as Backtrader).
        self._reject_reasons[order.order_id] = reason
        order.info["reason"] = reason
        self._report({
            "kind": "event", "seq_id": None, "event_time": now, "ingest_time": now, "source": "broker_report",
            "venue": self._session.venue, "instrument": order.data._instrument, "event_type": "order_rejected",
            "payload": {"order_id": order.order_id, "reason": reason}, "idempotency_key": None,
            "producer": self.producer,
        })

    def _set_status(self, order: Any, status: int, queue: int) -> None:
        if status == Order.Rejected and self._reject_reasons.get(order.order_id) == "insufficient_cash":
            status = Order.Margin
        super()._set_status(order, status, queue)

    def _apply_reconciled(self, event: dict[str, Any]) -> dict[str, Any]:
        result = self.apply_report(event)
        self._count(result, event["event_type"], event["payload"]["order_id"])
        return result

    def _apply(self, result: dict[str, Any], phase: int) -> None:
        super()._apply(result, phase)
        for transition in result["transitions"]:
            reason = transition["reason"]
            if transition["to"] == "submitted" and reason == "parent_filled":
                self._actions.append(("transmit", transition["order_id"]))
            elif transition["to"] == "cancelled" and reason in ("oco", "parent_ended") \
                    and transition["from"] not in (None, "created"):
                self._actions.append(("venue_cancel", transition["order_id"]))

    def _drain(self) -> None:
        """Run the actions core results asked for (child orders to send, siblings to
        cancel at the venue), outside of the result that asked."""
        if self._draining:
            return
        self._draining = True
        try:
            while self._actions:
                kind, order_id = self._actions.popleft()
                if kind == "transmit":
                    self._transmit(self._orders[order_id])
                else:
                    self._venue_cancels.setdefault(order_id, self.store.now_ms())
                    self._venue_cancel(order_id, self.store.now_ms())
        finally:
            self._draining = False

    # ---------------------------------------------------------------- polls
    def poll_reports(self, *, force: bool = False) -> None:
        """Fetch the venue's view of the run's orders and apply it (throttled to
        ``poll_interval_s`` unless ``force`` or a reply asked for a prompt poll)."""
        if self._session is None or self._polling or self._draining:
            return
        now = self.store.now_ms()
        due = self._last_poll is None or now - self._last_poll >= self._interval_ms
        if not (force or self._poll_now or due):
            return
        self._polling = True
        try:
            self._poll(now)
        finally:
            self._polling = False
        self._drain()

    def _poll(self, now: int) -> None:
        self._poll_now = False
        self._last_poll = now
        self._expire_due(now)
        at_venue = any(order.core_state in AT_VENUE for order in self._open.values())
        if not at_venue and not self._venue_cancels:
            return
        self.counts["polls"] += 1
        if at_venue:
            session = self._session
            try:
                report = reconcile(
                    session.core, _VenueView(self), venue=session.venue, since=self._cursor - self._margin_ms,
                    now=now, producer=self.producer, broker_state={"venue_order_ids": dict(self._venue_ids)},
                    apply=self._apply_reconciled, next_seq_id=session.seq + 1,
                )
            except Exception as exc:  # network trouble: keep everything, try again next poll
                self.counts["poll_errors"] += 1
                logger.warning("%s poll failed: %s: %s", self.store.name, type(exc).__name__, exc)
                self._stream_times = None
                return
            self._stream_times = None
            self._cursor = now
            self._handle(report, now)
        for order_id in list(self._venue_cancels):
            self._venue_cancel(order_id, now)

    def _handle(self, report: Any, now: int) -> None:
        unresolved = []
        for entry in report.unresolved:
            order_id = entry.get("order_id")
            if entry.get("reason") == "not_found_at_venue" and entry.get("state") == "submitted" \
                    and order_id not in self._venue_ids:
                if now - self._sent_at.get(order_id, now) >= self._ack_timeout_ms:
                    self.counts["ack_timeouts"] += 1
                    self._reject(self._orders[order_id], "venue_unacknowledged", now)
                continue  # still within its acknowledgement time
            unresolved.append(entry)
        self.unresolved = unresolved
        for action in report.actions:
            if action.get("action") == "resend_cancel" and action.get("venue_id") is not None:
                order = self._orders[action["order_id"]]
                self.counts["cancels_resent"] += 1
                try:
                    self.client.cancel_order(action["venue_id"], order.data._instrument)
                except Exception as exc:
                    self._venue_error("cancel_order", order.order_id, exc)
        for venue_order in report.unknown_venue_orders:
            self.unknown_venue_orders.setdefault(str(venue_order.get("id")), venue_order)
        # the latest poll's differences, plus the cancel races (final facts, kept)
        races = [entry for entry in self.discrepancies if entry.get("what") == "filled_after_core_cancel"]
        self.discrepancies = races + list(report.discrepancies)
        self.counts["discrepancies_seen"] += len(report.discrepancies)

    def _expire_due(self, now: int) -> None:
        """Cancel at the venue the orders whose ``valid`` time has passed (MDL-012)."""
        for order in list(self._open.values()):
            expire = order.expire_time
            if expire is not None and now > expire and order.core_state in WORKING:
                order.info["expired_by_broker"] = True
                self.counts["expiry_cancels"] += 1
                self.cancel(order)

    def _venue_cancel(self, order_id: str, now: int) -> None:
        """Cancel at the venue an order the core already cancelled (OCO / bracket), and
        report a fill the venue booked before it could be cancelled (MDL-010)."""
        order = self._orders[order_id]
        symbol = order.data._instrument
        view = _VenueView(self)
        venue_id = self._venue_ids.get(order_id)
        if venue_id is None:
            try:
                view.fetch_order(None, symbol, {"clientOrderId": order_id})
            except Exception:  # not (yet) known to the venue
                pass
            venue_id = self._venue_ids.get(order_id)
        if venue_id is None:
            if now - self._venue_cancels[order_id] >= self._ack_timeout_ms:
                del self._venue_cancels[order_id]  # never reached the venue
            return
        try:
            final = self.client.cancel_order(venue_id, symbol)
        except Exception as exc:
            self._venue_error("cancel_order", order_id, exc)
            if classify(exc) != REJECTED and not is_not_found(exc):
                return  # unknown outcome: try again at the next poll
            try:
                final = self.client.fetch_order(venue_id, symbol)
            except Exception:
                final = None
        del self._venue_cancels[order_id]
        self.counts["venue_cancels"] += 1
        filled = final.get("filled") if isinstance(final, dict) else None
        if filled is not None and not self._filled_agrees(order, final):
            self.discrepancies.append({"order_id": order_id, "what": "filled_after_core_cancel",
                                       "engine": order._filled_text, "venue": str(filled)})
            self.counts["fills_after_core_cancel"] += 1

    # -------------------------------------------------------------- reads
    @property
    def venue(self) -> str:  # type: ignore[override]
        """The store's venue name (the run's core and every report use it)."""
        return self.store.venue

    def stats(self) -> dict[str, Any]:
        """Counters of what was sent, applied, refused and polled, as plain data."""
        return dict(sorted(self.counts.items()))

    def venue_order_id(self, order: Any) -> str | None:
        """The venue's id of ``order`` (None until the venue has told it)."""
        return self._venue_ids.get(order.order_id)

    def summary(self) -> dict[str, Any]:
        """Mode, venue, cash and counters as plain data (no secret)."""
        return {
            "mode": self.mode_name,
            "exchange": self.store.name,
            "sandbox": self.store.sandbox,
            "starting_cash": self.startingcash,
            "cash": self.getcash(),
            "open_orders": sum(1 for order in self._open.values() if order.alive()),
            "stats": self.stats(),
            "unknown_venue_orders": len(self.unknown_venue_orders),
            "discrepancies": len(self.discrepancies),
        }
