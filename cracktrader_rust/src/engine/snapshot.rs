//! Twin of `cracktrader/engine/snapshot.py`: core snapshots (schema `core_snapshot`),
//! everything needed to continue identically.
//!
//! A snapshot from either backend restores in either backend (the canonical JSON is
//! identical). Maps have string keys (venue -> instrument -> ...); stream keys are the
//! canonical JSON of `[source, venue, instrument, producer]`; orders are listed by
//! `submit_seq`; `applied_keys` are sorted.
//!
//! `restore` validates the whole document before building anything: the constraints
//! of the `core_snapshot` JSON schema (written out as code here: closed objects,
//! required keys, enums, canonical decimal strings, identifiers, integer ranges) and
//! the consistency checks of Python's `_stage`. Any problem is `InvalidPayload`, and
//! the core it would replace is never touched.

use std::sync::Arc;

use super::accounting::Position;
use super::canonical::{write_str, JsonWriter};
use super::config::CoreConfig;
use super::core::{Bar, Core, StreamKey};
use super::errors::EngineError;
use super::inputs::{is_identifier_str, Source, MAX_I63};
use super::numbers::{self, Raw};
use super::orders::{Order, OrderType, Side, State, TimeInForce};
use super::strict_json;
use super::value::Value;

/// `schema_version` of `core_snapshot`.
pub const SCHEMA_VERSION: i128 = 1;

const TOP_KEYS: &[&str] = &[
    "schema_version",
    "config",
    "last_seq_id",
    "cash",
    "fees_paid",
    "positions",
    "orders",
    "applied_keys",
    "last_bar",
    "last_price",
    "stream_times",
    "kill_switch",
    "risk_flags",
];
const CONFIG_KEYS: &[&str] = &[
    "mode",
    "starting_cash",
    "commission_rate",
    "late_policy",
    "max_order_qty",
    "max_notional",
    "allow_short",
];
const ORDER_KEYS: &[&str] = &[
    "order_id",
    "intent_id",
    "strategy_id",
    "venue",
    "instrument",
    "side",
    "order_type",
    "qty",
    "limit_price",
    "stop_price",
    "time_in_force",
    "expire_time",
    "parent_order_id",
    "oco_group",
    "state",
    "filled_qty",
    "avg_fill_price",
    "fill_notional",
    "fill_count",
    "submit_seq",
    "triggered",
    "placed_bar_time",
];
const POSITION_KEYS: &[&str] = &["size", "avg_price", "realized_pnl"];
const BAR_KEYS: &[&str] = &["time", "open", "high", "low", "close", "volume", "timeframe_ms"];
const PRICE_KEYS: &[&str] = &["time", "price"];
const RISK_FLAG_KEYS: &[&str] = &["allow_short"];

// ------------------------------------------------------------------ writing

/// Canonical JSON of the core's snapshot, keys in sorted order.
pub fn to_json(core: &Core) -> String {
    let mut out = String::with_capacity(1024);
    let mut w = JsonWriter::object(&mut out);
    {
        let out = w.key("applied_keys");
        let mut keys: Vec<&String> = core.applied_keys.iter().collect();
        keys.sort_unstable();
        out.push('[');
        for (index, key) in keys.into_iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_str(out, key);
        }
        out.push(']');
    }
    w.decimal_field("cash", core.cash);
    core.config.write(w.key("config"));
    w.decimal_field("fees_paid", core.fees_paid);
    w.bool_field("kill_switch", core.kill_switch);
    let sorted = sorted_keys(core);
    write_nested(w.key("last_bar"), &sorted, |k| core.per_key.get(k).and_then(|s| s.last_bar.as_ref()), write_bar);
    write_nested(
        w.key("last_price"),
        &sorted,
        |k| core.per_key.get(k).and_then(|s| s.last_price.as_ref()),
        |out, (time, price)| {
            let mut p = JsonWriter::object(out);
            p.decimal_field("price", *price);
            p.int_field("time", i128::from(*time));
            p.end();
        },
    );
    w.int_field("last_seq_id", i128::from(core.last_seq_id));
    {
        let out = w.key("orders");
        out.push('[');
        for (index, order) in core.orders.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_order(out, order);
        }
        out.push(']');
    }
    write_nested(
        w.key("positions"),
        &sorted,
        |k| core.per_key.get(k).and_then(|s| s.position.as_ref()),
        |out, p| p.write(out),
    );
    {
        let mut flags = JsonWriter::object(w.key("risk_flags"));
        flags.bool_field("allow_short", core.allow_short);
        flags.end();
    }
    w.int_field("schema_version", SCHEMA_VERSION);
    {
        let out = w.key("stream_times");
        let mut streams: Vec<(String, i64)> =
            core.stream_times.iter().map(|(key, time)| (key.to_json(), *time)).collect();
        streams.sort_unstable();
        let mut s = JsonWriter::object(out);
        for (key, time) in streams {
            s.int_field(&key, i128::from(time));
        }
        s.end();
    }
    w.end();
    out
}

/// Interned keys sorted by (venue, instrument): code-point order, as Python's sort.
fn sorted_keys(core: &Core) -> Vec<(Arc<str>, Arc<str>, usize)> {
    let mut keys: Vec<(Arc<str>, Arc<str>, usize)> = (0..core.keys.len())
        .map(|k| {
            let (venue, instrument) = core.key_names(k);
            (venue, instrument, k)
        })
        .collect();
    keys.sort_unstable();
    keys
}

/// `{venue: {instrument: item}}` for the keys that have an item.
fn write_nested<'c, T: 'c>(
    out: &mut String,
    sorted: &[(Arc<str>, Arc<str>, usize)],
    item: impl Fn(usize) -> Option<&'c T>,
    write: impl Fn(&mut String, &T),
) {
    out.push('{');
    let mut current_venue: Option<&str> = None;
    for (venue, instrument, key) in sorted {
        let Some(value) = item(*key) else { continue };
        if current_venue != Some(venue.as_ref()) {
            if current_venue.is_some() {
                out.push_str("},");
            }
            write_str(out, venue);
            out.push_str(":{");
            current_venue = Some(venue.as_ref());
        } else {
            out.push(',');
        }
        write_str(out, instrument);
        out.push(':');
        write(out, value);
    }
    if current_venue.is_some() {
        out.push('}');
    }
    out.push('}');
}

fn write_bar(out: &mut String, bar: &Bar) {
    let mut w = JsonWriter::object(out);
    w.decimal_field("close", bar.close);
    w.decimal_field("high", bar.high);
    w.decimal_field("low", bar.low);
    w.decimal_field("open", bar.open);
    w.int_field("time", i128::from(bar.time));
    w.int_field("timeframe_ms", i128::from(bar.timeframe_ms));
    w.decimal_field("volume", bar.volume);
    w.end();
}

fn write_order(out: &mut String, order: &Order) {
    let mut w = JsonWriter::object(out);
    w.opt_decimal_field("avg_fill_price", order.avg_fill_price());
    w.opt_int_field("expire_time", order.expire_time.map(i128::from));
    w.int_field("fill_count", order.fill_count);
    {
        let out = w.key("fill_notional");
        out.push('"');
        out.push_str(&order.fill_notional.to_string());
        out.push('"');
    }
    w.decimal_field("filled_qty", order.filled_qty);
    w.str_field("instrument", &order.instrument);
    w.str_field("intent_id", &order.intent_id);
    w.opt_decimal_field("limit_price", order.limit_price);
    w.opt_str_field("oco_group", order.oco_group.as_deref());
    w.str_field("order_id", &order.order_id);
    w.str_field("order_type", order.order_type.as_str());
    w.opt_str_field("parent_order_id", order.parent_order_id.as_deref());
    w.opt_int_field("placed_bar_time", order.placed_bar_time.map(i128::from));
    w.decimal_field("qty", order.qty);
    w.str_field("side", order.side.as_str());
    w.str_field("state", order.state.as_str());
    w.opt_decimal_field("stop_price", order.stop_price);
    w.str_field("strategy_id", &order.strategy_id);
    w.int_field("submit_seq", i128::from(order.submit_seq));
    w.str_field("time_in_force", order.time_in_force.as_str());
    w.bool_field("triggered", order.triggered);
    w.str_field("venue", &order.venue);
    w.end();
}

// ---------------------------------------------------------------- restoring

type Checked<T> = Result<T, EngineError>;

fn invalid(path: &str, reason: &str) -> EngineError {
    let at = if path.is_empty() { "/" } else { path };
    EngineError::InvalidPayload {
        message: format!("core_snapshot invalid at {at}: {reason}"),
        field: Some(path.to_owned()),
    }
}

fn inconsistent(reason: impl std::fmt::Display) -> EngineError {
    EngineError::payload(format!("core_snapshot inconsistent: {reason}"))
}

/// A closed object with exactly `declared` keys; values in declared order.
fn closed<'a>(value: &'a Value, declared: &[&str], path: &str) -> Checked<Vec<&'a Value>> {
    let Value::Object(pairs) = value else { return Err(invalid(path, "not an object")) };
    if let Some((key, _)) = pairs.iter().find(|(key, _)| !declared.contains(&key.as_str())) {
        return Err(invalid(path, &format!("unexpected key {key:?}")));
    }
    declared
        .iter()
        .map(|name| value.get(name).ok_or_else(|| invalid(path, &format!("missing key {name:?}"))))
        .collect()
}

fn object<'a>(value: &'a Value, path: &str) -> Checked<&'a [(String, Value)]> {
    match value {
        Value::Object(pairs) => Ok(pairs),
        _ => Err(invalid(path, "not an object")),
    }
}

fn field<'a>(values: &[&'a Value], index: usize) -> &'a Value {
    values.get(index).copied().unwrap_or(&Value::Unrepresentable)
}

fn boolean(value: &Value, path: &str) -> Checked<bool> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        _ => Err(invalid(path, "not a boolean")),
    }
}

fn int_range(value: &Value, low: i128, path: &str) -> Checked<i64> {
    match value {
        Value::Int(i) if (low..=MAX_I63).contains(i) => i64::try_from(*i).map_err(|_| invalid(path, "out of range")),
        _ => Err(invalid(path, "not an integer in range")),
    }
}

fn opt_int_range(value: &Value, low: i128, path: &str) -> Checked<Option<i64>> {
    if value.is_null() {
        return Ok(None);
    }
    int_range(value, low, path).map(Some)
}

fn identifier<'a>(value: &'a Value, path: &str) -> Checked<&'a str> {
    match value {
        Value::Str(text) if is_identifier_str(text) => Ok(text),
        _ => Err(invalid(path, "not an identifier")),
    }
}

fn opt_identifier<'a>(value: &'a Value, path: &str) -> Checked<Option<&'a str>> {
    if value.is_null() {
        return Ok(None);
    }
    identifier(value, path).map(Some)
}

fn text<'a>(value: &'a Value, path: &str) -> Checked<&'a str> {
    value.as_str().ok_or_else(|| invalid(path, "not a string"))
}

/// `common.json#/$defs/decimal`: `0|-?(0\.[0-9]*[1-9]|[1-9][0-9]*(\.[0-9]*[1-9])?)`,
/// i.e. canonical text (no `-0`, no trailing zeros), then in the i128 raw range.
fn decimal(value: &Value, path: &str) -> Checked<Raw> {
    let text = text(value, path)?;
    if !is_canonical_decimal(text) {
        return Err(invalid(path, "not a canonical decimal"));
    }
    numbers::parse_decimal_str(text).map_err(|_| inconsistent(format!("{path}: outside the i128 range")))
}

fn opt_decimal(value: &Value, path: &str) -> Checked<Option<Raw>> {
    if value.is_null() {
        return Ok(None);
    }
    decimal(value, path).map(Some)
}

fn is_canonical_decimal(text: &str) -> bool {
    if text == "0" {
        return true;
    }
    let body = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    let whole_ok = match whole.as_bytes() {
        [b'0'] => fraction.is_some(), // "0.5" but not "-0"
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    let fraction_ok = match fraction {
        None => true,
        Some(digits) => {
            digits.bytes().all(|b| b.is_ascii_digit()) && digits.as_bytes().last().is_some_and(|b| *b != b'0')
        }
    };
    whole_ok && fraction_ok
}

/// `fill_notional`: `0|-?[1-9][0-9]*`, an exact integer in the i128 range.
fn integer_text(value: &Value, path: &str) -> Checked<Raw> {
    let text = text(value, path)?;
    let body = text.strip_prefix('-').unwrap_or(text);
    let canonical = text == "0"
        || matches!(body.as_bytes(), [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit));
    if !canonical {
        return Err(invalid(path, "not an integer string"));
    }
    text.parse::<i128>().map_err(|_| inconsistent(format!("{path}: outside the i128 range")))
}

fn enum_text<T>(value: &Value, parse: impl Fn(&str) -> Option<T>, path: &str) -> Checked<T> {
    value.as_str().and_then(parse).ok_or_else(|| invalid(path, "not one of the allowed values"))
}

/// `{venue: {instrument: item}}` -> (venue, instrument, item) in document order.
fn nested<'a>(value: &'a Value, path: &str) -> Checked<Vec<(&'a str, &'a str, &'a Value)>> {
    let mut out = Vec::new();
    for (venue, by_instrument) in object(value, path)? {
        for (instrument, item) in object(by_instrument, path)? {
            out.push((venue.as_str(), instrument.as_str(), item));
        }
    }
    Ok(out)
}

/// Validate `snapshot` fully and build the core it describes (Python's `restore` +
/// `_stage`); nothing is half-loaded because the caller swaps only on success.
pub fn restore(snapshot: &Value) -> Checked<Core> {
    let top = closed(snapshot, TOP_KEYS, "")?;
    let [version, config, last_seq_id, cash, fees_paid, positions, orders, applied_keys, last_bar, last_price, stream_times, kill_switch, risk_flags] =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(|i| field(&top, i));
    if !matches!(version, Value::Int(SCHEMA_VERSION)) {
        return Err(invalid("/schema_version", "must be 1"));
    }
    let config = stage_config(config)?;
    let last_seq_id = int_range(last_seq_id, 0, "/last_seq_id")?;
    let cash = decimal(cash, "/cash")?;
    let fees_paid = decimal(fees_paid, "/fees_paid")?;
    let kill_switch = boolean(kill_switch, "/kill_switch")?;
    let flags = closed(risk_flags, RISK_FLAG_KEYS, "/risk_flags")?;
    let allow_short = boolean(field(&flags, 0), "/risk_flags/allow_short")?;

    let mut core = Core::new(config);
    core.last_seq_id = last_seq_id;
    core.cash = cash;
    core.fees_paid = fees_paid;
    core.kill_switch = kill_switch;
    core.allow_short = allow_short;

    for (venue, instrument, item) in nested(positions, "/positions")? {
        let p = closed(item, POSITION_KEYS, "/positions")?;
        let position = Position {
            size: decimal(field(&p, 0), "/positions/size")?,
            avg_price: decimal(field(&p, 1), "/positions/avg_price")?,
            realized_pnl: decimal(field(&p, 2), "/positions/realized_pnl")?,
        };
        let key = core.intern(venue, instrument);
        if let Some(state) = core.per_key.get_mut(key) {
            state.position = Some(position);
        }
    }
    for (venue, instrument, item) in nested(last_bar, "/last_bar")? {
        let b = closed(item, BAR_KEYS, "/last_bar")?;
        let bar = Bar {
            time: int_range(field(&b, 0), 0, "/last_bar/time")?,
            open: decimal(field(&b, 1), "/last_bar/open")?,
            high: decimal(field(&b, 2), "/last_bar/high")?,
            low: decimal(field(&b, 3), "/last_bar/low")?,
            close: decimal(field(&b, 4), "/last_bar/close")?,
            volume: decimal(field(&b, 5), "/last_bar/volume")?,
            timeframe_ms: int_range(field(&b, 6), 1, "/last_bar/timeframe_ms")?,
        };
        let key = core.intern(venue, instrument);
        if let Some(state) = core.per_key.get_mut(key) {
            state.last_bar = Some(bar);
        }
    }
    for (venue, instrument, item) in nested(last_price, "/last_price")? {
        let p = closed(item, PRICE_KEYS, "/last_price")?;
        let time = int_range(field(&p, 0), 0, "/last_price/time")?;
        let price = decimal(field(&p, 1), "/last_price/price")?;
        let key = core.intern(venue, instrument);
        if let Some(state) = core.per_key.get_mut(key) {
            state.last_price = Some((time, price));
        }
    }
    let Value::Array(items) = applied_keys else { return Err(invalid("/applied_keys", "not an array")) };
    for item in items {
        core.applied_keys.insert(text(item, "/applied_keys")?.to_owned());
    }
    for (key, time) in object(stream_times, "/stream_times")? {
        let time = int_range(time, 0, "/stream_times")?;
        core.stream_times.insert(check_stream_key(key)?, time);
    }
    let Value::Array(items) = orders else { return Err(invalid("/orders", "not an array")) };
    let mut last_submit: i64 = 0;
    for item in items {
        let order = stage_order(&mut core, item)?;
        if core.order_by_id(&order.order_id).is_some() {
            return Err(inconsistent(format!("order {} listed twice", order.order_id)));
        }
        if order.submit_seq <= last_submit {
            return Err(inconsistent("orders are not ordered by submit_seq"));
        }
        last_submit = order.submit_seq;
        let terminal = order.state.is_terminal();
        let index = core.orders.len();
        core.add_order(order);
        if terminal {
            // Python indexes only non-terminal orders as working.
            if let Some(order) = core.orders.get(index) {
                if let Some(state) = core.per_key.get_mut(order.key) {
                    state.working.retain(|i| *i != index);
                }
            }
        }
    }
    Ok(core)
}

fn stage_config(value: &Value) -> Checked<CoreConfig> {
    let c = closed(value, CONFIG_KEYS, "/config")?;
    enum_text(field(&c, 0), |s| matches!(s, "simulated" | "external").then_some(()), "/config/mode")?;
    decimal(field(&c, 1), "/config/starting_cash")?;
    decimal(field(&c, 2), "/config/commission_rate")?;
    enum_text(field(&c, 3), |s| matches!(s, "reject" | "accept").then_some(()), "/config/late_policy")?;
    opt_decimal(field(&c, 4), "/config/max_order_qty")?;
    opt_decimal(field(&c, 5), "/config/max_notional")?;
    boolean(field(&c, 6), "/config/allow_short")?;
    CoreConfig::from_value(Some(value)).map_err(inconsistent)
}

/// A stream key must be the canonical JSON of a valid `[source, venue, instrument,
/// producer]` (so it can name a real stream and re-serialises to itself); the stream.
fn check_stream_key(key: &str) -> Checked<StreamKey> {
    let bad = || inconsistent(format!("bad stream key {key:?}"));
    let value = strict_json::parse_str(key).map_err(|_| bad())?;
    let Value::Array(parts) = &value else { return Err(bad()) };
    let [source, venue, instrument, producer] = parts.as_slice() else { return Err(bad()) };
    let source = source.as_str().and_then(Source::parse).ok_or_else(bad)?;
    for part in [venue, instrument] {
        if !(part.is_null() || part.as_str().is_some_and(is_identifier_str)) {
            return Err(bad());
        }
    }
    let Value::Int(producer) = producer else { return Err(bad()) };
    let producer = i64::try_from(*producer).ok().filter(|p| (0..=MAX_I63).contains(&i128::from(*p))).ok_or_else(bad)?;
    let mut canonical = String::with_capacity(key.len());
    super::canonical::write_value(&mut canonical, &value);
    if canonical != key {
        return Err(bad());
    }
    Ok(StreamKey { source, venue: venue.as_str().map(Box::from), instrument: instrument.as_str().map(Box::from), producer })
}

fn stage_order(core: &mut Core, item: &Value) -> Checked<Order> {
    let o = closed(item, ORDER_KEYS, "/orders")?;
    let f = |i: usize| field(&o, i);
    let order_id = identifier(f(0), "/orders/order_id")?;
    let intent_id = identifier(f(1), "/orders/intent_id")?;
    let strategy_id = identifier(f(2), "/orders/strategy_id")?;
    let venue = identifier(f(3), "/orders/venue")?;
    let instrument = identifier(f(4), "/orders/instrument")?;
    let side = enum_text(f(5), Side::parse, "/orders/side")?;
    let order_type = enum_text(f(6), OrderType::parse, "/orders/order_type")?;
    let qty = decimal(f(7), "/orders/qty")?;
    let limit_price = opt_decimal(f(8), "/orders/limit_price")?;
    let stop_price = opt_decimal(f(9), "/orders/stop_price")?;
    let time_in_force = enum_text(f(10), TimeInForce::parse, "/orders/time_in_force")?;
    let expire_time = opt_int_range(f(11), 0, "/orders/expire_time")?;
    let parent_order_id = opt_identifier(f(12), "/orders/parent_order_id")?;
    let oco_group = opt_identifier(f(13), "/orders/oco_group")?;
    let state = enum_text(f(14), State::parse, "/orders/state")?;
    let filled_qty = decimal(f(15), "/orders/filled_qty")?;
    opt_decimal(f(16), "/orders/avg_fill_price")?; // recomputed, never trusted
    let fill_notional = integer_text(f(17), "/orders/fill_notional")?;
    let fill_count = int_range(f(18), 0, "/orders/fill_count")?;
    let submit_seq = int_range(f(19), 1, "/orders/submit_seq")?;
    let triggered = boolean(f(20), "/orders/triggered")?;
    let placed_bar_time = opt_int_range(f(21), 0, "/orders/placed_bar_time")?;
    if qty <= 0 || filled_qty < 0 || filled_qty > qty {
        return Err(inconsistent(format!("order {order_id}: needs 0 < qty and 0 <= filled_qty <= qty")));
    }
    if limit_price.is_some() != order_type.has_limit() || stop_price.is_some() != order_type.has_stop() {
        return Err(inconsistent(format!("order {order_id}: prices do not match its order_type")));
    }
    let key = core.intern(venue, instrument);
    let (venue, instrument) = core.key_names(key);
    Ok(Order {
        order_id: Arc::from(order_id),
        intent_id: intent_id.to_owned(),
        strategy_id: strategy_id.to_owned(),
        venue,
        instrument,
        key,
        side,
        order_type,
        qty,
        limit_price,
        stop_price,
        time_in_force,
        expire_time,
        parent_order_id: parent_order_id.map(str::to_owned),
        oco_group: oco_group.map(str::to_owned),
        state,
        filled_qty,
        fill_notional,
        fill_count: i128::from(fill_count),
        submit_seq,
        triggered,
        placed_bar_time,
        saved_epoch: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_decimals() {
        for ok in ["0", "1", "-1", "0.5", "-0.5", "10.25", "0.0000000001", "123"] {
            assert!(is_canonical_decimal(ok), "{ok}");
        }
        for bad in ["-0", "00", "01", "1.", "1.0", "1.50", ".5", "+1", "", "-", "1e5", " 1", "1\n", "0.0"] {
            assert!(!is_canonical_decimal(bad), "{bad:?}");
        }
    }

    #[test]
    fn empty_core_round_trips() {
        let core = Core::new(CoreConfig::default());
        let json = to_json(&core);
        assert_eq!(
            json,
            r#"{"applied_keys":[],"cash":"100000","config":{"allow_short":true,"commission_rate":"0","late_policy":"reject","max_notional":null,"max_order_qty":null,"mode":"simulated","starting_cash":"100000"},"fees_paid":"0","kill_switch":false,"last_bar":{},"last_price":{},"last_seq_id":0,"orders":[],"positions":{},"risk_flags":{"allow_short":true},"schema_version":1,"stream_times":{}}"#
        );
        let restored = restore(&strict_json::parse_str(&json).unwrap()).unwrap();
        assert_eq!(to_json(&restored), json);
    }

    #[test]
    fn stream_keys_must_be_canonical() {
        assert!(check_stream_key(r#"["market_data","v","i",0]"#).is_ok());
        assert!(check_stream_key(r#"["timer",null,null,3]"#).is_ok());
        for bad in [
            r#"["market_data", "v","i",0]"#,
            r#"["nope","v","i",0]"#,
            r#"["timer",null,null,-1]"#,
            r#"["timer",null,null]"#,
            r#"[1,2,3,4]"#,
            "x",
        ] {
            assert!(check_stream_key(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod scenario_tests {
    use super::*;
    use crate::engine::test_support::Harness;

    fn busy() -> Harness {
        let mut h = Harness::new(r#"{"commission_rate":"0.001"}"#);
        h.bar("100", "101", "99", "100");
        h.place("p", r#""qty":"2""#);
        h.place("c", r#""side":"sell","qty":"2","order_type":"limit","limit_price":"120","parent_order_id":"p","oco_group":"g""#);
        h.place("l", r#""order_type":"limit","limit_price":"50","expire_time":999999999"#);
        h.bar("100.5", "102", "100", "101");
        h
    }

    #[test]
    fn a_busy_core_round_trips() {
        let h = busy();
        let json = h.core.snapshot_json();
        let restored = restore(&strict_json::parse_str(&json).unwrap()).unwrap();
        assert_eq!(to_json(&restored), json);
        assert_eq!(restored.state_hash(), h.core.state_hash());
    }

    #[test]
    fn hostile_snapshots_are_refused() {
        let json = busy().core.snapshot_json();
        for (from, to) in [
            (r#""last_seq_id":"#, r#""last_seq_id":1.0,"x":"#),
            (r#""cash":""#, r#""cash":"-0","y":""#),
            (r#""schema_version":1"#, r#""schema_version":2"#),
            (r#""fill_notional":""#, r#""fill_notional":"1.5","z":""#),
            (r#""order_id":"p""#, r#""order_id":"p\n""#),
            (r#""qty":"2""#, r#""qty":"0""#),
            (r#""kill_switch":false"#, r#""kill_switch":0"#),
            (r#""limit_price":"50""#, r#""limit_price":null"#),
            (r#""submit_seq":3"#, r#""submit_seq":1"#),
        ] {
            assert!(json.contains(from), "{from}");
            let bad = json.replacen(from, to, 1);
            let value = strict_json::parse_str(&bad).unwrap();
            let error = restore(&value).map(|_| ()).unwrap_err();
            assert_eq!(error.code(), "invalid_payload", "{to}");
        }
    }
}
