//! Reading one step `{input, result}` out of a `Value` (twin of the `_Result`,
//! `_Input`, `_Transition` and `_Fill` readers of `cracktrader/engine/invariants.py`).
//!
//! Anything the checker needs that is missing or of the wrong type makes the whole step
//! unreadable (`Bad`, reported as `malformed_step`); fields it does not need are never
//! looked at, so a hostile input behind a refused result is harmless.

use crate::engine::numbers::{parse_decimal_str, parse_value, Raw};
use crate::engine::value::Value;

/// The step cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bad;

pub type Read<T> = Result<T, Bad>;

// The order states and types are the core's own (`orders.rs`); the checker reads the
// same wire names and must never disagree with them about which states exist.
pub use crate::engine::orders::{OrderType, State};
pub use crate::engine::results::MAX_I63;

// ------------------------------------------------------------------ readers

pub fn obj(value: &Value) -> Read<&[(String, Value)]> {
    match value {
        Value::Object(pairs) => Ok(pairs),
        _ => Err(Bad),
    }
}

pub fn get<'a>(pairs: &'a [(String, Value)], key: &str) -> Read<&'a Value> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v).ok_or(Bad)
}

pub fn text(value: &Value) -> Read<String> {
    match value {
        Value::Str(s) => Ok(s.clone()),
        _ => Err(Bad),
    }
}

pub fn opt_text(value: &Value) -> Read<Option<String>> {
    if value.is_null() {
        Ok(None)
    } else {
        text(value).map(Some)
    }
}

pub fn list(value: &Value) -> Read<&[Value]> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(Bad),
    }
}

pub fn boolean(value: &Value) -> Read<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        _ => Err(Bad),
    }
}

pub fn int(value: &Value, low: i128, high: i128) -> Read<i64> {
    match value {
        Value::Int(i) if low <= *i && *i <= high => i64::try_from(*i).map_err(|_| Bad),
        _ => Err(Bad),
    }
}

/// A decimal written by a core: a string.
pub fn dec_out(value: &Value) -> Read<Raw> {
    match value {
        Value::Str(s) => parse_decimal_str(s).map_err(|_| Bad),
        _ => Err(Bad),
    }
}

pub fn opt_dec_out(value: &Value) -> Read<Option<Raw>> {
    if value.is_null() {
        Ok(None)
    } else {
        dec_out(value).map(Some)
    }
}

/// A decimal field of an input, read as the core reads it (int, float or string).
pub fn dec_in(value: &Value) -> Read<Raw> {
    parse_value(value).map_err(|_| Bad)
}

pub fn opt_dec_in(value: &Value) -> Read<Option<Raw>> {
    if value.is_null() {
        Ok(None)
    } else {
        dec_in(value).map(Some)
    }
}

fn state(value: &Value) -> Read<State> {
    value.as_str().and_then(State::parse).ok_or(Bad)
}

fn side_is_buy(value: &Value) -> Read<bool> {
    match value.as_str() {
        Some("buy") => Ok(true),
        Some("sell") => Ok(false),
        _ => Err(Bad),
    }
}

/// The valid `seq_id` of an object, if it is one.
pub fn seq_of(value: &Value) -> Option<i64> {
    let pairs = obj(value).ok()?;
    int(get(pairs, "seq_id").ok()?, 1, MAX_I63).ok()
}

// ------------------------------------------------------------------ the result

#[derive(Debug, Clone)]
pub struct Transition {
    pub order_id: String,
    pub from: Option<State>,
    pub to: State,
    pub filled: Raw,
    pub remaining: Raw,
    pub avg: Option<Raw>,
}

impl Transition {
    fn read(value: &Value) -> Read<Transition> {
        let item = obj(value)?;
        let order_id = text(get(item, "order_id")?)?;
        let from = get(item, "from")?;
        let from = if from.is_null() { None } else { Some(state(from)?) };
        Ok(Transition {
            order_id,
            from,
            to: state(get(item, "to")?)?,
            filled: dec_out(get(item, "filled_qty")?)?,
            remaining: dec_out(get(item, "remaining_qty")?)?,
            avg: opt_dec_out(get(item, "avg_fill_price")?)?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Fill {
    pub order_id: String,
    pub fill_id: String,
    pub venue: String,
    pub instrument: String,
    pub is_buy: bool,
    pub qty: Raw,
    pub price: Raw,
    pub fee: Raw,
}

impl Fill {
    fn read(value: &Value) -> Read<Fill> {
        let item = obj(value)?;
        Ok(Fill {
            order_id: text(get(item, "order_id")?)?,
            fill_id: text(get(item, "fill_id")?)?,
            venue: text(get(item, "venue")?)?,
            instrument: text(get(item, "instrument")?)?,
            is_buy: side_is_buy(get(item, "side")?)?,
            qty: dec_out(get(item, "qty")?)?,
            price: dec_out(get(item, "price")?)?,
            fee: dec_out(get(item, "fee")?)?,
        })
    }
}

pub type PositionDelta = (String, String, Raw, Raw);

#[derive(Debug, Clone)]
pub struct StepResult {
    pub seq_id: Option<i64>,
    pub accepted: bool,
    pub code: String,
    pub transitions: Vec<Transition>,
    pub fills: Vec<Fill>,
    pub cash_delta: Raw,
    pub position_deltas: Vec<PositionDelta>,
    pub late: bool,
}

impl StepResult {
    pub fn read(value: &Value) -> Read<StepResult> {
        let pairs = obj(value)?;
        let seq_id = get(pairs, "seq_id")?;
        let seq_id = if seq_id.is_null() { None } else { Some(int(seq_id, 1, MAX_I63)?) };
        let accepted = boolean(get(pairs, "accepted")?)?;
        let code = text(get(pairs, "code")?)?;
        let transitions =
            list(get(pairs, "transitions")?)?.iter().map(Transition::read).collect::<Read<Vec<_>>>()?;
        let fills = list(get(pairs, "fills")?)?.iter().map(Fill::read).collect::<Read<Vec<_>>>()?;
        let cash_delta = dec_out(get(pairs, "cash_delta")?)?;
        let mut position_deltas = Vec::new();
        for item in list(get(pairs, "position_deltas")?)? {
            let item = obj(item)?;
            position_deltas.push((
                text(get(item, "venue")?)?,
                text(get(item, "instrument")?)?,
                dec_out(get(item, "size_delta")?)?,
                dec_out(get(item, "realized_pnl_delta")?)?,
            ));
        }
        let late = boolean(get(pairs, "late")?)?;
        Ok(StepResult { seq_id, accepted, code, transitions, fills, cash_delta, position_deltas, late })
    }

    pub fn has_effects(&self) -> bool {
        !self.transitions.is_empty()
            || !self.fills.is_empty()
            || self.cash_delta != 0
            || !self.position_deltas.is_empty()
    }
}

// ------------------------------------------------------------------ the input

pub const REPORT_TYPES: [&str; 6] =
    ["order_accepted", "order_rejected", "order_filled", "order_cancelled", "cancel_rejected", "order_expired"];

pub fn is_report(event_type: &str) -> bool {
    REPORT_TYPES.contains(&event_type)
}

/// (source, venue, instrument, producer)
pub type StreamKey = (String, Option<String>, Option<String>, i64);

#[derive(Debug, Clone)]
pub struct Bar {
    pub open: Raw,
    pub high: Raw,
    pub low: Raw,
    pub close: Raw,
}

#[derive(Debug, Clone)]
pub struct ReportFill {
    pub fill_id: String,
    pub qty: Raw,
    pub price: Raw,
    pub fee: Option<Raw>,
}

#[derive(Debug, Clone)]
pub struct Place {
    pub venue: String,
    pub instrument: String,
    pub is_buy: bool,
    pub order_type: OrderType,
    pub qty: Raw,
    pub limit_price: Option<Raw>,
    pub stop_price: Option<Raw>,
}

#[derive(Debug, Clone)]
pub struct Replace {
    pub limit_price: Option<Raw>,
    pub stop_price: Option<Raw>,
}

/// What the checker reads of an accepted input.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub is_event: bool,
    pub seq_id: i64,
    pub kind_type: String,
    pub event_time: i64,
    pub stream: Option<StreamKey>,
    pub venue: Option<String>,
    pub instrument: Option<String>,
    pub key: Option<String>,
    pub order_id: Option<String>,
    pub bar: Option<Bar>,
    pub fill: Option<ReportFill>,
    pub place: Option<Place>,
    pub replace: Option<Replace>,
}

impl StepInput {
    pub fn read(value: &Value) -> Read<StepInput> {
        let pairs = obj(value)?;
        let kind = get(pairs, "kind")?;
        let mut input = StepInput { seq_id: int(get(pairs, "seq_id")?, 1, MAX_I63)?, ..StepInput::default() };
        match kind.as_str() {
            Some("event") => {
                input.is_event = true;
                input.read_event(pairs)?;
            }
            Some("intent") => input.read_intent(pairs)?,
            _ => return Err(Bad),
        }
        Ok(input)
    }

    fn read_event(&mut self, pairs: &[(String, Value)]) -> Read<()> {
        self.event_time = int(get(pairs, "event_time")?, 0, MAX_I63)?;
        let source = text(get(pairs, "source")?)?;
        self.venue = opt_text(get(pairs, "venue")?)?;
        self.instrument = opt_text(get(pairs, "instrument")?)?;
        let producer = int(get(pairs, "producer")?, 0, MAX_I63)?;
        self.kind_type = text(get(pairs, "event_type")?)?;
        let payload = obj(get(pairs, "payload")?)?;
        let explicit_key = opt_text(get(pairs, "idempotency_key")?)?;
        self.stream = Some((source, self.venue.clone(), self.instrument.clone(), producer));
        let event_type = self.kind_type.as_str();
        let report = is_report(event_type);
        if (event_type == "bar" || report) && (self.venue.is_none() || self.instrument.is_none()) {
            return Err(Bad); // the core never accepts these without a place
        }
        if event_type == "bar" {
            self.bar = Some(Bar {
                open: dec_in(get(payload, "open")?)?,
                high: dec_in(get(payload, "high")?)?,
                low: dec_in(get(payload, "low")?)?,
                close: dec_in(get(payload, "close")?)?,
            });
        } else if report {
            self.order_id = Some(text(get(payload, "order_id")?)?);
            if event_type == "order_filled" {
                self.fill = Some(ReportFill {
                    fill_id: text(get(payload, "fill_id")?)?,
                    qty: dec_in(get(payload, "qty")?)?,
                    price: dec_in(get(payload, "price")?)?,
                    fee: opt_dec_in(get(payload, "fee")?)?,
                });
            }
        }
        // The idempotency key, exactly as DESIGN.md section 6 and D-033 define it.
        let venue = self.venue.as_deref().unwrap_or("");
        let order_id = self.order_id.as_deref().unwrap_or("");
        self.key = if explicit_key.is_some() {
            explicit_key
        } else if let Some(fill) = &self.fill {
            Some(format!("fill:{venue}:{order_id}:{}", fill.fill_id))
        } else if report {
            Some(format!("{event_type}:{venue}:{order_id}"))
        } else {
            None
        };
        Ok(())
    }

    fn read_intent(&mut self, pairs: &[(String, Value)]) -> Read<()> {
        self.kind_type = text(get(pairs, "intent_type")?)?;
        let payload = obj(get(pairs, "payload")?)?;
        match self.kind_type.as_str() {
            "place_order" => {
                let intent_id = text(get(payload, "intent_id")?)?;
                self.order_id = Some(text(get(payload, "order_id")?)?);
                let is_buy = side_is_buy(get(payload, "side")?)?;
                let order_type = get(payload, "order_type")?.as_str().and_then(OrderType::parse).ok_or(Bad)?;
                self.place = Some(Place {
                    venue: text(get(payload, "venue")?)?,
                    instrument: text(get(payload, "instrument")?)?,
                    is_buy,
                    order_type,
                    qty: dec_in(get(payload, "qty")?)?,
                    limit_price: opt_dec_in(get(payload, "limit_price")?)?,
                    stop_price: opt_dec_in(get(payload, "stop_price")?)?,
                });
                self.key = Some(format!("intent:{intent_id}"));
            }
            "replace_order" => {
                self.order_id = Some(text(get(payload, "order_id")?)?);
                opt_dec_in(get(payload, "qty")?)?;
                self.replace = Some(Replace {
                    limit_price: opt_dec_in(get(payload, "limit_price")?)?,
                    stop_price: opt_dec_in(get(payload, "stop_price")?)?,
                });
            }
            "cancel_order" => self.order_id = Some(text(get(payload, "order_id")?)?),
            _ => {}
        }
        Ok(())
    }
}
