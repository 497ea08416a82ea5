//! Twin of `cracktrader/engine/normalizer/orders.py`: CCXT unified orders and
//! my-trades -> broker-report events (mapping in docs/normalizer.md, D-108..D-110).
//!
//! An order yields `order_accepted`, one `order_filled` per complete nested trade, then
//! `order_cancelled` / `order_expired` for those statuses; a `rejected` order yields
//! `order_rejected` alone. Fill quantities come only from trades, never from an order's
//! cumulative `filled` (it carries no fill id and would be counted twice).

use crate::engine::numbers::Raw;
use crate::engine::value::Value;

use super::events::{resolve_instrument, Body, Context, Event};
use super::fields::{
    choice, identifier, need_object, number_like, opt_identifier, opt_number_like, opt_timestamp, parse_all,
    provided, quote_currency, timestamp, At, Read, INVALID_NUMBER, INVALID_PAYLOAD, NUMERIC_OVERFLOW,
    UNSUPPORTED_PAYLOAD,
};

const STATUSES: [&str; 5] = ["open", "closed", "canceled", "expired", "rejected"];
/// CCXT has no unified rejection reason (D-109).
pub const REJECTED_REASON: &str = "venue_rejected";

struct FeePart<'a> {
    cost: &'a Value,
    /// Pointer of the object holding `cost` and `currency`.
    ptr: String,
    currency: Option<&'a str>,
}

/// A fill read for shape; its numbers are parsed once every field is read.
struct PendingFill<'a> {
    base: String,
    fill_id: &'a str,
    order_id: &'a str,
    instrument: &'a str,
    event_time: i64,
    price: &'a Value,
    amount: &'a Value,
    fees: Vec<FeePart<'a>>,
    fees_ptr: String,
}

/// `fee` when it has a cost, else every `fees` entry with a cost (summed later).
fn read_fee<'a>(obj: &'a Value, base: &str) -> Read<(Vec<FeePart<'a>>, String)> {
    if let Some(fee) = provided(obj.get("fee")) {
        let ptr = format!("{base}/fee");
        if !matches!(fee, Value::Object(_)) {
            return Err(At::whole(&ptr).reject(INVALID_PAYLOAD));
        }
        let cost = opt_number_like(fee.get("cost"), At::new(&ptr, "cost"))?;
        let currency = opt_identifier(fee.get("currency"), At::new(&ptr, "currency"))?;
        if let Some(cost) = cost {
            return Ok((vec![FeePart { cost, ptr: ptr.clone(), currency }], ptr));
        }
    }
    let fees_ptr = format!("{base}/fees");
    let entries = match provided(obj.get("fees")) {
        None => return Ok((Vec::new(), fees_ptr)),
        Some(Value::Array(entries)) => entries,
        Some(_) => return Err(At::whole(&fees_ptr).reject(INVALID_PAYLOAD)),
    };
    let mut parts = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let ptr = format!("{fees_ptr}/{index}");
        if !matches!(entry, Value::Object(_)) {
            return Err(At::whole(&ptr).reject(INVALID_PAYLOAD));
        }
        let cost = opt_number_like(entry.get("cost"), At::new(&ptr, "cost"))?;
        let currency = opt_identifier(entry.get("currency"), At::new(&ptr, "currency"))?;
        if let Some(cost) = cost {
            parts.push(FeePart { cost, ptr, currency });
        }
    }
    Ok((parts, fees_ptr))
}

/// The order a fill belongs to: a my-trade names it; a nested trade inherits it.
enum Parent<'a> {
    None,
    Order { order_id: &'a str, instrument: &'a str },
}

/// Shape phase of one fill.
fn read_fill<'a>(
    obj: &'a Value,
    base: String,
    ctx: &'a Context,
    parent: Parent<'a>,
) -> Read<PendingFill<'a>> {
    let fill_id = identifier(obj.get("id"), At::new(&base, "id"))?;
    let (order_id, instrument) = match parent {
        Parent::None => {
            let order_id = identifier(obj.get("order"), At::new(&base, "order"))?;
            let symbol = opt_identifier(obj.get("symbol"), At::new(&base, "symbol"))?;
            (order_id, resolve_instrument(symbol, ctx, At::new(&base, "symbol"))?)
        }
        Parent::Order { order_id, instrument } => {
            // A nested trade may restate its order and symbol; it may not contradict them.
            let stated = opt_identifier(obj.get("order"), At::new(&base, "order"))?;
            if stated.is_some_and(|s| s != order_id) {
                return Err(At::new(&base, "order").reject(INVALID_PAYLOAD));
            }
            let symbol = opt_identifier(obj.get("symbol"), At::new(&base, "symbol"))?;
            if symbol.is_some_and(|s| s != instrument) {
                return Err(At::new(&base, "symbol").reject(INVALID_PAYLOAD));
            }
            (order_id, instrument)
        }
    };
    let event_time = timestamp(obj.get("timestamp"), At::new(&base, "timestamp"))?;
    let price = number_like(obj.get("price"), At::new(&base, "price"))?;
    let amount = number_like(obj.get("amount"), At::new(&base, "amount"))?;
    let (fees, fees_ptr) = read_fee(obj, &base)?;
    Ok(PendingFill { base, fill_id, order_id, instrument, event_time, price, amount, fees, fees_ptr })
}

/// Numbers phase (all fills together), then the per-fill domain rules.
fn finish_fills(fills: &[PendingFill<'_>], ctx: &Context) -> Read<Vec<Event>> {
    let mut pending = Vec::new();
    for fill in fills {
        pending.push((fill.price, At::new(&fill.base, "price")));
        pending.push((fill.amount, At::new(&fill.base, "amount")));
        for part in &fill.fees {
            pending.push((part.cost, At::new(&part.ptr, "cost")));
        }
    }
    let raws = parse_all(&pending)?;
    let mut raws = raws.into_iter();
    let mut events = Vec::with_capacity(fills.len());
    for fill in fills {
        let (Some(price), Some(qty)) = (raws.next(), raws.next()) else {
            return Err(At::whole(&fill.base).reject(INVALID_PAYLOAD));
        };
        let mut fee: Option<Raw> = None;
        let mut costs = Vec::with_capacity(fill.fees.len());
        for _ in &fill.fees {
            costs.push(raws.next().unwrap_or(0));
        }
        if qty <= 0 {
            return Err(At::new(&fill.base, "amount").reject(INVALID_NUMBER));
        }
        for cost in costs {
            // Checked at every step, as the Python twin adds.
            let sum = fee.unwrap_or(0).checked_add(cost);
            fee = Some(sum.ok_or_else(|| At::whole(&fill.fees_ptr).reject(NUMERIC_OVERFLOW))?);
        }
        let body = Body::OrderFilled {
            order_id: fill.order_id.to_owned(),
            fill_id: fill.fill_id.to_owned(),
            qty,
            price,
            fee,
        };
        events.push(Event::new(ctx, fill.instrument, fill.event_time, body, None));
    }
    Ok(events)
}

/// Cross-field: a fee must be in the instrument's quote currency (D-110).
fn check_fee_currencies(fills: &[PendingFill<'_>]) -> Read<()> {
    for fill in fills {
        let quote = quote_currency(fill.instrument);
        for part in &fill.fees {
            if let Some(currency) = part.currency {
                if Some(currency) != quote {
                    return Err(At::new(&part.ptr, "currency").reject(UNSUPPORTED_PAYLOAD));
                }
            }
        }
    }
    Ok(())
}

/// A private trade (`fetchMyTrades`): one `order_filled`.
pub fn my_trade_events(payload: Option<&Value>, ctx: &Context) -> Read<Vec<Event>> {
    let obj = need_object(payload, At::whole("/payload"))?;
    let fill = read_fill(obj, "/payload".to_owned(), ctx, Parent::None)?;
    let fills = [fill];
    let events = finish_fills(&fills, ctx)?;
    check_fee_currencies(&fills)?;
    Ok(events)
}

/// An order (`fetchOrder(s)`, `createOrder`, ...): its state and its fills.
pub fn order_events(payload: Option<&Value>, ctx: &Context) -> Read<Vec<Event>> {
    let obj = need_object(payload, At::whole("/payload"))?;
    let order_id = identifier(obj.get("id"), At::new("/payload", "id"))?;
    let symbol = opt_identifier(obj.get("symbol"), At::new("/payload", "symbol"))?;
    let instrument = resolve_instrument(symbol, ctx, At::new("/payload", "symbol"))?;
    let status = choice(obj.get("status"), At::new("/payload", "status"), &STATUSES, UNSUPPORTED_PAYLOAD)?;
    let created = timestamp(obj.get("timestamp"), At::new("/payload", "timestamp"))?;
    let mut latest = created;
    for key in ["lastTradeTimestamp", "lastUpdateTimestamp"] {
        if let Some(known) = opt_timestamp(obj.get(key), At::new("/payload", key))? {
            latest = latest.max(known);
        }
    }
    let mut fills = Vec::new();
    match provided(obj.get("trades")) {
        None => {}
        Some(Value::Array(trades)) => {
            for (index, entry) in trades.iter().enumerate() {
                let base = format!("/payload/trades/{index}");
                if !matches!(entry, Value::Object(_)) {
                    return Err(At::whole(&base).reject(INVALID_PAYLOAD));
                }
                // D-108: a trade with neither amount nor price is a reference (kraken's
                // stub naming a trade id), not a fill report.
                if provided(entry.get("amount")).is_none() && provided(entry.get("price")).is_none() {
                    continue;
                }
                fills.push(read_fill(entry, base, ctx, Parent::Order { order_id, instrument })?);
            }
        }
        Some(_) => return Err(At::new("/payload", "trades").reject(INVALID_PAYLOAD)),
    }
    let fill_events = finish_fills(&fills, ctx)?;
    if status == "rejected" {
        if let Some(first) = fills.first() {
            return Err(At::whole(&first.base).reject(INVALID_PAYLOAD)); // a rejected order has no fills
        }
    }
    check_fee_currencies(&fills)?;

    // Idempotency key null: the core's default "{event_type}:{venue}:{order_id}" makes a
    // re-polled order a duplicate, which is what it is (D-107).
    let report = |event_time: i64, body: Body| Event::new(ctx, instrument, event_time, body, None);
    let order = || order_id.to_owned();
    if status == "rejected" {
        return Ok(vec![report(latest, Body::OrderRejected { order_id: order(), reason: REJECTED_REASON })]);
    }
    let mut events = Vec::with_capacity(fill_events.len().saturating_add(2));
    events.push(report(created, Body::OrderAccepted { order_id: order() }));
    for event in fill_events {
        latest = latest.max(event.event_time);
        events.push(event);
    }
    match status {
        "canceled" => events.push(report(latest, Body::OrderCancelled { order_id: order() })),
        "expired" => events.push(report(latest, Body::OrderExpired { order_id: order() })),
        _ => {}
    }
    Ok(events)
}
