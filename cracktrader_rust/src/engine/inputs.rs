//! Twin of `cracktrader/engine/inputs.py`: validation of core inputs, a `Value` -> a
//! parsed record.
//!
//! The check order is the contract (docs/decisions.md D-010, D-011): the first failure
//! wins, one diagnostic `(code, json_pointer)`. The shape phase (`invalid_payload`)
//! runs completely before the number phase (`invalid_number` then
//! `numeric_overflow`), which realises the error precedence of DESIGN.md section 5.
//! The field tables below list the fields in the same declared order as Python's
//! `EVENT_TYPES` / `INTENT_TYPES`, and the checks run in the same order.

use std::borrow::Cow;

use super::numbers::{self, NumError, NumResult, Raw};
use super::orders::{OrderType, Side, TimeInForce};
use super::results::Code;
use super::value::{JsonView, View};

pub use super::results::MAX_I63;

/// A refused input: the refusing code and the JSON Pointer of the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub field: Cow<'static, str>,
}

impl Refusal {
    /// A refusal at a static JSON Pointer.
    pub fn new(code: Code, field: &'static str) -> Self {
        Refusal { code, field: Cow::Borrowed(field) }
    }

    fn payload(field: &'static str) -> Self {
        Refusal::new(Code::InvalidPayload, field)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    MarketData,
    BrokerReport,
    Timer,
    Control,
}

impl Source {
    /// The wire name of the source.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::MarketData => "market_data",
            Source::BrokerReport => "broker_report",
            Source::Timer => "timer",
            Source::Control => "control",
        }
    }

    /// The source with this wire name.
    pub fn parse(text: &str) -> Option<Source> {
        match text {
            "market_data" => Some(Source::MarketData),
            "broker_report" => Some(Source::BrokerReport),
            "timer" => Some(Source::Timer),
            "control" => Some(Source::Control),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Bar,
    Trade,
    OrderAccepted,
    OrderRejected,
    OrderFilled,
    OrderCancelled,
    CancelRejected,
    OrderExpired,
    Timer,
    KillSwitch,
}

impl EventType {
    /// The wire name of the event type.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Bar => "bar",
            EventType::Trade => "trade",
            EventType::OrderAccepted => "order_accepted",
            EventType::OrderRejected => "order_rejected",
            EventType::OrderFilled => "order_filled",
            EventType::OrderCancelled => "order_cancelled",
            EventType::CancelRejected => "cancel_rejected",
            EventType::OrderExpired => "order_expired",
            EventType::Timer => "timer",
            EventType::KillSwitch => "kill_switch",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<EventType> {
        Some(match text {
            "bar" => EventType::Bar,
            "trade" => EventType::Trade,
            "order_accepted" => EventType::OrderAccepted,
            "order_rejected" => EventType::OrderRejected,
            "order_filled" => EventType::OrderFilled,
            "order_cancelled" => EventType::OrderCancelled,
            "cancel_rejected" => EventType::CancelRejected,
            "order_expired" => EventType::OrderExpired,
            "timer" => EventType::Timer,
            "kill_switch" => EventType::KillSwitch,
            _ => return None,
        })
    }

    /// The source this event type requires (`EVENT_TYPES[...][0]`).
    pub(crate) fn source(self) -> Source {
        match self {
            EventType::Bar | EventType::Trade => Source::MarketData,
            EventType::Timer => Source::Timer,
            EventType::KillSwitch => Source::Control,
            _ => Source::BrokerReport,
        }
    }

    /// `REPORT_TYPES`: the broker reports.
    pub fn is_report(self) -> bool {
        self.source() == Source::BrokerReport
    }

    fn fields(self) -> Spec {
        match self {
            EventType::Bar => BAR,
            EventType::Trade => TRADE,
            EventType::OrderAccepted | EventType::OrderCancelled | EventType::OrderExpired => ORDER_ONLY,
            EventType::OrderRejected | EventType::CancelRejected => ORDER_REASON,
            EventType::OrderFilled => ORDER_FILLED,
            EventType::Timer => TIMER,
            EventType::KillSwitch => KILL_SWITCH,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskFlag {
    KillSwitch,
    AllowShort,
}

/// The kind of one payload field (Python's field-spec strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Id,
    IdOpt,
    Dec,
    DecOpt,
    Side,
    Tf,
    Bool,
    OrderType,
    Tif,
    TsOpt,
    RiskFlag,
}

/// (name, JSON Pointer, kind) in declared order.
type Spec = &'static [(&'static str, &'static str, Kind)];

const BAR: Spec = &[
    ("open", "/payload/open", Kind::Dec),
    ("high", "/payload/high", Kind::Dec),
    ("low", "/payload/low", Kind::Dec),
    ("close", "/payload/close", Kind::Dec),
    ("volume", "/payload/volume", Kind::Dec),
    ("timeframe_ms", "/payload/timeframe_ms", Kind::Tf),
];
const TRADE: Spec = &[
    ("price", "/payload/price", Kind::Dec),
    ("amount", "/payload/amount", Kind::Dec),
    ("side", "/payload/side", Kind::Side),
    ("trade_id", "/payload/trade_id", Kind::Id),
];
const ORDER_ONLY: Spec = &[("order_id", "/payload/order_id", Kind::Id)];
const ORDER_REASON: Spec =
    &[("order_id", "/payload/order_id", Kind::Id), ("reason", "/payload/reason", Kind::Id)];
const ORDER_FILLED: Spec = &[
    ("order_id", "/payload/order_id", Kind::Id),
    ("fill_id", "/payload/fill_id", Kind::Id),
    ("qty", "/payload/qty", Kind::Dec),
    ("price", "/payload/price", Kind::Dec),
    ("fee", "/payload/fee", Kind::DecOpt),
];
const TIMER: Spec = &[("name", "/payload/name", Kind::Id)];
const KILL_SWITCH: Spec = &[("enabled", "/payload/enabled", Kind::Bool)];

const PLACE_ORDER: Spec = &[
    ("intent_id", "/payload/intent_id", Kind::Id),
    ("order_id", "/payload/order_id", Kind::Id),
    ("instrument", "/payload/instrument", Kind::Id),
    ("venue", "/payload/venue", Kind::Id),
    ("side", "/payload/side", Kind::Side),
    ("order_type", "/payload/order_type", Kind::OrderType),
    ("qty", "/payload/qty", Kind::Dec),
    ("limit_price", "/payload/limit_price", Kind::DecOpt),
    ("stop_price", "/payload/stop_price", Kind::DecOpt),
    ("time_in_force", "/payload/time_in_force", Kind::Tif),
    ("expire_time", "/payload/expire_time", Kind::TsOpt),
    ("parent_order_id", "/payload/parent_order_id", Kind::IdOpt),
    ("oco_group", "/payload/oco_group", Kind::IdOpt),
    ("strategy_id", "/payload/strategy_id", Kind::Id),
];
const CANCEL_ORDER: Spec = ORDER_ONLY;
const REPLACE_ORDER: Spec = &[
    ("order_id", "/payload/order_id", Kind::Id),
    ("qty", "/payload/qty", Kind::DecOpt),
    ("limit_price", "/payload/limit_price", Kind::DecOpt),
    ("stop_price", "/payload/stop_price", Kind::DecOpt),
];
const SET_RISK_FLAG: Spec =
    &[("name", "/payload/name", Kind::RiskFlag), ("value", "/payload/value", Kind::Bool)];
const NOOP: Spec = &[];

const EVENT_KEYS: &[&str] = &[
    "kind",
    "seq_id",
    "event_time",
    "ingest_time",
    "source",
    "venue",
    "instrument",
    "event_type",
    "payload",
    "idempotency_key",
    "producer",
];
const INTENT_KEYS: &[&str] = &["kind", "seq_id", "intent_type", "payload"];

/// The most fields any declared object has (place_order: 14).
const MAX_FIELDS: usize = 16;

/// A validated bar payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarPayload {
    pub open: Raw,
    pub high: Raw,
    pub low: Raw,
    pub close: Raw,
    pub volume: Raw,
    pub timeframe_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPayload<'a> {
    Bar(BarPayload),
    Trade { price: Raw, amount: Raw, side: Side, trade_id: &'a str },
    OrderAccepted { order_id: &'a str },
    OrderRejected { order_id: &'a str, reason: &'a str },
    OrderFilled { order_id: &'a str, fill_id: &'a str, qty: Raw, price: Raw, fee: Option<Raw> },
    OrderCancelled { order_id: &'a str },
    CancelRejected { order_id: &'a str, reason: &'a str },
    OrderExpired { order_id: &'a str },
    Timer { name: &'a str },
    KillSwitch { enabled: bool },
}

impl EventPayload<'_> {
    /// The order a broker report is about.
    pub fn report_order_id(&self) -> Option<&str> {
        match self {
            EventPayload::OrderAccepted { order_id }
            | EventPayload::OrderRejected { order_id, .. }
            | EventPayload::OrderFilled { order_id, .. }
            | EventPayload::OrderCancelled { order_id }
            | EventPayload::CancelRejected { order_id, .. }
            | EventPayload::OrderExpired { order_id } => Some(order_id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    pub event_time: i64,
    pub source: Source,
    pub venue: Option<&'a str>,
    pub instrument: Option<&'a str>,
    pub event_type: EventType,
    pub payload: EventPayload<'a>,
    pub idempotency_key: Option<&'a str>,
    pub producer: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceOrder<'a> {
    pub intent_id: &'a str,
    pub order_id: &'a str,
    pub instrument: &'a str,
    pub venue: &'a str,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Raw,
    pub limit_price: Option<Raw>,
    pub stop_price: Option<Raw>,
    pub time_in_force: TimeInForce,
    pub expire_time: Option<i64>,
    pub parent_order_id: Option<&'a str>,
    pub oco_group: Option<&'a str>,
    pub strategy_id: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent<'a> {
    PlaceOrder(PlaceOrder<'a>),
    CancelOrder { order_id: &'a str },
    ReplaceOrder { order_id: &'a str, qty: Option<Raw>, limit_price: Option<Raw>, stop_price: Option<Raw> },
    SetRiskFlag { name: RiskFlag, value: bool },
    Noop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    Event(Event<'a>),
    Intent(Intent<'a>),
}

/// A validated input; strings borrow from the `Value` it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedInput<'a> {
    pub seq_id: i64,
    pub body: Body<'a>,
}

/// 1..128 code points, none of category Cc (D-007). A Rust `str` cannot hold a lone
/// surrogate, so that case never reaches here as a string.
pub fn is_identifier_str(text: &str) -> bool {
    if text.is_empty() || text.len() > 4 * 128 {
        return false;
    }
    let mut count = 0usize;
    for ch in text.chars() {
        count = count.saturating_add(1);
        let code = u32::from(ch);
        if count > 128 || code < 0x20 || (0x7F..=0x9F).contains(&code) {
            return false;
        }
    }
    true
}

fn identifier<V: JsonView>(value: &V) -> Option<&str> {
    value.str_value().filter(|text| is_identifier_str(text))
}

/// An integer in `[low, 2^63 - 1]`.
fn int_in<V: JsonView>(value: &V, low: i128) -> Option<i64> {
    match value.view() {
        View::Int(i) if (low..=MAX_I63).contains(&i) => i64::try_from(i).ok(),
        _ => None,
    }
}

fn is_null<V: JsonView>(value: &V) -> bool {
    matches!(value.view(), View::Null)
}

/// A value that passes the shape phase as a decimal field (the number phase judges
/// it). The strict-JSON big-integer marker is number-like: it is a
/// `numeric_overflow` (D-005).
#[derive(Debug, Clone, Copy)]
enum Number<'a> {
    Str(&'a str),
    Int(i128),
    Big,
    Float(f64),
    Bool,
}

fn number_like<V: JsonView>(value: &V) -> Option<Number<'_>> {
    Some(match value.view() {
        View::Str(text) => Number::Str(text),
        View::Int(i) => Number::Int(i),
        View::BigInt { .. } => Number::Big,
        View::Float(f) => Number::Float(f),
        View::Bool(_) => Number::Bool,
        _ => return None,
    })
}

/// Twin of Python's `parse_decimal` on a value that passed the shape phase.
fn parse_number(number: Number<'_>) -> NumResult {
    match number {
        Number::Str(text) => numbers::parse_decimal_str(text),
        Number::Int(i) => numbers::parse_int(i),
        Number::Big => Err(NumError::Overflow),
        Number::Float(f) => numbers::parse_f64(f),
        Number::Bool => Err(NumError::Invalid),
    }
}

/// A field after the shape phase.
#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Null,
    Str(&'a str),
    Bool(bool),
    Int(i64),
    /// A decimal not yet parsed (number phase).
    Num(Number<'a>),
    Dec(Raw),
}

fn check_field<V: JsonView>(kind: Kind, value: &V) -> Option<Field<'_>> {
    let null_ok = matches!(kind, Kind::IdOpt | Kind::DecOpt | Kind::TsOpt);
    if null_ok && is_null(value) {
        return Some(Field::Null);
    }
    let text = || value.str_value();
    match kind {
        Kind::Id | Kind::IdOpt => identifier(value).map(Field::Str),
        Kind::Dec | Kind::DecOpt => number_like(value).map(Field::Num),
        Kind::Side => text().filter(|s| Side::parse(s).is_some()).map(Field::Str),
        Kind::Tf => int_in(value, 1).map(Field::Int),
        Kind::Bool => match value.view() {
            View::Bool(flag) => Some(Field::Bool(flag)),
            _ => None,
        },
        Kind::OrderType => text().filter(|s| OrderType::parse(s).is_some()).map(Field::Str),
        Kind::Tif => text().filter(|s| TimeInForce::parse(s).is_some()).map(Field::Str),
        Kind::TsOpt => int_in(value, 0).map(Field::Int),
        Kind::RiskFlag => text().filter(|s| matches!(*s, "kill_switch" | "allow_short")).map(Field::Str),
    }
}

/// RFC 6901 escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The values of a checked object, in declared order.
type Slots<'a, V> = [Option<&'a V>; MAX_FIELDS];

fn slot<'a, V>(slots: &Slots<'a, V>, index: usize) -> Option<&'a V> {
    slots.get(index).copied().flatten()
}

/// `_check_keys`: an object with string keys and no unknown key; values in declared
/// order (a missing key leaves its slot empty).
fn check_keys<'a, V: JsonView>(
    obj: &'a V,
    declared: &[&'static str],
    base: &'static str,
    has_bad_key: bool,
) -> Result<Slots<'a, V>, Refusal> {
    let View::Object(pairs) = obj.view() else { return Err(Refusal::payload(base)) };
    if has_bad_key {
        return Err(Refusal::payload(base));
    }
    let mut slots: Slots<'a, V> = [None; MAX_FIELDS];
    let mut unknown: Option<&str> = None;
    for (position, (key, value)) in pairs.iter().enumerate() {
        let key = key.as_ref();
        // keys usually arrive in declared order: try that slot before searching
        let found = match declared.get(position) {
            Some(name) if *name == key => Some(position),
            _ => declared.iter().position(|name| *name == key),
        };
        match found {
            Some(index) => {
                if let Some(slot) = slots.get_mut(index) {
                    *slot = Some(value);
                }
            }
            // the code-point-smallest unknown key (byte order of UTF-8 is code-point order)
            None => {
                if unknown.is_none_or(|current| key < current) {
                    unknown = Some(key);
                }
            }
        }
    }
    if let Some(key) = unknown {
        return Err(Refusal { code: Code::InvalidPayload, field: Cow::Owned(format!("{base}/{}", escape(key))) });
    }
    // A missing key is not refused here: its empty slot fails its own field check, so
    // it is reported at its turn in declared order (D-301).
    Ok(slots)
}

type Fields<'a> = [Field<'a>; MAX_FIELDS];

/// `_parse_payload`: shape-check the payload object and each field in declared order.
fn parse_payload<'a, V: JsonView>(payload: &'a V, spec: Spec) -> Result<Fields<'a>, Refusal> {
    let mut names: [&'static str; MAX_FIELDS] = [""; MAX_FIELDS];
    for (name, (field, _, _)) in names.iter_mut().zip(spec.iter()) {
        *name = field;
    }
    let values = check_keys(payload, names.get(..spec.len()).unwrap_or(&[]), "/payload", false)?;
    let mut fields: Fields<'a> = [Field::Null; MAX_FIELDS];
    for ((_, pointer, kind), (value, out)) in spec.iter().zip(values.iter().zip(fields.iter_mut())) {
        let field = value.and_then(|value| check_field(*kind, value));
        *out = field.ok_or_else(|| Refusal::payload(pointer))?;
    }
    Ok(fields)
}

/// `_parse_numbers`: parse every decimal in declared order. The first
/// `invalid_number` wins over any `numeric_overflow`; a non-positive qty/amount is
/// `invalid_number` at once (D-012).
fn parse_numbers(fields: &mut Fields<'_>, spec: Spec) -> Result<(), Refusal> {
    let mut overflow: Option<&'static str> = None;
    for ((name, pointer, _), slot) in spec.iter().zip(fields.iter_mut()) {
        let Field::Num(number) = *slot else { continue };
        let raw = match parse_number(number) {
            Ok(raw) => raw,
            Err(NumError::Invalid) => return Err(Refusal::new(Code::InvalidNumber, pointer)),
            Err(NumError::Overflow) => {
                overflow.get_or_insert(pointer);
                continue;
            }
            Err(NumError::WrongType) => return Err(Refusal::payload(pointer)),
        };
        if matches!(*name, "qty" | "amount") && raw <= 0 {
            return Err(Refusal::new(Code::InvalidNumber, pointer));
        }
        *slot = Field::Dec(raw);
    }
    match overflow {
        Some(pointer) => Err(Refusal::new(Code::NumericOverflow, pointer)),
        None => Ok(()),
    }
}

/// Typed access to a field after both phases (a mismatch would be a bug in this
/// module; it refuses at the field instead of panicking).
struct Reader<'f, 'a> {
    fields: &'f Fields<'a>,
    spec: Spec,
}

impl<'a> Reader<'_, 'a> {
    fn at(&self, index: usize) -> Result<(Field<'a>, &'static str), Refusal> {
        match (self.fields.get(index), self.spec.get(index)) {
            (Some(field), Some((_, pointer, _))) => Ok((*field, pointer)),
            _ => Err(Refusal::payload("/payload")),
        }
    }

    fn str(&self, index: usize) -> Result<&'a str, Refusal> {
        match self.at(index)? {
            (Field::Str(text), _) => Ok(text),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn opt_str(&self, index: usize) -> Result<Option<&'a str>, Refusal> {
        match self.at(index)? {
            (Field::Null, _) => Ok(None),
            (Field::Str(text), _) => Ok(Some(text)),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn dec(&self, index: usize) -> Result<Raw, Refusal> {
        match self.at(index)? {
            (Field::Dec(raw), _) => Ok(raw),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn opt_dec(&self, index: usize) -> Result<Option<Raw>, Refusal> {
        match self.at(index)? {
            (Field::Null, _) => Ok(None),
            (Field::Dec(raw), _) => Ok(Some(raw)),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn int(&self, index: usize) -> Result<i64, Refusal> {
        match self.at(index)? {
            (Field::Int(i), _) => Ok(i),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn opt_int(&self, index: usize) -> Result<Option<i64>, Refusal> {
        match self.at(index)? {
            (Field::Null, _) => Ok(None),
            (Field::Int(i), _) => Ok(Some(i)),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn bool(&self, index: usize) -> Result<bool, Refusal> {
        match self.at(index)? {
            (Field::Bool(flag), _) => Ok(flag),
            (_, pointer) => Err(Refusal::payload(pointer)),
        }
    }

    fn side(&self, index: usize) -> Result<Side, Refusal> {
        let text = self.str(index)?;
        Side::parse(text).ok_or_else(|| Refusal::payload("/payload/side"))
    }
}

/// Validate one input; `Err` carries the first failing check.
pub fn parse_input<V: JsonView>(obj: &V) -> Result<ParsedInput<'_>, Refusal> {
    parse_input_with(obj, false)
}

/// `parse_input` for an input object some of whose own keys could not be represented
/// (a Python dict with a non-`str` or lone-surrogate key: the binding keeps the
/// representable keys and sets `has_bad_key`). Python looks up `kind` first and
/// refuses such an object at `""` only when its kind is valid; this does the same.
pub fn parse_input_with<V: JsonView>(obj: &V, has_bad_key: bool) -> Result<ParsedInput<'_>, Refusal> {
    if !matches!(obj.view(), View::Object(_)) {
        return Err(Refusal::payload(""));
    }
    match obj.get("kind").and_then(JsonView::str_value) {
        Some("event") => parse_event(obj, has_bad_key),
        Some("intent") => parse_intent(obj, has_bad_key),
        _ => Err(Refusal::payload("/kind")),
    }
}

fn parse_event<V: JsonView>(obj: &V, has_bad_key: bool) -> Result<ParsedInput<'_>, Refusal> {
    let v = check_keys(obj, EVENT_KEYS, "", has_bad_key)?;
    let field = |index: usize, pointer: &'static str| slot(&v, index).ok_or_else(|| Refusal::payload(pointer));
    let seq_id = int_in(field(1, "/seq_id")?, 1).ok_or_else(|| Refusal::payload("/seq_id"))?;
    let event_time = int_in(field(2, "/event_time")?, 0).ok_or_else(|| Refusal::payload("/event_time"))?;
    int_in(field(3, "/ingest_time")?, 0).ok_or_else(|| Refusal::payload("/ingest_time"))?;
    let source =
        field(4, "/source")?.str_value().and_then(Source::parse).ok_or_else(|| Refusal::payload("/source"))?;
    let needs_place = matches!(source, Source::MarketData | Source::BrokerReport);
    let venue = place_part(field(5, "/venue")?, needs_place).ok_or_else(|| Refusal::payload("/venue"))?;
    let instrument =
        place_part(field(6, "/instrument")?, needs_place).ok_or_else(|| Refusal::payload("/instrument"))?;
    let event_type = field(7, "/event_type")?
        .str_value()
        .and_then(EventType::parse)
        .filter(|t| t.source() == source)
        .ok_or_else(|| Refusal::payload("/event_type"))?;
    // payload is declared before idempotency_key and producer, so it is checked first
    let spec = event_type.fields();
    let mut fields = parse_payload(field(8, "/payload")?, spec)?;
    let key = field(9, "/idempotency_key")?;
    let idempotency_key = if is_null(key) {
        None
    } else {
        Some(identifier(key).ok_or_else(|| Refusal::payload("/idempotency_key"))?)
    };
    let producer = int_in(field(10, "/producer")?, 0).ok_or_else(|| Refusal::payload("/producer"))?;
    parse_numbers(&mut fields, spec)?;
    let r = Reader { fields: &fields, spec };
    let payload = match event_type {
        EventType::Bar => {
            let bar = BarPayload {
                open: r.dec(0)?,
                high: r.dec(1)?,
                low: r.dec(2)?,
                close: r.dec(3)?,
                volume: r.dec(4)?,
                timeframe_ms: r.int(5)?,
            };
            check_bar(&bar)?;
            EventPayload::Bar(bar)
        }
        EventType::Trade => EventPayload::Trade {
            price: r.dec(0)?,
            amount: r.dec(1)?,
            side: r.side(2)?,
            trade_id: r.str(3)?,
        },
        EventType::OrderAccepted => EventPayload::OrderAccepted { order_id: r.str(0)? },
        EventType::OrderRejected => EventPayload::OrderRejected { order_id: r.str(0)?, reason: r.str(1)? },
        EventType::OrderFilled => EventPayload::OrderFilled {
            order_id: r.str(0)?,
            fill_id: r.str(1)?,
            qty: r.dec(2)?,
            price: r.dec(3)?,
            fee: r.opt_dec(4)?,
        },
        EventType::OrderCancelled => EventPayload::OrderCancelled { order_id: r.str(0)? },
        EventType::CancelRejected => EventPayload::CancelRejected { order_id: r.str(0)?, reason: r.str(1)? },
        EventType::OrderExpired => EventPayload::OrderExpired { order_id: r.str(0)? },
        EventType::Timer => EventPayload::Timer { name: r.str(0)? },
        EventType::KillSwitch => EventPayload::KillSwitch { enabled: r.bool(0)? },
    };
    Ok(ParsedInput {
        seq_id,
        body: Body::Event(Event {
            event_time,
            source,
            venue,
            instrument,
            event_type,
            payload,
            idempotency_key,
            producer,
        }),
    })
}

/// venue / instrument: an identifier, or null where the source has no place.
fn place_part<V: JsonView>(value: &V, needs_place: bool) -> Option<Option<&str>> {
    if is_null(value) && !needs_place {
        return Some(None);
    }
    identifier(value).map(Some)
}

pub(crate) fn check_bar(bar: &BarPayload) -> Result<(), Refusal> {
    if bar.high < bar.low {
        return Err(Refusal::new(Code::InvalidNumber, "/payload/high"));
    }
    if !(bar.low <= bar.open && bar.open <= bar.high) {
        return Err(Refusal::new(Code::InvalidNumber, "/payload/open"));
    }
    if !(bar.low <= bar.close && bar.close <= bar.high) {
        return Err(Refusal::new(Code::InvalidNumber, "/payload/close"));
    }
    if bar.volume < 0 {
        return Err(Refusal::new(Code::InvalidNumber, "/payload/volume"));
    }
    Ok(())
}

fn parse_intent<V: JsonView>(obj: &V, has_bad_key: bool) -> Result<ParsedInput<'_>, Refusal> {
    let v = check_keys(obj, INTENT_KEYS, "", has_bad_key)?;
    let field = |index: usize, pointer: &'static str| slot(&v, index).ok_or_else(|| Refusal::payload(pointer));
    let seq_id = int_in(field(1, "/seq_id")?, 1).ok_or_else(|| Refusal::payload("/seq_id"))?;
    let (name, spec) = match field(2, "/intent_type")?.str_value() {
        Some("place_order") => ("place_order", PLACE_ORDER),
        Some("cancel_order") => ("cancel_order", CANCEL_ORDER),
        Some("replace_order") => ("replace_order", REPLACE_ORDER),
        Some("set_risk_flag") => ("set_risk_flag", SET_RISK_FLAG),
        Some("noop") => ("noop", NOOP),
        _ => return Err(Refusal::payload("/intent_type")),
    };
    let payload = field(3, "/payload")?;
    let mut fields = parse_payload(payload, spec)?;
    let is_null = |index: usize| matches!(fields.get(index), Some(Field::Null));
    if name == "place_order" {
        // Cross-field shape (needs no parsed number, so it belongs to phase 1).
        let order_type = match fields.get(5) {
            Some(Field::Str(text)) => OrderType::parse(text),
            _ => None,
        }
        .ok_or_else(|| Refusal::payload("/payload/order_type"))?;
        let (has_limit, has_stop) = (!is_null(7), !is_null(8));
        if has_limit != order_type.has_limit() {
            return Err(Refusal::payload("/payload/limit_price"));
        }
        if has_stop != order_type.has_stop() {
            return Err(Refusal::payload("/payload/stop_price"));
        }
        if let (Some(Field::Str(parent)), Some(Field::Str(order_id))) = (fields.get(11), fields.get(1)) {
            if parent == order_id {
                return Err(Refusal::payload("/payload/parent_order_id"));
            }
        }
    } else if name == "replace_order" && is_null(1) && is_null(2) && is_null(3) {
        return Err(Refusal::payload("/payload"));
    }
    parse_numbers(&mut fields, spec)?;
    let r = Reader { fields: &fields, spec };
    let intent = match name {
        "place_order" => Intent::PlaceOrder(PlaceOrder {
            intent_id: r.str(0)?,
            order_id: r.str(1)?,
            instrument: r.str(2)?,
            venue: r.str(3)?,
            side: r.side(4)?,
            order_type: OrderType::parse(r.str(5)?).ok_or_else(|| Refusal::payload("/payload/order_type"))?,
            qty: r.dec(6)?,
            limit_price: r.opt_dec(7)?,
            stop_price: r.opt_dec(8)?,
            time_in_force: TimeInForce::parse(r.str(9)?)
                .ok_or_else(|| Refusal::payload("/payload/time_in_force"))?,
            expire_time: r.opt_int(10)?,
            parent_order_id: r.opt_str(11)?,
            oco_group: r.opt_str(12)?,
            strategy_id: r.str(13)?,
        }),
        "cancel_order" => Intent::CancelOrder { order_id: r.str(0)? },
        "replace_order" => Intent::ReplaceOrder {
            order_id: r.str(0)?,
            qty: r.opt_dec(1)?,
            limit_price: r.opt_dec(2)?,
            stop_price: r.opt_dec(3)?,
        },
        "set_risk_flag" => Intent::SetRiskFlag {
            name: if r.str(0)? == "kill_switch" { RiskFlag::KillSwitch } else { RiskFlag::AllowShort },
            value: r.bool(1)?,
        },
        _ => Intent::Noop,
    };
    Ok(ParsedInput { seq_id, body: Body::Intent(intent) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json::parse_str;

    fn refusal(text: &str) -> (Code, String) {
        let value = parse_str(text).unwrap();
        let error = parse_input(&value).unwrap_err();
        (error.code, error.field.into_owned())
    }

    const BAR_OK: &str = r#"{"kind":"event","seq_id":1,"event_time":10,"ingest_time":10,"source":"market_data","venue":"v","instrument":"i","event_type":"bar","payload":{"open":"1","high":"2","low":"0.5","close":"1.5","volume":"3","timeframe_ms":60000},"idempotency_key":null,"producer":0}"#;

    #[test]
    fn parses_a_bar() {
        let value = parse_str(BAR_OK).unwrap();
        let parsed = parse_input(&value).unwrap();
        assert_eq!(parsed.seq_id, 1);
        let Body::Event(event) = parsed.body else { panic!("not an event") };
        assert_eq!(event.venue, Some("v"));
        assert_eq!(
            event.payload,
            EventPayload::Bar(BarPayload {
                open: 1_000_000_000,
                high: 2_000_000_000,
                low: 500_000_000,
                close: 1_500_000_000,
                volume: 3_000_000_000,
                timeframe_ms: 60000
            })
        );
    }

    #[test]
    fn shape_before_numbers_and_first_failure_wins() {
        let code = |c: Code, f: &str| (c, f.to_string());
        assert_eq!(refusal("[]"), code(Code::InvalidPayload, ""));
        assert_eq!(refusal(r#"{"kind":"x"}"#), code(Code::InvalidPayload, "/kind"));
        // unknown keys before missing ones; the smallest unknown key is reported
        assert_eq!(refusal(r#"{"kind":"intent","zz":1,"a/b":2}"#), code(Code::InvalidPayload, "/a~1b"));
        assert_eq!(refusal(r#"{"kind":"intent","seq_id":1}"#), code(Code::InvalidPayload, "/intent_type"));
        // an invalid number in the payload loses to a bad producer (shape phase first)
        let bad = BAR_OK.replace(r#""open":"1""#, r#""open":"x""#).replace(r#""producer":0"#, r#""producer":-1"#);
        assert_eq!(refusal(&bad), code(Code::InvalidPayload, "/producer"));
        let bad = BAR_OK.replace(r#""open":"1""#, r#""open":"x""#);
        assert_eq!(refusal(&bad), code(Code::InvalidNumber, "/payload/open"));
        // invalid_number beats an earlier overflow
        let bad = BAR_OK.replace(r#""open":"1""#, r#""open":"1e99""#).replace(r#""low":"0.5""#, r#""low":"NaN""#);
        assert_eq!(refusal(&bad), code(Code::InvalidNumber, "/payload/low"));
        let bad = BAR_OK.replace(r#""open":"1""#, r#""open":1e999"#);
        assert_eq!(refusal(&bad), code(Code::InvalidNumber, "/payload/open"));
        let big = "9".repeat(70);
        let bad = BAR_OK.replace(r#""open":"1""#, &format!(r#""open":{big}"#));
        assert_eq!(refusal(&bad), code(Code::NumericOverflow, "/payload/open"));
        let bad = BAR_OK.replace(r#""high":"2""#, r#""high":"0.1""#);
        assert_eq!(refusal(&bad), code(Code::InvalidNumber, "/payload/high"));
        let bad = BAR_OK.replace(r#""source":"market_data""#, r#""source":"timer""#);
        assert_eq!(refusal(&bad), code(Code::InvalidPayload, "/event_type"));
        let bad = BAR_OK.replace(r#""venue":"v""#, r#""venue":null"#);
        assert_eq!(refusal(&bad), code(Code::InvalidPayload, "/venue"));
        let bad = BAR_OK.replace(r#""instrument":"i""#, r#""instrument":"a\u0007""#);
        assert_eq!(refusal(&bad), code(Code::InvalidPayload, "/instrument"));
    }

    #[test]
    fn place_order_cross_field_checks() {
        let place = |order_type: &str, limit: &str, stop: &str, parent: &str, qty: &str| {
            format!(
                r#"{{"kind":"intent","seq_id":2,"intent_type":"place_order","payload":{{"intent_id":"i1","order_id":"o1","instrument":"x","venue":"v","side":"buy","order_type":"{order_type}","qty":{qty},"limit_price":{limit},"stop_price":{stop},"time_in_force":"gtc","expire_time":null,"parent_order_id":{parent},"oco_group":null,"strategy_id":"s"}}}}"#
            )
        };
        assert!(parse_input(&parse_str(&place("limit", "1", "null", "null", "1")).unwrap()).is_ok());
        assert_eq!(refusal(&place("limit", "null", "null", "null", "1")).1, "/payload/limit_price");
        assert_eq!(refusal(&place("market", "null", "2", "null", "1")).1, "/payload/stop_price");
        assert_eq!(refusal(&place("market", "null", "null", "\"o1\"", "1")).1, "/payload/parent_order_id");
        assert_eq!(refusal(&place("market", "null", "null", "null", "0")), (Code::InvalidNumber, "/payload/qty".into()));
        // shape problems beat number problems anywhere
        assert_eq!(refusal(&place("limit", "null", "null", "null", "\"x\"")).1, "/payload/limit_price");
    }

    #[test]
    fn bad_top_level_key_refuses_at_root_only_for_valid_kinds() {
        let value = parse_str(r#"{"kind":"intent","seq_id":1,"intent_type":"noop","payload":{}}"#).unwrap();
        assert!(parse_input_with(&value, false).is_ok());
        assert_eq!(parse_input_with(&value, true).unwrap_err().field, "");
        let value = parse_str(r#"{"seq_id":1}"#).unwrap();
        assert_eq!(parse_input_with(&value, true).unwrap_err().field, "/kind");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier_str("a"));
        assert!(is_identifier_str(&"é".repeat(128)));
        assert!(!is_identifier_str(&"é".repeat(129)));
        assert!(!is_identifier_str(""));
        assert!(!is_identifier_str("a\u{7f}"));
        assert!(!is_identifier_str("a\u{9f}"));
        assert!(is_identifier_str("a\u{a0}"));
    }
}
