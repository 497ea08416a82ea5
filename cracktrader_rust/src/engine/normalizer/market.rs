//! Twin of `cracktrader/engine/normalizer/market.py`: CCXT unified trades -> `trade`
//! events, OHLCV rows -> `bar` events. The order of the checks is the order of reads.

use crate::engine::value::Value;

use super::events::{resolve_instrument, Body, Context, Event};
use super::fields::{
    choice, identifier, need_object, number_like, opt_identifier, parse_all, provided, timestamp, At, Read,
    INVALID_NUMBER, INVALID_PAYLOAD, MAX_ID_LEN, MISSING_FIELD,
};

const SIDES: [&str; 2] = ["buy", "sell"];
const ROW_KEYS: [&str; 6] = ["0", "1", "2", "3", "4", "5"];

/// A public trade (`fetchTrades`): one `trade` event, keyed for deduplication.
pub fn trade_events(payload: Option<&Value>, ctx: &Context) -> Read<Vec<Event>> {
    let obj = need_object(payload, At::whole("/payload"))?;
    let trade_id = identifier(obj.get("id"), At::new("/payload", "id"))?;
    let symbol = opt_identifier(obj.get("symbol"), At::new("/payload", "symbol"))?;
    let instrument = resolve_instrument(symbol, ctx, At::new("/payload", "symbol"))?;
    let event_time = timestamp(obj.get("timestamp"), At::new("/payload", "timestamp"))?;
    let side = choice(obj.get("side"), At::new("/payload", "side"), &SIDES, INVALID_PAYLOAD)?;
    let price_at = At::new("/payload", "price");
    let amount_at = At::new("/payload", "amount");
    let price_in = number_like(obj.get("price"), price_at)?;
    let amount_in = number_like(obj.get("amount"), amount_at)?;
    let raws = parse_all(&[(price_in, price_at), (amount_in, amount_at)])?;
    let (price, amount) = match raws.as_slice() {
        [price, amount] => (*price, *amount),
        _ => return Err(At::whole("/payload").reject(INVALID_PAYLOAD)),
    };
    if amount <= 0 {
        return Err(amount_at.reject(INVALID_NUMBER));
    }
    // D-107: trades are deduplicated by venue, instrument and the venue's trade id.
    let key = format!("trade:{}:{}:{}", ctx.venue, instrument, trade_id);
    if key.chars().count() > MAX_ID_LEN {
        return Err(At::new("/payload", "id").reject(INVALID_PAYLOAD));
    }
    let body = Body::Trade { price, amount, side, trade_id: trade_id.to_owned() };
    Ok(vec![Event::new(ctx, instrument, event_time, body, Some(key))])
}

/// An OHLCV row `[ts, open, high, low, close, volume]`: one `bar` event.
pub fn bar_events(payload: Option<&Value>, ctx: &Context) -> Read<Vec<Event>> {
    let whole = At::whole("/payload");
    let row = match provided(payload) {
        None => return Err(whole.reject(MISSING_FIELD)),
        Some(Value::Array(items)) if items.len() == 6 => items,
        Some(_) => return Err(whole.reject(INVALID_PAYLOAD)),
    };
    let at = |index: usize| At::new("/payload", ROW_KEYS.get(index).copied().unwrap_or(""));
    let event_time = timestamp(row.first(), at(0))?;
    let mut pending = Vec::with_capacity(5);
    for index in 1..6 {
        pending.push((number_like(row.get(index), at(index))?, at(index)));
    }
    let (open, high, low, close, volume) = match parse_all(&pending)?.as_slice() {
        [o, h, l, c, v] => (*o, *h, *l, *c, *v),
        _ => return Err(whole.reject(INVALID_PAYLOAD)),
    };
    // D-012: a bar that contradicts itself is unusable; report the first culprit.
    if high < low {
        return Err(at(2).reject(INVALID_NUMBER));
    }
    if !(low..=high).contains(&open) {
        return Err(at(1).reject(INVALID_NUMBER));
    }
    if !(low..=high).contains(&close) {
        return Err(at(4).reject(INVALID_NUMBER));
    }
    if volume < 0 {
        return Err(at(5).reject(INVALID_NUMBER));
    }
    let (Some(instrument), Some(timeframe_ms)) = (ctx.instrument.as_deref(), ctx.timeframe_ms) else {
        // read_context guarantees both for ohlcv; stay total anyway.
        return Err(At::whole("/context").reject(MISSING_FIELD));
    };
    let body = Body::Bar { open, high, low, close, volume, timeframe_ms };
    Ok(vec![Event::new(ctx, instrument, event_time, body, None)])
}
