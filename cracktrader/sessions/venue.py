"""What the live broker needs to know about CCXT calls: arguments and errors (D-504).

**Order arguments.** A core ``place_order`` intent becomes
``create_order(symbol, type, side, amount, price, params)``: market -> ``market``;
limit -> ``limit`` at the limit price; stop -> ``market`` with
``params["triggerPrice"]``; stop-limit -> ``limit`` with ``triggerPrice``;
``ioc``/``fok`` -> ``params["timeInForce"]`` (``IOC``/``FOK``; GTC is the default and
not sent); the client order id -> ``params["clientOrderId"]``.

**Errors.** CCXT's exception tree splits in two, and so does what an error means for
an order that was being sent:

- ``ExchangeError`` and its subclasses (``InvalidOrder``, ``InsufficientFunds``,
  ``BadSymbol``, ``AuthenticationError``...): the venue answered and refused, so the
  order is rejected (``InsufficientFunds`` as ``insufficient_cash``, which the strategy
  sees as Margin, like Backtrader; anything else as ``venue_rejected``). Exception:
  ``DuplicateOrderId`` means an earlier copy of the order reached the venue, so the
  outcome is unknown.
- ``OperationFailed`` (``NetworkError``, ``RequestTimeout``, ``ExchangeNotAvailable``,
  ``RateLimitExceeded``, ``BadResponse``...) and any other exception: the outcome is
  unknown (the request may have reached the venue). The order stays Submitted until a
  poll finds it, or is rejected as ``venue_unacknowledged`` once the acknowledgement
  timeout passed with the venue not knowing it.

Classes are recognised by name along the exception's MRO, so a client that is not
``ccxt`` but raises CCXT-named errors behaves the same.
"""

from __future__ import annotations

from typing import Any

REJECTED, UNKNOWN = "rejected", "unknown"
_TIF = {"ioc": "IOC", "fok": "FOK"}


def mro_names(exc: BaseException) -> list[str]:
    """The class names of ``exc``'s type, most specific first."""
    return [cls.__name__ for cls in type(exc).__mro__]


def classify(exc: BaseException) -> str:
    """``"rejected"`` when the venue refused, ``"unknown"`` when the outcome is unknown."""
    names = mro_names(exc)
    if "DuplicateOrderId" in names:
        return UNKNOWN
    if "ExchangeError" in names:
        return REJECTED
    return UNKNOWN


def reject_reason(exc: BaseException) -> str:
    """The ``order_rejected`` reason for a refusal (an identifier, no free text)."""
    return "insufficient_cash" if "InsufficientFunds" in mro_names(exc) else "venue_rejected"


def is_not_found(exc: BaseException) -> bool:
    """The venue says it does not know the order (``OrderNotFound``)."""
    return "OrderNotFound" in mro_names(exc)


def order_arguments(intent: dict[str, Any], symbol: str, client_order_id: str | None,
                    extra: dict[str, Any] | None) -> tuple[str, str, str, float, float | None, dict[str, Any]]:
    """``create_order`` positional arguments for a core ``place_order`` payload."""
    order_type = intent["order_type"]
    params: dict[str, Any] = dict(extra or {})
    price: float | None = None
    if order_type in ("limit", "stop_limit"):
        price = float(intent["limit_price"])
    if order_type in ("stop", "stop_limit"):
        params["triggerPrice"] = float(intent["stop_price"])
    tif = _TIF.get(intent.get("time_in_force") or "gtc")
    if tif is not None:
        params["timeInForce"] = tif
    if client_order_id is not None:
        params["clientOrderId"] = client_order_id
    ccxt_type = "limit" if order_type in ("limit", "stop_limit") else "market"
    return symbol, ccxt_type, intent["side"], float(intent["qty"]), price, params
