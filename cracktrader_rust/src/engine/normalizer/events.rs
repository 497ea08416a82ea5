//! Twin of `cracktrader/engine/normalizer/events.py`: the input's context and the
//! engine_event envelopes the normalizer emits (with their canonical JSON writer).

use crate::engine::canonical::JsonWriter;
use crate::engine::numbers::Raw;
use crate::engine::value::Value;

use super::fields::{
    check_keys, identifier, int_field, need_object, opt_identifier, opt_int_field, timestamp, At, Read,
    INVALID_PAYLOAD, MISSING_FIELD,
};

pub const KINDS: [&str; 4] = ["trade", "ohlcv", "order", "my_trade"];
pub const INPUT_KEYS: [&str; 3] = ["kind", "payload", "context"];
const CONTEXT_KEYS: [&str; 5] = ["venue", "ingest_time", "producer", "instrument", "timeframe_ms"];

/// The validated context of one input.
#[derive(Debug, Clone)]
pub struct Context {
    pub venue: String,
    pub ingest_time: i64,
    pub producer: i64,
    pub instrument: Option<String>,
    pub timeframe_ms: Option<i64>,
}

/// Validate `/context` (unknown keys, then each key in declared order).
pub fn read_context(value: Option<&Value>, kind: &str) -> Read<Context> {
    let ctx = need_object(value, At::whole("/context"))?;
    check_keys(ctx, &CONTEXT_KEYS, "/context")?;
    let venue = identifier(ctx.get("venue"), At::new("/context", "venue"))?;
    let ingest_time = timestamp(ctx.get("ingest_time"), At::new("/context", "ingest_time"))?;
    let producer = int_field(ctx.get("producer"), At::new("/context", "producer"), 0)?;
    let instrument = opt_identifier(ctx.get("instrument"), At::new("/context", "instrument"))?;
    let timeframe_ms = opt_int_field(ctx.get("timeframe_ms"), At::new("/context", "timeframe_ms"), 1)?;
    if kind == "ohlcv" {
        if instrument.is_none() {
            return Err(At::new("/context", "instrument").reject(MISSING_FIELD));
        }
        if timeframe_ms.is_none() {
            return Err(At::new("/context", "timeframe_ms").reject(MISSING_FIELD));
        }
    }
    Ok(Context {
        venue: venue.to_owned(),
        ingest_time,
        producer,
        instrument: instrument.map(str::to_owned),
        timeframe_ms,
    })
}

/// The event's instrument: the payload's symbol, else the context's (D-104). Both
/// given and different is a contradiction (`invalid_payload` at the symbol).
pub fn resolve_instrument<'a>(symbol: Option<&'a str>, ctx: &'a Context, at: At<'_>) -> Read<&'a str> {
    match (symbol, ctx.instrument.as_deref()) {
        (Some(s), Some(c)) if s != c => Err(at.reject(INVALID_PAYLOAD)),
        (Some(s), _) => Ok(s),
        (None, Some(c)) => Ok(c),
        (None, None) => Err(at.reject(MISSING_FIELD)),
    }
}

/// The payload of one emitted event; the variant names the `event_type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Bar { open: Raw, high: Raw, low: Raw, close: Raw, volume: Raw, timeframe_ms: i64 },
    Trade { price: Raw, amount: Raw, side: &'static str, trade_id: String },
    OrderAccepted { order_id: String },
    OrderRejected { order_id: String, reason: &'static str },
    OrderFilled { order_id: String, fill_id: String, qty: Raw, price: Raw, fee: Option<Raw> },
    OrderCancelled { order_id: String },
    OrderExpired { order_id: String },
}

impl Body {
    /// The engine_event `event_type` of this payload.
    pub fn event_type(&self) -> &'static str {
        match self {
            Body::Bar { .. } => "bar",
            Body::Trade { .. } => "trade",
            Body::OrderAccepted { .. } => "order_accepted",
            Body::OrderRejected { .. } => "order_rejected",
            Body::OrderFilled { .. } => "order_filled",
            Body::OrderCancelled { .. } => "order_cancelled",
            Body::OrderExpired { .. } => "order_expired",
        }
    }

    /// The engine_event `source` of this payload.
    pub fn source(&self) -> &'static str {
        match self {
            Body::Bar { .. } | Body::Trade { .. } => "market_data",
            _ => "broker_report",
        }
    }

    /// Canonical JSON of the payload (keys written in sorted order).
    fn write(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        match self {
            Body::Bar { open, high, low, close, volume, timeframe_ms } => {
                w.decimal_field("close", *close);
                w.decimal_field("high", *high);
                w.decimal_field("low", *low);
                w.decimal_field("open", *open);
                w.int_field("timeframe_ms", i128::from(*timeframe_ms));
                w.decimal_field("volume", *volume);
            }
            Body::Trade { price, amount, side, trade_id } => {
                w.decimal_field("amount", *amount);
                w.decimal_field("price", *price);
                w.str_field("side", side);
                w.str_field("trade_id", trade_id);
            }
            Body::OrderFilled { order_id, fill_id, qty, price, fee } => {
                w.opt_decimal_field("fee", *fee);
                w.str_field("fill_id", fill_id);
                w.str_field("order_id", order_id);
                w.decimal_field("price", *price);
                w.decimal_field("qty", *qty);
            }
            Body::OrderRejected { order_id, reason } => {
                w.str_field("order_id", order_id);
                w.str_field("reason", reason);
            }
            Body::OrderAccepted { order_id }
            | Body::OrderCancelled { order_id }
            | Body::OrderExpired { order_id } => {
                w.str_field("order_id", order_id);
            }
        }
        w.end();
    }

    /// The payload as a generic value (same keys as the Python reference).
    fn to_value(&self) -> Value {
        let dec = |raw: Raw| Value::Str(crate::engine::numbers::format_decimal(raw));
        let text = |s: &str| Value::Str(s.to_owned());
        let pairs: Vec<(&str, Value)> = match self {
            Body::Bar { open, high, low, close, volume, timeframe_ms } => vec![
                ("open", dec(*open)),
                ("high", dec(*high)),
                ("low", dec(*low)),
                ("close", dec(*close)),
                ("volume", dec(*volume)),
                ("timeframe_ms", Value::Int(i128::from(*timeframe_ms))),
            ],
            Body::Trade { price, amount, side, trade_id } => vec![
                ("price", dec(*price)),
                ("amount", dec(*amount)),
                ("side", text(side)),
                ("trade_id", text(trade_id)),
            ],
            Body::OrderFilled { order_id, fill_id, qty, price, fee } => vec![
                ("order_id", text(order_id)),
                ("fill_id", text(fill_id)),
                ("qty", dec(*qty)),
                ("price", dec(*price)),
                ("fee", fee.map_or(Value::Null, dec)),
            ],
            Body::OrderRejected { order_id, reason } => {
                vec![("order_id", text(order_id)), ("reason", text(reason))]
            }
            Body::OrderAccepted { order_id }
            | Body::OrderCancelled { order_id }
            | Body::OrderExpired { order_id } => {
                vec![("order_id", text(order_id))]
            }
        };
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}

/// One engine_event envelope; `seq_id` is always null (the sequencer assigns it).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_time: i64,
    pub ingest_time: i64,
    pub venue: String,
    pub instrument: String,
    pub body: Body,
    pub idempotency_key: Option<String>,
    pub producer: i64,
}

impl Event {
    /// An event from the context (`ingest_time`, `venue`, `producer`) and the payload's data.
    pub fn new(ctx: &Context, instrument: &str, event_time: i64, body: Body, key: Option<String>) -> Self {
        Event {
            event_time,
            ingest_time: ctx.ingest_time,
            venue: ctx.venue.clone(),
            instrument: instrument.to_owned(),
            body,
            idempotency_key: key,
            producer: ctx.producer,
        }
    }

    /// Canonical JSON, keys in sorted order (as Python's `sort_keys=True` writes them).
    pub fn write(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.int_field("event_time", i128::from(self.event_time));
        w.str_field("event_type", self.body.event_type());
        w.opt_str_field("idempotency_key", self.idempotency_key.as_deref());
        w.int_field("ingest_time", i128::from(self.ingest_time));
        w.str_field("instrument", &self.instrument);
        w.str_field("kind", "event");
        self.body.write(w.key("payload"));
        w.int_field("producer", i128::from(self.producer));
        w.raw_field("seq_id", "null");
        w.str_field("source", self.body.source());
        w.str_field("venue", &self.venue);
        w.end();
    }

    /// The envelope as a generic value (same keys as the Python reference).
    pub fn to_value(&self) -> Value {
        let text = |s: &str| Value::Str(s.to_owned());
        let pairs = vec![
            ("kind", text("event")),
            ("seq_id", Value::Null),
            ("event_time", Value::Int(i128::from(self.event_time))),
            ("ingest_time", Value::Int(i128::from(self.ingest_time))),
            ("source", text(self.body.source())),
            ("venue", text(&self.venue)),
            ("instrument", text(&self.instrument)),
            ("event_type", text(self.body.event_type())),
            ("payload", self.body.to_value()),
            ("idempotency_key", self.idempotency_key.as_deref().map_or(Value::Null, text)),
            ("producer", Value::Int(i128::from(self.producer))),
        ];
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}
