//! Python objects <-> the core's data, for `core.rs`.
//!
//! Inputs: the core reads only the top-level object, its `payload` object and scalar
//! fields, so `input_to_value` converts exactly that much: any container found where a
//! scalar belongs is not walked (it is refused at that field either way). A hostile
//! input (a list that contains itself a thousand times, a dict nested a million deep)
//! therefore costs what its top two levels cost. Keys and enum-like values come from a
//! small vocabulary and are borrowed from a static table (`JsonRef<'static>`); only
//! free-form strings (ids, venues, decimal text) are copied.
//!
//! Snapshots: `snapshot_to_value` converts along the shape of `core_snapshot` (no
//! deeper than the schema has containers), exact JSON types only (D-251).
//!
//! Outputs: `result_to_py` builds the result dicts directly (interned keys and code
//! strings, one `PyString` per decimal), never through JSON text.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use cracktrader_rust::engine::errors::EngineError;
use cracktrader_rust::engine::fast_input::{self, Fields, Tok};
use cracktrader_rust::engine::inputs::ParsedInput;
use cracktrader_rust::engine::numbers::{write_decimal, Raw};
use cracktrader_rust::engine::orders::{Reason, Side, State, Transition};
use cracktrader_rust::engine::results::{Code, Fill, PositionDelta, ResultView};
use cracktrader_rust::engine::value::{JsonRef, Value};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

// ------------------------------------------------------------------ inputs

/// The typed fast path for input dicts (`fast_input`): the items of every input
/// dict (and of its payload dict) are gathered first and kept alive, so that the
/// typed inputs can borrow their text in place (no copy) while the core runs
/// without the interpreter lock. An input the fast path cannot read (not exact
/// types, unknown keys, any refusal) takes `input_to_value` and the reference path.
pub struct Gathered<'py> {
    items: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    /// Per input: its top-level items and its payload's items in `items`; `None` when
    /// it is not an exact dict whose `payload` is an exact dict.
    spans: Vec<Option<(Range<usize>, Range<usize>)>>,
}

impl<'py> Gathered<'py> {
    /// Gather the items of `inputs` (in order).
    pub fn new(inputs: &[Bound<'py, PyAny>]) -> Self {
        let mut gathered = Gathered { items: Vec::new(), spans: Vec::with_capacity(inputs.len()) };
        for input in inputs {
            let span = gathered.gather(input);
            gathered.spans.push(span);
        }
        gathered
    }

    fn gather(&mut self, input: &Bound<'py, PyAny>) -> Option<(Range<usize>, Range<usize>)> {
        let dict = input.cast_exact::<PyDict>().ok()?;
        let start = self.items.len();
        let mut payload: Option<Bound<'py, PyDict>> = None;
        for (key, value) in dict.iter() {
            if payload.is_none() && key.cast_exact::<PyString>().is_ok_and(|k| k.to_str().is_ok_and(|k| k == "payload")) {
                payload = value.cast_exact::<PyDict>().ok().cloned();
                payload.as_ref()?;
            }
            self.items.push((key, value));
        }
        let top = start..self.items.len();
        let payload = payload?;
        let payload_start = self.items.len();
        self.items.extend(payload.iter());
        Some((top, payload_start..self.items.len()))
    }

    /// Input `index` as a typed input, when the fast path can read it.
    pub fn parse<'g>(&'g self, index: usize, fields: &mut Fields<'g>) -> Option<ParsedInput<'g>> {
        let (top, payload) = self.spans.get(index)?.clone()?;
        fields.clear();
        for (key, value) in self.items.get(top)? {
            let key = key.cast_exact::<PyString>().ok()?.to_str().ok()?;
            if key == "payload" {
                if !fields.open_payload() {
                    return None;
                }
                for (key, value) in self.items.get(payload.clone())? {
                    let key = key.cast_exact::<PyString>().ok()?.to_str().ok()?;
                    if !fields.set_payload(key, token(value)?) {
                        return None;
                    }
                }
            } else if !fields.set_top(key, token(value)?) {
                return None;
            }
        }
        fast_input::build(fields)
    }
}

/// An exact JSON scalar as the fast path reads it (`None`: anything else).
fn token<'a>(value: &'a Bound<'_, PyAny>) -> Option<Tok<'a>> {
    if let Ok(text) = value.cast_exact::<PyString>() {
        return text.to_str().ok().map(Tok::Str);
    }
    if value.is_none() {
        return Some(Tok::Null);
    }
    if let Ok(flag) = value.cast_exact::<PyBool>() {
        return Some(Tok::Bool(flag.is_true()));
    }
    if value.is_exact_instance_of::<PyInt>() {
        return value.extract::<i64>().ok().map(Tok::Int);
    }
    None
}

/// Every key and enum-like value an input can hold, as a `&'static str` instead of a
/// fresh `String` (most of an input's strings are these). A `match` compiles to a
/// switch on the length and one or two comparisons.
fn known(text: &str) -> Option<&'static str> {
    Some(match text {
        "kind" => "kind",
        "seq_id" => "seq_id",
        "event_time" => "event_time",
        "ingest_time" => "ingest_time",
        "source" => "source",
        "venue" => "venue",
        "instrument" => "instrument",
        "event_type" => "event_type",
        "payload" => "payload",
        "idempotency_key" => "idempotency_key",
        "producer" => "producer",
        "intent_type" => "intent_type",
        "event" => "event",
        "intent" => "intent",
        "open" => "open",
        "high" => "high",
        "low" => "low",
        "close" => "close",
        "volume" => "volume",
        "timeframe_ms" => "timeframe_ms",
        "price" => "price",
        "amount" => "amount",
        "side" => "side",
        "trade_id" => "trade_id",
        "order_id" => "order_id",
        "reason" => "reason",
        "fill_id" => "fill_id",
        "qty" => "qty",
        "fee" => "fee",
        "name" => "name",
        "enabled" => "enabled",
        "intent_id" => "intent_id",
        "order_type" => "order_type",
        "limit_price" => "limit_price",
        "stop_price" => "stop_price",
        "time_in_force" => "time_in_force",
        "expire_time" => "expire_time",
        "parent_order_id" => "parent_order_id",
        "oco_group" => "oco_group",
        "strategy_id" => "strategy_id",
        "value" => "value",
        "market_data" => "market_data",
        "broker_report" => "broker_report",
        "timer" => "timer",
        "control" => "control",
        "bar" => "bar",
        "trade" => "trade",
        "order_accepted" => "order_accepted",
        "order_rejected" => "order_rejected",
        "order_filled" => "order_filled",
        "order_cancelled" => "order_cancelled",
        "cancel_rejected" => "cancel_rejected",
        "order_expired" => "order_expired",
        "kill_switch" => "kill_switch",
        "place_order" => "place_order",
        "cancel_order" => "cancel_order",
        "replace_order" => "replace_order",
        "set_risk_flag" => "set_risk_flag",
        "noop" => "noop",
        "buy" => "buy",
        "sell" => "sell",
        "market" => "market",
        "limit" => "limit",
        "stop" => "stop",
        "stop_limit" => "stop_limit",
        "gtc" => "gtc",
        "ioc" => "ioc",
        "fok" => "fok",
        "allow_short" => "allow_short",
        _ => return None,
    })
}

fn text_of(text: &str) -> Cow<'static, str> {
    match known(text) {
        Some(word) => Cow::Borrowed(word),
        None => Cow::Owned(text.to_owned()),
    }
}

/// A core input: the converted object and whether any of its own keys could not be
/// represented (non-`str`, `str` subclass, or lone surrogate), which the core refuses
/// at `""` exactly where Python's `_check_keys` does.
pub fn input_to_value(obj: &Bound<'_, PyAny>) -> (JsonRef<'static>, bool) {
    let Ok(dict) = obj.cast_exact::<PyDict>() else { return (UNREPRESENTABLE, false) };
    let mut bad_key = false;
    let mut pairs = Vec::with_capacity(dict.len());
    for (key, item) in dict.iter() {
        match key.cast_exact::<PyString>() {
            Ok(text) => match text.to_str() {
                Ok(text) => pairs.push((text_of(text), field_value(&item, true))),
                Err(_) => bad_key = true,
            },
            Err(_) => {
                bad_key = true;
                // A str subclass key still answers Python's `obj.get("kind")`.
                if let Ok(text) = key.cast::<PyString>() {
                    if let Ok(text) = text.to_str() {
                        pairs.push((text_of(text), field_value(&item, true)));
                    }
                }
            }
        }
    }
    (JsonRef::Object(pairs), bad_key)
}

/// Stands for a Python object no JSON type maps onto (`Value::Unrepresentable`): a
/// empty array is never accepted where the core reads a scalar or an object,
/// so it is refused as `invalid_payload` at its field, like any array would be.
const UNREPRESENTABLE: JsonRef<'static> = JsonRef::Array(Vec::new());

/// A scalar, or (when `payload_level`) the payload object one level down.
fn field_value(obj: &Bound<'_, PyAny>, payload_level: bool) -> JsonRef<'static> {
    if let Some(value) = exact_scalar_ref(obj) {
        return value;
    }
    if payload_level {
        if let Ok(dict) = obj.cast_exact::<PyDict>() {
            let mut pairs = Vec::with_capacity(dict.len());
            for (key, item) in dict.iter() {
                // any bad key makes the whole payload unusable: Python refuses it at
                // "/payload" before looking at a single field
                let Ok(key) = key.cast_exact::<PyString>() else { return UNREPRESENTABLE };
                let Ok(key) = key.to_str() else { return UNREPRESENTABLE };
                pairs.push((text_of(key), field_value(&item, false)));
            }
            return JsonRef::Object(pairs);
        }
    }
    UNREPRESENTABLE
}

/// JSON's exact scalar types (D-007) as a `JsonRef`; `None` for anything else.
fn exact_scalar_ref(obj: &Bound<'_, PyAny>) -> Option<JsonRef<'static>> {
    if let Ok(text) = obj.cast_exact::<PyString>() {
        return Some(match text.to_str() {
            Ok(s) => JsonRef::Str(text_of(s)),
            Err(_) => UNREPRESENTABLE,
        });
    }
    Some(match exact_scalar(obj)? {
        Value::Null => JsonRef::Null,
        Value::Bool(b) => JsonRef::Bool(b),
        Value::Int(i) => JsonRef::Int(i),
        Value::BigInt { negative } => JsonRef::BigInt { negative },
        Value::Float(f) => JsonRef::Float(f),
        Value::Str(s) => JsonRef::Str(Cow::Owned(s)),
        _ => UNREPRESENTABLE,
    })
}

/// JSON's exact scalar types (D-007); `None` for anything else.
fn exact_scalar(obj: &Bound<'_, PyAny>) -> Option<Value> {
    if let Ok(text) = obj.cast_exact::<PyString>() {
        return Some(match text.to_str() {
            Ok(s) => Value::Str(s.to_owned()),
            Err(_) => Value::Unrepresentable,
        });
    }
    if obj.is_none() {
        return Some(Value::Null);
    }
    if let Ok(flag) = obj.cast_exact::<PyBool>() {
        return Some(Value::Bool(flag.is_true()));
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return Some(int_value(obj));
    }
    if let Ok(float) = obj.cast_exact::<PyFloat>() {
        return Some(Value::Float(float.value()));
    }
    None
}

fn int_value(obj: &Bound<'_, PyAny>) -> Value {
    match obj.extract::<i128>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::BigInt { negative: obj.lt(0).unwrap_or(false) },
    }
}

/// The `config=` argument: `None`, or a dict (subclasses too, as Python's
/// `isinstance(config, dict)`) of scalars. Anything else is `InvalidConfig`.
pub fn config_to_value(obj: Option<&Bound<'_, PyAny>>) -> Result<Option<Value>, EngineError> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(None) };
    let Ok(dict) = obj.cast::<PyDict>() else { return Err(EngineError::config("config must be a dict")) };
    let mut pairs = Vec::with_capacity(dict.len());
    for (key, item) in dict.iter() {
        let key = key.cast::<PyString>().ok().and_then(|k| k.to_str().ok().map(str::to_owned));
        let Some(key) = key else {
            return Err(EngineError::config("unknown config key (config keys are str)"));
        };
        pairs.push((key, exact_scalar(&item).unwrap_or(Value::Unrepresentable)));
    }
    Ok(Some(Value::Object(pairs)))
}

// --------------------------------------------------------------- snapshots

/// Container depth allowed below each top-level snapshot key (the schema's shape).
fn snapshot_depth(key: &str) -> usize {
    match key {
        "positions" | "last_bar" | "last_price" => 3,
        "orders" => 2,
        "config" | "risk_flags" | "stream_times" | "applied_keys" => 1,
        _ => 0,
    }
}

/// Convert a snapshot for `restore`, along the schema's shape. Exact JSON types only
/// (D-251, as for inputs): anything else becomes `Unrepresentable` and is refused.
pub fn snapshot_to_value(obj: &Bound<'_, PyAny>) -> Value {
    let Ok(dict) = obj.cast_exact::<PyDict>() else { return Value::Unrepresentable };
    let mut pairs = Vec::with_capacity(dict.len());
    for (key, item) in dict.iter() {
        let Some(key) = exact_key(&key) else { return Value::Unrepresentable };
        let depth = snapshot_depth(&key);
        pairs.push((key, shaped(&item, depth)));
    }
    Value::Object(pairs)
}

fn exact_key(key: &Bound<'_, PyAny>) -> Option<String> {
    key.cast_exact::<PyString>().ok().and_then(|k| k.to_str().ok().map(str::to_owned))
}

/// Exact JSON types; containers only while `depth > 0` (the schema has none deeper).
fn shaped(obj: &Bound<'_, PyAny>, depth: usize) -> Value {
    if let Some(value) = exact_scalar(obj) {
        return value;
    }
    if depth == 0 {
        return Value::Unrepresentable;
    }
    let below = depth.saturating_sub(1);
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        let mut pairs = Vec::with_capacity(dict.len());
        for (key, item) in dict.iter() {
            let Some(key) = exact_key(&key) else { return Value::Unrepresentable };
            pairs.push((key, shaped(&item, below)));
        }
        return Value::Object(pairs);
    }
    if let Ok(list) = obj.cast_exact::<PyList>() {
        return Value::Array(list.iter().map(|item| shaped(&item, below)).collect());
    }
    Value::Unrepresentable
}

/// A `Value` (from the core's own canonical JSON) as plain Python objects.
pub fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null | Value::Unrepresentable | Value::BigInt { .. } => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Str(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(pairs) => {
            let dict = PyDict::new(py);
            for (key, item) in pairs {
                dict.set_item(key, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

// ----------------------------------------------------------------- results

/// Interned strings of every key and enum value a result can hold.
struct Names {
    seq_id: Py<PyString>,
    accepted: Py<PyString>,
    code: Py<PyString>,
    transitions: Py<PyString>,
    fills: Py<PyString>,
    cash_delta: Py<PyString>,
    position_deltas: Py<PyString>,
    late: Py<PyString>,
    diagnostics: Py<PyString>,
    field: Py<PyString>,
    order_id: Py<PyString>,
    from: Py<PyString>,
    to: Py<PyString>,
    filled_qty: Py<PyString>,
    remaining_qty: Py<PyString>,
    avg_fill_price: Py<PyString>,
    reason: Py<PyString>,
    fill_id: Py<PyString>,
    venue: Py<PyString>,
    instrument: Py<PyString>,
    side: Py<PyString>,
    qty: Py<PyString>,
    price: Py<PyString>,
    fee: Py<PyString>,
    size_delta: Py<PyString>,
    realized_pnl_delta: Py<PyString>,
    zero: Py<PyString>,
    codes: Vec<(Code, Py<PyString>)>,
    states: Vec<(State, Py<PyString>)>,
    reasons: Vec<(Reason, Py<PyString>)>,
    buy: Py<PyString>,
    sell: Py<PyString>,
    /// Dicts with every key of a result, transition, fill, position delta and
    /// diagnostic (values None), in Python's insertion order: copying one copies its
    /// key table at once, then each value is a replace, never an insert or a resize.
    result_template: Py<PyDict>,
    transition_template: Py<PyDict>,
    fill_template: Py<PyDict>,
    delta_template: Py<PyDict>,
    diagnostic_template: Py<PyDict>,
}

fn template(py: Python<'_>, keys: &[&Py<PyString>]) -> Py<PyDict> {
    let dict = PyDict::new(py);
    for key in keys {
        // inserting None under an interned str cannot fail short of memory exhaustion
        let _ = dict.set_item(key.bind(py), py.None());
    }
    dict.unbind()
}

static NAMES: PyOnceLock<Names> = PyOnceLock::new();

const ALL_CODES: [Code; 16] = [
    Code::Ok,
    Code::Duplicate,
    Code::InvalidPayload,
    Code::InvalidNumber,
    Code::NumericOverflow,
    Code::OutOfSequence,
    Code::LateEvent,
    Code::UnknownOrder,
    Code::DuplicateOrderId,
    Code::IllegalTransition,
    Code::FillBeforeAccept,
    Code::Overfill,
    Code::KillSwitch,
    Code::RiskLimit,
    Code::InsufficientPosition,
    Code::InsufficientCash,
];
const ALL_REASONS: [Reason; 6] = [
    Reason::InsufficientCash,
    Reason::TimeInForce,
    Reason::Oco,
    Reason::ParentEnded,
    Reason::ParentFilled,
    Reason::ExpireTime,
];

fn names(py: Python<'_>) -> &Names {
    NAMES.get_or_init(py, || {
        let s = |text: &str| PyString::intern(py, text).unbind();
        let k = |texts: &[&str]| -> Py<PyDict> {
            let keys: Vec<Py<PyString>> = texts.iter().map(|t| s(t)).collect();
            template(py, &keys.iter().collect::<Vec<_>>())
        };
        Names {
            result_template: k(&[
                "seq_id", "accepted", "code", "transitions", "fills", "cash_delta", "position_deltas", "late",
                "diagnostics",
            ]),
            transition_template: k(&[
                "order_id", "from", "to", "filled_qty", "remaining_qty", "avg_fill_price", "reason",
            ]),
            fill_template: k(&["order_id", "fill_id", "venue", "instrument", "side", "qty", "price", "fee"]),
            delta_template: k(&["venue", "instrument", "size_delta", "realized_pnl_delta"]),
            diagnostic_template: k(&["code", "field"]),
            seq_id: s("seq_id"),
            accepted: s("accepted"),
            code: s("code"),
            transitions: s("transitions"),
            fills: s("fills"),
            cash_delta: s("cash_delta"),
            position_deltas: s("position_deltas"),
            late: s("late"),
            diagnostics: s("diagnostics"),
            field: s("field"),
            order_id: s("order_id"),
            from: s("from"),
            to: s("to"),
            filled_qty: s("filled_qty"),
            remaining_qty: s("remaining_qty"),
            avg_fill_price: s("avg_fill_price"),
            reason: s("reason"),
            fill_id: s("fill_id"),
            venue: s("venue"),
            instrument: s("instrument"),
            side: s("side"),
            qty: s("qty"),
            price: s("price"),
            fee: s("fee"),
            size_delta: s("size_delta"),
            realized_pnl_delta: s("realized_pnl_delta"),
            zero: s("0"),
            codes: ALL_CODES.iter().map(|c| (*c, s(c.as_str()))).collect(),
            states: State::ALL.iter().map(|st| (*st, s(st.as_str()))).collect(),
            reasons: ALL_REASONS.iter().map(|r| (*r, s(r.as_str()))).collect(),
            buy: s("buy"),
            sell: s("sell"),
        }
    })
}

fn lookup<'a, T: PartialEq>(table: &'a [(T, Py<PyString>)], key: T, fallback: &'a Py<PyString>) -> &'a Py<PyString> {
    table.iter().find(|(k, _)| *k == key).map_or(fallback, |(_, v)| v)
}

/// Reused text buffer for decimals.
struct Decimals(String);

impl Decimals {
    fn py<'py>(&mut self, py: Python<'py>, names: &Names, raw: Raw) -> Bound<'py, PyString> {
        if raw == 0 {
            return names.zero.bind(py).clone();
        }
        self.0.clear();
        write_decimal(&mut self.0, raw);
        PyString::new(py, &self.0)
    }

    fn opt<'py>(&mut self, py: Python<'py>, names: &Names, raw: Option<Raw>) -> Bound<'py, PyAny> {
        match raw {
            Some(raw) => self.py(py, names, raw).into_any(),
            None => py.None().into_bound(py),
        }
    }
}

/// The result dict, with the same keys (in the same insertion order) as Python's.
pub fn result_to_py<'py>(py: Python<'py>, result: &ResultView<'_>) -> PyResult<Bound<'py, PyDict>> {
    let n = names(py);
    let mut decimals = Decimals(String::with_capacity(48));
    let dict = n.result_template.bind(py).copy()?;
    match result.seq_id {
        Some(seq) => dict.set_item(n.seq_id.bind(py), seq)?,
        None => dict.set_item(n.seq_id.bind(py), py.None())?,
    }
    dict.set_item(n.accepted.bind(py), result.accepted)?;
    let code = lookup(&n.codes, result.code, &n.zero);
    dict.set_item(n.code.bind(py), code.bind(py))?;
    let transitions = PyList::empty(py);
    for t in result.transitions {
        transitions.append(transition_to_py(py, n, &mut decimals, t)?)?;
    }
    dict.set_item(n.transitions.bind(py), transitions)?;
    let fills = PyList::empty(py);
    for fill in result.fills {
        fills.append(fill_to_py(py, n, &mut decimals, fill)?)?;
    }
    dict.set_item(n.fills.bind(py), fills)?;
    dict.set_item(n.cash_delta.bind(py), decimals.py(py, n, result.cash_delta))?;
    let deltas = PyList::empty(py);
    for delta in result.position_deltas {
        deltas.append(delta_to_py(py, n, &mut decimals, delta)?)?;
    }
    dict.set_item(n.position_deltas.bind(py), deltas)?;
    dict.set_item(n.late.bind(py), result.late)?;
    let diagnostics = PyList::empty(py);
    if let Some(diagnostic) = result.diagnostic {
        let d = n.diagnostic_template.bind(py).copy()?;
        d.set_item(n.code.bind(py), lookup(&n.codes, diagnostic.code, &n.zero).bind(py))?;
        d.set_item(n.field.bind(py), diagnostic.field.as_ref())?;
        diagnostics.append(d)?;
    }
    dict.set_item(n.diagnostics.bind(py), diagnostics)?;
    Ok(dict)
}

fn arc_str<'py>(py: Python<'py>, text: &Arc<str>) -> Bound<'py, PyString> {
    PyString::new(py, text)
}

fn transition_to_py<'py>(
    py: Python<'py>,
    n: &Names,
    decimals: &mut Decimals,
    t: &Transition,
) -> PyResult<Bound<'py, PyDict>> {
    let d = n.transition_template.bind(py).copy()?;
    d.set_item(n.order_id.bind(py), arc_str(py, &t.order_id))?;
    match t.from {
        Some(from) => d.set_item(n.from.bind(py), lookup(&n.states, from, &n.zero).bind(py))?,
        None => d.set_item(n.from.bind(py), py.None())?,
    }
    d.set_item(n.to.bind(py), lookup(&n.states, t.to, &n.zero).bind(py))?;
    d.set_item(n.filled_qty.bind(py), decimals.py(py, n, t.filled_qty))?;
    d.set_item(n.remaining_qty.bind(py), decimals.py(py, n, t.remaining_qty))?;
    d.set_item(n.avg_fill_price.bind(py), decimals.opt(py, n, t.avg_fill_price))?;
    match t.reason {
        Some(reason) => d.set_item(n.reason.bind(py), lookup(&n.reasons, reason, &n.zero).bind(py))?,
        None => d.set_item(n.reason.bind(py), py.None())?,
    }
    Ok(d)
}

fn fill_to_py<'py>(py: Python<'py>, n: &Names, decimals: &mut Decimals, fill: &Fill) -> PyResult<Bound<'py, PyDict>> {
    let d = n.fill_template.bind(py).copy()?;
    d.set_item(n.order_id.bind(py), arc_str(py, &fill.order_id))?;
    d.set_item(n.fill_id.bind(py), fill.fill_id.as_str())?;
    d.set_item(n.venue.bind(py), arc_str(py, &fill.venue))?;
    d.set_item(n.instrument.bind(py), arc_str(py, &fill.instrument))?;
    let side = if fill.side == Side::Buy { &n.buy } else { &n.sell };
    d.set_item(n.side.bind(py), side.bind(py))?;
    d.set_item(n.qty.bind(py), decimals.py(py, n, fill.qty))?;
    d.set_item(n.price.bind(py), decimals.py(py, n, fill.price))?;
    d.set_item(n.fee.bind(py), decimals.py(py, n, fill.fee))?;
    Ok(d)
}

fn delta_to_py<'py>(
    py: Python<'py>,
    n: &Names,
    decimals: &mut Decimals,
    delta: &PositionDelta,
) -> PyResult<Bound<'py, PyDict>> {
    let d = n.delta_template.bind(py).copy()?;
    d.set_item(n.venue.bind(py), arc_str(py, &delta.venue))?;
    d.set_item(n.instrument.bind(py), arc_str(py, &delta.instrument))?;
    d.set_item(n.size_delta.bind(py), decimals.py(py, n, delta.size_delta))?;
    d.set_item(n.realized_pnl_delta.bind(py), decimals.py(py, n, delta.realized_pnl_delta))?;
    Ok(d)
}
