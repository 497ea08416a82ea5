//! Typed reading of well-formed inputs without an intermediate tree (Rust only; the
//! hot path of `apply_jsonl`, and of `apply`/`apply_batch` through the binding).
//!
//! The reference reader is `strict_json` + `inputs::parse_input`: it decides every
//! refusal, in the check order of D-011/D-301. This module never refuses anything.
//! It answers `Some(parsed)` only for an input the reference would accept with
//! exactly that `ParsedInput`, and `None` ("not sure") for everything else, which
//! the caller then runs through the reference path. So the order of checks and the
//! code and field of every refusal exist in one place only; this module only has to
//! be *sound* (never accept what the reference refuses, never read a value
//! differently), which `tests` checks against the reference on a large corpus of
//! valid, mutated and hostile inputs.
//!
//! What it accepts: one JSON object whose keys are all known, with scalar values and
//! one `payload` object of scalars; strings without escapes; integers of at most 18
//! digits; no float tokens. Anything else (escapes, floats, big integers, nesting,
//! unknown or repeated keys, a payload that is not an object) is `None`.
//!
//! `Fields` is the flat record both readers fill: the JSON line scanner here and the
//! binding's walk over a Python dict. Keys are resolved once to small ids; values
//! stay where they are (`&str` borrowed from the line or the Python string).

use super::canonical::find_special;
use super::inputs::{
    check_bar, is_identifier_str, BarPayload, Body, Event, EventPayload, EventType, Intent, ParsedInput, PlaceOrder,
    RiskFlag, Source,
};
use super::numbers::{self, Raw};
use super::orders::{OrderType, Side, TimeInForce};

/// A scalar value as the fast path reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok<'a> {
    Null,
    Bool(bool),
    /// An integer: a JSON token of at most 18 digits, or an exact Python `int` that
    /// fits an i64 (the reference reads the same value).
    Int(i64),
    /// A string without escapes (JSON) or an exact `str` (Python).
    Str(&'a str),
}

// Top-level keys (bit positions in `Fields::top_mask`).
const KIND: usize = 0;
const SEQ_ID: usize = 1;
const EVENT_TIME: usize = 2;
const INGEST_TIME: usize = 3;
const SOURCE: usize = 4;
const VENUE: usize = 5;
const INSTRUMENT: usize = 6;
const EVENT_TYPE: usize = 7;
const PAYLOAD: usize = 8;
const IDEMPOTENCY_KEY: usize = 9;
const PRODUCER: usize = 10;
const INTENT_TYPE: usize = 11;
const TOP_KEYS: usize = 12;

const EVENT_MASK: u16 = (1 << 11) - 1; // kind ..= producer
const INTENT_MASK: u16 = 1 << KIND | 1 << SEQ_ID | 1 << INTENT_TYPE | 1 << PAYLOAD;

// Payload keys, one id per name across every event and intent type.
const P_OPEN: usize = 0;
const P_HIGH: usize = 1;
const P_LOW: usize = 2;
const P_CLOSE: usize = 3;
const P_VOLUME: usize = 4;
const P_TIMEFRAME_MS: usize = 5;
const P_PRICE: usize = 6;
const P_AMOUNT: usize = 7;
const P_SIDE: usize = 8;
const P_TRADE_ID: usize = 9;
const P_ORDER_ID: usize = 10;
const P_REASON: usize = 11;
const P_FILL_ID: usize = 12;
const P_QTY: usize = 13;
const P_FEE: usize = 14;
const P_NAME: usize = 15;
const P_ENABLED: usize = 16;
const P_INTENT_ID: usize = 17;
const P_INSTRUMENT: usize = 18;
const P_VENUE: usize = 19;
const P_ORDER_TYPE: usize = 20;
const P_LIMIT_PRICE: usize = 21;
const P_STOP_PRICE: usize = 22;
const P_TIME_IN_FORCE: usize = 23;
const P_EXPIRE_TIME: usize = 24;
const P_PARENT_ORDER_ID: usize = 25;
const P_OCO_GROUP: usize = 26;
const P_STRATEGY_ID: usize = 27;
const P_VALUE: usize = 28;
const PAYLOAD_KEYS: usize = 29;

/// The bit of a payload key id.
const fn bit(id: usize) -> u32 {
    1 << id
}

// The payload key set of each type (the reference requires exactly these keys).
const BAR_KEYS: u32 = bit(P_OPEN) | bit(P_HIGH) | bit(P_LOW) | bit(P_CLOSE) | bit(P_VOLUME) | bit(P_TIMEFRAME_MS);
const TRADE_KEYS: u32 = bit(P_PRICE) | bit(P_AMOUNT) | bit(P_SIDE) | bit(P_TRADE_ID);
const ORDER_ONLY_KEYS: u32 = bit(P_ORDER_ID);
const ORDER_REASON_KEYS: u32 = bit(P_ORDER_ID) | bit(P_REASON);
const ORDER_FILLED_KEYS: u32 = bit(P_ORDER_ID) | bit(P_FILL_ID) | bit(P_QTY) | bit(P_PRICE) | bit(P_FEE);
const TIMER_KEYS: u32 = bit(P_NAME);
const KILL_SWITCH_KEYS: u32 = bit(P_ENABLED);
const PLACE_ORDER_KEYS: u32 = bit(P_INTENT_ID)
    | bit(P_ORDER_ID)
    | bit(P_INSTRUMENT)
    | bit(P_VENUE)
    | bit(P_SIDE)
    | bit(P_ORDER_TYPE)
    | bit(P_QTY)
    | bit(P_LIMIT_PRICE)
    | bit(P_STOP_PRICE)
    | bit(P_TIME_IN_FORCE)
    | bit(P_EXPIRE_TIME)
    | bit(P_PARENT_ORDER_ID)
    | bit(P_OCO_GROUP)
    | bit(P_STRATEGY_ID);
const REPLACE_ORDER_KEYS: u32 = bit(P_ORDER_ID) | bit(P_QTY) | bit(P_LIMIT_PRICE) | bit(P_STOP_PRICE);
const SET_RISK_FLAG_KEYS: u32 = bit(P_NAME) | bit(P_VALUE);

/// The id of a top-level key (a switch on the length, then a few fixed-size compares).
fn top_key(key: &str) -> Option<usize> {
    Some(match key.len() {
        4 if key == "kind" => KIND,
        5 if key == "venue" => VENUE,
        6 => match key {
            "seq_id" => SEQ_ID,
            "source" => SOURCE,
            _ => return None,
        },
        7 if key == "payload" => PAYLOAD,
        8 if key == "producer" => PRODUCER,
        10 => match key {
            "event_time" => EVENT_TIME,
            "instrument" => INSTRUMENT,
            "event_type" => EVENT_TYPE,
            _ => return None,
        },
        11 => match key {
            "ingest_time" => INGEST_TIME,
            "intent_type" => INTENT_TYPE,
            _ => return None,
        },
        15 if key == "idempotency_key" => IDEMPOTENCY_KEY,
        _ => return None,
    })
}

/// The id of a payload key.
fn payload_key(key: &str) -> Option<usize> {
    Some(match key.len() {
        3 => match key {
            "low" => P_LOW,
            "qty" => P_QTY,
            "fee" => P_FEE,
            _ => return None,
        },
        4 => match key {
            "open" => P_OPEN,
            "high" => P_HIGH,
            "side" => P_SIDE,
            "name" => P_NAME,
            _ => return None,
        },
        5 => match key {
            "close" => P_CLOSE,
            "price" => P_PRICE,
            "venue" => P_VENUE,
            "value" => P_VALUE,
            _ => return None,
        },
        6 => match key {
            "volume" => P_VOLUME,
            "amount" => P_AMOUNT,
            "reason" => P_REASON,
            _ => return None,
        },
        7 => match key {
            "fill_id" => P_FILL_ID,
            "enabled" => P_ENABLED,
            _ => return None,
        },
        8 => match key {
            "order_id" => P_ORDER_ID,
            "trade_id" => P_TRADE_ID,
            _ => return None,
        },
        9 => match key {
            "intent_id" => P_INTENT_ID,
            "oco_group" => P_OCO_GROUP,
            _ => return None,
        },
        10 => match key {
            "instrument" => P_INSTRUMENT,
            "order_type" => P_ORDER_TYPE,
            "stop_price" => P_STOP_PRICE,
            _ => return None,
        },
        11 => match key {
            "limit_price" => P_LIMIT_PRICE,
            "expire_time" => P_EXPIRE_TIME,
            "strategy_id" => P_STRATEGY_ID,
            _ => return None,
        },
        12 if key == "timeframe_ms" => P_TIMEFRAME_MS,
        13 if key == "time_in_force" => P_TIME_IN_FORCE,
        15 if key == "parent_order_id" => P_PARENT_ORDER_ID,
        _ => return None,
    })
}

/// One input as flat fields: top-level scalars and payload scalars by key id, with
/// bit masks of the keys present (a slot is read only when its bit is set, so the
/// record is reused without clearing the slots).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    top: [Tok<'a>; TOP_KEYS],
    top_mask: u16,
    payload: [Tok<'a>; PAYLOAD_KEYS],
    payload_mask: u32,
}

impl Default for Fields<'_> {
    fn default() -> Self {
        Fields::new()
    }
}

impl<'a> Fields<'a> {
    /// An empty record.
    pub fn new() -> Self {
        Fields { top: [Tok::Null; TOP_KEYS], top_mask: 0, payload: [Tok::Null; PAYLOAD_KEYS], payload_mask: 0 }
    }

    /// Forget every key (the slots are left as they are; see the type's doc).
    pub fn clear(&mut self) {
        self.top_mask = 0;
        self.payload_mask = 0;
    }

    /// A top-level scalar; `false` (give up) for an unknown or repeated key, and for
    /// `payload`, which must be an object (`open_payload`).
    pub fn set_top(&mut self, key: &str, value: Tok<'a>) -> bool {
        top_key(key).is_some_and(|id| self.set_top_id(id, value))
    }

    fn set_top_id(&mut self, id: usize, value: Tok<'a>) -> bool {
        if id == PAYLOAD || self.top_mask & (1 << id) != 0 {
            return false;
        }
        self.top_mask |= 1 << id;
        if let Some(slot) = self.top.get_mut(id) {
            *slot = value;
        }
        true
    }

    /// The top-level `payload` key with an object value; `false` when repeated.
    pub fn open_payload(&mut self) -> bool {
        let bit = 1 << PAYLOAD;
        let fresh = self.top_mask & bit == 0;
        self.top_mask |= bit;
        fresh
    }

    /// A payload scalar; `false` (give up) for an unknown or repeated key.
    pub fn set_payload(&mut self, key: &str, value: Tok<'a>) -> bool {
        payload_key(key).is_some_and(|id| self.set_payload_id(id, value))
    }

    fn set_payload_id(&mut self, id: usize, value: Tok<'a>) -> bool {
        if self.payload_mask & (1 << id) != 0 {
            return false;
        }
        self.payload_mask |= 1 << id;
        if let Some(slot) = self.payload.get_mut(id) {
            *slot = value;
        }
        true
    }

    fn top(&self, id: usize) -> Option<Tok<'a>> {
        if self.top_mask & (1 << id) == 0 {
            return None;
        }
        self.top.get(id).copied()
    }

    fn pay(&self, id: usize) -> Option<Tok<'a>> {
        if self.payload_mask & (1 << id) == 0 {
            return None;
        }
        self.payload.get(id).copied()
    }
}

// ------------------------------------------------------------ the typed build

/// An integer in `[low, 2^63 - 1]` (an `Int` is an i64, so the top is implied).
fn int_from(value: Option<Tok<'_>>, low: i64) -> Option<i64> {
    match value? {
        Tok::Int(i) if i >= low => Some(i),
        _ => None,
    }
}

fn text(value: Option<Tok<'_>>) -> Option<&str> {
    match value? {
        Tok::Str(text) => Some(text),
        _ => None,
    }
}

/// `is_identifier_str`, with the all-printable-ASCII case decided in one pass.
fn is_identifier(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes.is_empty() && bytes.len() <= 128 && bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        return true;
    }
    is_identifier_str(text)
}

fn identifier(value: Option<Tok<'_>>) -> Option<&str> {
    text(value).filter(|text| is_identifier(text))
}

/// `Some(None)` for null, `Some(Some(id))` for an identifier.
fn opt_identifier(value: Option<Tok<'_>>) -> Option<Option<&str>> {
    match value? {
        Tok::Null => Some(None),
        other => identifier(Some(other)).map(Some),
    }
}

/// A decimal field that parses (a decimal string or an integer, as the reference
/// reads them; a boolean is `invalid_number` there, so not here).
fn decimal(value: Option<Tok<'_>>) -> Option<Raw> {
    match value? {
        Tok::Str(text) => numbers::parse_decimal_str(text).ok(),
        Tok::Int(i) => numbers::parse_int(i128::from(i)).ok(),
        _ => None,
    }
}

fn opt_decimal(value: Option<Tok<'_>>) -> Option<Option<Raw>> {
    match value? {
        Tok::Null => Some(None),
        other => decimal(Some(other)).map(Some),
    }
}

/// `qty` and `amount` must be positive (D-012).
fn positive(raw: Raw) -> Option<Raw> {
    (raw > 0).then_some(raw)
}

/// Some(parsed) exactly when the reference accepts `fields` as this input (see the
/// module doc); `None` means "ask the reference".
pub fn build<'a>(fields: &Fields<'a>) -> Option<ParsedInput<'a>> {
    match text(fields.top(KIND))? {
        "event" if fields.top_mask == EVENT_MASK => build_event(fields),
        "intent" if fields.top_mask == INTENT_MASK => build_intent(fields),
        _ => None,
    }
}

fn build_event<'a>(f: &Fields<'a>) -> Option<ParsedInput<'a>> {
    let seq_id = int_from(f.top(SEQ_ID), 1)?;
    let event_time = int_from(f.top(EVENT_TIME), 0)?;
    int_from(f.top(INGEST_TIME), 0)?;
    let source = Source::parse(text(f.top(SOURCE))?)?;
    let needs_place = matches!(source, Source::MarketData | Source::BrokerReport);
    let place = |id: usize| -> Option<Option<&'a str>> {
        match f.top(id)? {
            Tok::Null if !needs_place => Some(None),
            other => identifier(Some(other)).map(Some),
        }
    };
    let venue = place(VENUE)?;
    let instrument = place(INSTRUMENT)?;
    let event_type = EventType::parse(text(f.top(EVENT_TYPE))?).filter(|t| t.source() == source)?;
    let idempotency_key = opt_identifier(f.top(IDEMPOTENCY_KEY))?;
    let producer = int_from(f.top(PRODUCER), 0)?;
    let p = |id: usize| f.pay(id);
    let keys = match event_type {
        EventType::Bar => BAR_KEYS,
        EventType::Trade => TRADE_KEYS,
        EventType::OrderAccepted | EventType::OrderCancelled | EventType::OrderExpired => ORDER_ONLY_KEYS,
        EventType::OrderRejected | EventType::CancelRejected => ORDER_REASON_KEYS,
        EventType::OrderFilled => ORDER_FILLED_KEYS,
        EventType::Timer => TIMER_KEYS,
        EventType::KillSwitch => KILL_SWITCH_KEYS,
    };
    if f.payload_mask != keys {
        return None;
    }
    let payload = match event_type {
        EventType::Bar => {
            let bar = BarPayload {
                open: decimal(p(P_OPEN))?,
                high: decimal(p(P_HIGH))?,
                low: decimal(p(P_LOW))?,
                close: decimal(p(P_CLOSE))?,
                volume: decimal(p(P_VOLUME))?,
                timeframe_ms: int_from(p(P_TIMEFRAME_MS), 1)?,
            };
            check_bar(&bar).ok()?;
            EventPayload::Bar(bar)
        }
        EventType::Trade => {
            let side = Side::parse(text(p(P_SIDE))?)?;
            let trade_id = identifier(p(P_TRADE_ID))?;
            EventPayload::Trade {
                price: decimal(p(P_PRICE))?,
                amount: positive(decimal(p(P_AMOUNT))?)?,
                side,
                trade_id,
            }
        }
        EventType::OrderAccepted => EventPayload::OrderAccepted { order_id: identifier(p(P_ORDER_ID))? },
        EventType::OrderRejected => {
            EventPayload::OrderRejected { order_id: identifier(p(P_ORDER_ID))?, reason: identifier(p(P_REASON))? }
        }
        EventType::OrderFilled => EventPayload::OrderFilled {
            order_id: identifier(p(P_ORDER_ID))?,
            fill_id: identifier(p(P_FILL_ID))?,
            qty: positive(decimal(p(P_QTY))?)?,
            price: decimal(p(P_PRICE))?,
            fee: opt_decimal(p(P_FEE))?,
        },
        EventType::OrderCancelled => EventPayload::OrderCancelled { order_id: identifier(p(P_ORDER_ID))? },
        EventType::CancelRejected => {
            EventPayload::CancelRejected { order_id: identifier(p(P_ORDER_ID))?, reason: identifier(p(P_REASON))? }
        }
        EventType::OrderExpired => EventPayload::OrderExpired { order_id: identifier(p(P_ORDER_ID))? },
        EventType::Timer => EventPayload::Timer { name: identifier(p(P_NAME))? },
        EventType::KillSwitch => match p(P_ENABLED)? {
            Tok::Bool(enabled) => EventPayload::KillSwitch { enabled },
            _ => return None,
        },
    };
    Some(ParsedInput {
        seq_id,
        body: Body::Event(Event { event_time, source, venue, instrument, event_type, payload, idempotency_key, producer }),
    })
}

fn build_intent<'a>(f: &Fields<'a>) -> Option<ParsedInput<'a>> {
    let seq_id = int_from(f.top(SEQ_ID), 1)?;
    let p = |id: usize| f.pay(id);
    let intent = match text(f.top(INTENT_TYPE))? {
        "place_order" if f.payload_mask == PLACE_ORDER_KEYS => {
            let order_type = OrderType::parse(text(p(P_ORDER_TYPE))?)?;
            let order_id = identifier(p(P_ORDER_ID))?;
            let limit_price = opt_decimal(p(P_LIMIT_PRICE))?;
            let stop_price = opt_decimal(p(P_STOP_PRICE))?;
            let parent_order_id = opt_identifier(p(P_PARENT_ORDER_ID))?;
            // the reference's cross-field checks (phase 1) refuse these
            if limit_price.is_some() != order_type.has_limit()
                || stop_price.is_some() != order_type.has_stop()
                || parent_order_id == Some(order_id)
            {
                return None;
            }
            let expire_time = match p(P_EXPIRE_TIME)? {
                Tok::Null => None,
                other => Some(int_from(Some(other), 0)?),
            };
            Intent::PlaceOrder(PlaceOrder {
                intent_id: identifier(p(P_INTENT_ID))?,
                order_id,
                instrument: identifier(p(P_INSTRUMENT))?,
                venue: identifier(p(P_VENUE))?,
                side: Side::parse(text(p(P_SIDE))?)?,
                order_type,
                qty: positive(decimal(p(P_QTY))?)?,
                limit_price,
                stop_price,
                time_in_force: TimeInForce::parse(text(p(P_TIME_IN_FORCE))?)?,
                expire_time,
                parent_order_id,
                oco_group: opt_identifier(p(P_OCO_GROUP))?,
                strategy_id: identifier(p(P_STRATEGY_ID))?,
            })
        }
        "cancel_order" if f.payload_mask == ORDER_ONLY_KEYS => {
            Intent::CancelOrder { order_id: identifier(p(P_ORDER_ID))? }
        }
        "replace_order" if f.payload_mask == REPLACE_ORDER_KEYS => {
            let order_id = identifier(p(P_ORDER_ID))?;
            let qty = match opt_decimal(p(P_QTY))? {
                Some(qty) => Some(positive(qty)?),
                None => None,
            };
            let limit_price = opt_decimal(p(P_LIMIT_PRICE))?;
            let stop_price = opt_decimal(p(P_STOP_PRICE))?;
            if qty.is_none() && limit_price.is_none() && stop_price.is_none() {
                return None; // refused at /payload
            }
            Intent::ReplaceOrder { order_id, qty, limit_price, stop_price }
        }
        "set_risk_flag" if f.payload_mask == SET_RISK_FLAG_KEYS => {
            let name = match text(p(P_NAME))? {
                "kill_switch" => RiskFlag::KillSwitch,
                "allow_short" => RiskFlag::AllowShort,
                _ => return None,
            };
            match p(P_VALUE)? {
                Tok::Bool(value) => Intent::SetRiskFlag { name, value },
                _ => return None,
            }
        }
        "noop" if f.payload_mask == 0 => Intent::Noop,
        _ => return None,
    };
    Some(ParsedInput { seq_id, body: Body::Intent(intent) })
}

// ------------------------------------------------------------ the line scanner

/// A key as it stands in JSON text, quotes and colon included (`"kind":`), with its id.
type Pattern = (usize, &'static [u8]);

macro_rules! keys {
    ($($id:expr => $name:literal),* $(,)?) => {
        &[$(($id, concat!("\"", $name, "\":").as_bytes())),*]
    };
}

// Producers write keys in one of two orders: sorted (canonical JSON, `sort_keys`) or
// declared (Python's dicts as the reference builds them). The scanner predicts the
// next key from the order it has seen; a correct guess costs one compare instead of
// a string scan and a lookup, a wrong one falls back to reading the key.
const EVENT_SORTED: &[Pattern] = keys![
    EVENT_TIME => "event_time", EVENT_TYPE => "event_type", IDEMPOTENCY_KEY => "idempotency_key",
    INGEST_TIME => "ingest_time", INSTRUMENT => "instrument", KIND => "kind", PAYLOAD => "payload",
    PRODUCER => "producer", SEQ_ID => "seq_id", SOURCE => "source", VENUE => "venue",
];
const EVENT_DECLARED: &[Pattern] = keys![
    KIND => "kind", SEQ_ID => "seq_id", EVENT_TIME => "event_time", INGEST_TIME => "ingest_time",
    SOURCE => "source", VENUE => "venue", INSTRUMENT => "instrument", EVENT_TYPE => "event_type",
    PAYLOAD => "payload", IDEMPOTENCY_KEY => "idempotency_key", PRODUCER => "producer",
];
const INTENT_SORTED: &[Pattern] =
    keys![INTENT_TYPE => "intent_type", KIND => "kind", PAYLOAD => "payload", SEQ_ID => "seq_id"];
const INTENT_DECLARED: &[Pattern] =
    keys![KIND => "kind", SEQ_ID => "seq_id", INTENT_TYPE => "intent_type", PAYLOAD => "payload"];

const BAR_SORTED: &[Pattern] = keys![
    P_CLOSE => "close", P_HIGH => "high", P_LOW => "low", P_OPEN => "open",
    P_TIMEFRAME_MS => "timeframe_ms", P_VOLUME => "volume",
];
const BAR_DECLARED: &[Pattern] = keys![
    P_OPEN => "open", P_HIGH => "high", P_LOW => "low", P_CLOSE => "close", P_VOLUME => "volume",
    P_TIMEFRAME_MS => "timeframe_ms",
];
const TRADE_SORTED: &[Pattern] =
    keys![P_AMOUNT => "amount", P_PRICE => "price", P_SIDE => "side", P_TRADE_ID => "trade_id"];
const TRADE_DECLARED: &[Pattern] =
    keys![P_PRICE => "price", P_AMOUNT => "amount", P_SIDE => "side", P_TRADE_ID => "trade_id"];
const ORDER_ONLY: &[Pattern] = keys![P_ORDER_ID => "order_id"];
const ORDER_REASON: &[Pattern] = keys![P_ORDER_ID => "order_id", P_REASON => "reason"];
const FILLED_SORTED: &[Pattern] = keys![
    P_FEE => "fee", P_FILL_ID => "fill_id", P_ORDER_ID => "order_id", P_PRICE => "price", P_QTY => "qty",
];
const FILLED_DECLARED: &[Pattern] = keys![
    P_ORDER_ID => "order_id", P_FILL_ID => "fill_id", P_QTY => "qty", P_PRICE => "price", P_FEE => "fee",
];
const TIMER: &[Pattern] = keys![P_NAME => "name"];
const KILL_SWITCH: &[Pattern] = keys![P_ENABLED => "enabled"];
const PLACE_SORTED: &[Pattern] = keys![
    P_EXPIRE_TIME => "expire_time", P_INSTRUMENT => "instrument", P_INTENT_ID => "intent_id",
    P_LIMIT_PRICE => "limit_price", P_OCO_GROUP => "oco_group", P_ORDER_ID => "order_id",
    P_ORDER_TYPE => "order_type", P_PARENT_ORDER_ID => "parent_order_id", P_QTY => "qty", P_SIDE => "side",
    P_STOP_PRICE => "stop_price", P_STRATEGY_ID => "strategy_id", P_TIME_IN_FORCE => "time_in_force",
    P_VENUE => "venue",
];
const PLACE_DECLARED: &[Pattern] = keys![
    P_INTENT_ID => "intent_id", P_ORDER_ID => "order_id", P_INSTRUMENT => "instrument", P_VENUE => "venue",
    P_SIDE => "side", P_ORDER_TYPE => "order_type", P_QTY => "qty", P_LIMIT_PRICE => "limit_price",
    P_STOP_PRICE => "stop_price", P_TIME_IN_FORCE => "time_in_force", P_EXPIRE_TIME => "expire_time",
    P_PARENT_ORDER_ID => "parent_order_id", P_OCO_GROUP => "oco_group", P_STRATEGY_ID => "strategy_id",
];
const REPLACE_SORTED: &[Pattern] = keys![
    P_LIMIT_PRICE => "limit_price", P_ORDER_ID => "order_id", P_QTY => "qty", P_STOP_PRICE => "stop_price",
];
const REPLACE_DECLARED: &[Pattern] = keys![
    P_ORDER_ID => "order_id", P_QTY => "qty", P_LIMIT_PRICE => "limit_price", P_STOP_PRICE => "stop_price",
];
const RISK_FLAG: &[Pattern] = keys![P_NAME => "name", P_VALUE => "value"];

/// The top-level key order to expect after the first key (and its value).
fn top_order(first: usize, value: Tok<'_>) -> &'static [Pattern] {
    match (first, value) {
        (EVENT_TIME, _) => EVENT_SORTED,
        (INTENT_TYPE, _) => INTENT_SORTED,
        (KIND, Tok::Str("intent")) => INTENT_DECLARED,
        (KIND, _) => EVENT_DECLARED,
        _ => &[],
    }
}

/// The payload key order to expect, from the type read so far.
fn payload_order(fields: &Fields<'_>, sorted: bool) -> &'static [Pattern] {
    let pick = |by_sort: &'static [Pattern], by_declaration: &'static [Pattern]| {
        if sorted {
            by_sort
        } else {
            by_declaration
        }
    };
    if let Some(Tok::Str(event_type)) = fields.top(EVENT_TYPE) {
        return match event_type {
            "bar" => pick(BAR_SORTED, BAR_DECLARED),
            "trade" => pick(TRADE_SORTED, TRADE_DECLARED),
            "order_filled" => pick(FILLED_SORTED, FILLED_DECLARED),
            "order_accepted" | "order_cancelled" | "order_expired" => ORDER_ONLY,
            "order_rejected" | "cancel_rejected" => ORDER_REASON,
            "timer" => TIMER,
            "kill_switch" => KILL_SWITCH,
            _ => &[],
        };
    }
    match fields.top(INTENT_TYPE) {
        Some(Tok::Str("place_order")) => pick(PLACE_SORTED, PLACE_DECLARED),
        Some(Tok::Str("cancel_order")) => ORDER_ONLY,
        Some(Tok::Str("replace_order")) => pick(REPLACE_SORTED, REPLACE_DECLARED),
        Some(Tok::Str("set_risk_flag")) => RISK_FLAG,
        _ => &[],
    }
}


/// Read one JSON line into `fields` and build it (see the module doc for what is
/// read here; `None` for anything else).
pub fn read_line<'a>(line: &'a [u8], fields: &mut Fields<'a>) -> Option<ParsedInput<'a>> {
    // Every byte outside a string must be ASCII for the scanner to accept it, and
    // strings are sliced at quote positions, so validating the line once makes every
    // slice valid UTF-8.
    let text = std::str::from_utf8(line).ok()?;
    fields.clear();
    let mut scan = Scanner { bytes: line, text, pos: 0 };
    scan.ws();
    scan.eat(b'{')?;
    scan.ws();
    let mut order: &'static [Pattern] = &[];
    let mut index = 0usize;
    loop {
        let id = match scan.predicted(order.get(index)) {
            Some(id) => id,
            None => top_key(scan.key()?)?,
        };
        scan.ws();
        if id == PAYLOAD {
            scan.eat(b'{')?; // a payload that is not an object: the reference decides
            if !fields.open_payload() {
                return None;
            }
            let sorted = order.first().is_some_and(|(first, _)| *first != KIND);
            scan.payload(fields, payload_order(fields, sorted))?;
        } else {
            let value = scan.scalar()?;
            if !fields.set_top_id(id, value) {
                return None;
            }
            if index == 0 {
                order = top_order(id, value);
            }
        }
        index = index.saturating_add(1);
        scan.ws();
        match scan.next()? {
            b',' => scan.ws(),
            b'}' => break,
            _ => return None,
        }
    }
    scan.ws();
    if scan.pos != line.len() {
        return None;
    }
    build(fields)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos = self.pos.saturating_add(1);
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// JSON whitespace (the strict reader's set).
    #[inline(always)]
    fn ws(&mut self) {
        // canonical lines have none: one compare decides
        while let Some(byte) = self.peek().filter(|b| *b <= b' ') {
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return;
            }
            self.pos = self.pos.saturating_add(1);
        }
    }

    /// The id of the predicted key when the text at the cursor is exactly that key
    /// and its colon (then consumed).
    fn predicted(&mut self, expected: Option<&Pattern>) -> Option<usize> {
        let (id, pattern) = expected?;
        let end = self.pos.saturating_add(pattern.len());
        if self.bytes.get(self.pos..end)? != *pattern {
            return None;
        }
        self.pos = end;
        Some(*id)
    }

    /// A key (a string without escapes) and its colon.
    fn key(&mut self) -> Option<&'a str> {
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        Some(key)
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = start.saturating_add(find_special(self.bytes.get(start..)?));
        if self.bytes.get(end) != Some(&b'"') {
            return None; // an escape or a control character: the reference decides
        }
        self.pos = end.saturating_add(1);
        self.text.get(start..end)
    }

    fn literal(&mut self, word: &'static [u8], value: Tok<'a>) -> Option<Tok<'a>> {
        let end = self.pos.saturating_add(word.len());
        (self.bytes.get(self.pos..end)? == word).then(|| {
            self.pos = end;
            value
        })
    }

    /// An integer token of at most 18 digits; `None` for floats and longer tokens.
    fn integer(&mut self) -> Option<Tok<'a>> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos = self.pos.saturating_add(1);
        }
        let start = self.pos;
        let mut value: i64 = 0;
        let mut digits = 0usize;
        for byte in self.bytes.get(start..)? {
            let digit = byte.wrapping_sub(b'0');
            if digit >= 10 {
                break;
            }
            // at most 18 digits (checked before the 19th is added): no overflow
            if digits == 18 {
                return None;
            }
            value = value.wrapping_mul(10).wrapping_add(i64::from(digit));
            digits = digits.wrapping_add(1);
        }
        self.pos = start.saturating_add(digits);
        // no digits, or a leading zero followed by digits: not a JSON number
        if digits == 0 || (digits > 1 && self.bytes.get(start) == Some(&b'0')) {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None; // a float token
        }
        Some(Tok::Int(if negative { value.wrapping_neg() } else { value }))
    }

    #[inline(always)]
    fn scalar(&mut self) -> Option<Tok<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Tok::Str),
            b't' => self.literal(b"true", Tok::Bool(true)),
            b'f' => self.literal(b"false", Tok::Bool(false)),
            b'n' => self.literal(b"null", Tok::Null),
            b'-' | b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    /// The payload object's members, after its `{`, expecting keys in `order`.
    fn payload(&mut self, fields: &mut Fields<'a>, order: &'static [Pattern]) -> Option<()> {
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos = self.pos.saturating_add(1);
            return Some(());
        }
        for index in 0usize.. {
            let id = match self.predicted(order.get(index)) {
                Some(id) => id,
                None => payload_key(self.key()?)?,
            };
            self.ws();
            let value = self.scalar()?;
            if !fields.set_payload_id(id, value) {
                return None;
            }
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
        None
    }
}
