//! Twin of `cracktrader/engine/results.py`: building `transition_result` documents,
//! and writing them as canonical JSON (keys emitted in sorted order by hand).

use std::borrow::Cow;
use std::sync::Arc;

use super::canonical::{write_str, JsonWriter};
use super::numbers::{self, NumResult, Raw};
use super::orders::{KeyId, Side, Transition};
use super::value::Value;

/// A result or diagnostic code (`result_code` in codes.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Ok,
    Duplicate,
    InvalidPayload,
    InvalidNumber,
    NumericOverflow,
    OutOfSequence,
    LateEvent,
    UnknownOrder,
    DuplicateOrderId,
    IllegalTransition,
    FillBeforeAccept,
    Overfill,
    KillSwitch,
    RiskLimit,
    InsufficientPosition,
    InsufficientCash,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "ok",
            Code::Duplicate => "duplicate",
            Code::InvalidPayload => "invalid_payload",
            Code::InvalidNumber => "invalid_number",
            Code::NumericOverflow => "numeric_overflow",
            Code::OutOfSequence => "out_of_sequence",
            Code::LateEvent => "late_event",
            Code::UnknownOrder => "unknown_order",
            Code::DuplicateOrderId => "duplicate_order_id",
            Code::IllegalTransition => "illegal_transition",
            Code::FillBeforeAccept => "fill_before_accept",
            Code::Overfill => "overfill",
            Code::KillSwitch => "kill_switch",
            Code::RiskLimit => "risk_limit",
            Code::InsufficientPosition => "insufficient_position",
            Code::InsufficientCash => "insufficient_cash",
        }
    }
}

/// The one `{code, field}` of a refused result (D-010); `field` is a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub field: Cow<'static, str>,
}

/// One booked fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill {
    pub order_id: Arc<str>,
    pub fill_id: String,
    pub venue: Arc<str>,
    pub instrument: Arc<str>,
    pub side: Side,
    pub qty: Raw,
    pub price: Raw,
    pub fee: Raw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionDelta {
    pub venue: Arc<str>,
    pub instrument: Arc<str>,
    pub size_delta: Raw,
    pub realized_pnl_delta: Raw,
}

/// What one input did to a core (schema `transition_result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionResult {
    pub seq_id: Option<i64>,
    pub accepted: bool,
    pub code: Code,
    pub transitions: Vec<Transition>,
    pub fills: Vec<Fill>,
    pub cash_delta: Raw,
    pub position_deltas: Vec<PositionDelta>,
    pub late: bool,
    /// `Some` exactly when the input was refused.
    pub diagnostic: Option<Diagnostic>,
}

/// The largest seq_id (and timestamp): 2^63 - 1.
pub const MAX_I63: i128 = i64::MAX as i128;

/// The input's seq_id as given, when it is a valid seq_id (else null).
pub fn echo_seq_id(obj: &Value) -> Option<i64> {
    match obj.get("seq_id") {
        Some(Value::Int(seq)) if (1..=MAX_I63).contains(seq) => i64::try_from(*seq).ok(),
        _ => None,
    }
}

pub fn refused(seq_id: Option<i64>, code: Code, field: Cow<'static, str>) -> TransitionResult {
    TransitionResult {
        seq_id,
        accepted: false,
        code,
        transitions: Vec::new(),
        fills: Vec::new(),
        cash_delta: 0,
        position_deltas: Vec::new(),
        late: false,
        diagnostic: Some(Diagnostic { code, field }),
    }
}

pub fn accepted_without_effect(seq_id: i64, code: Code, late: bool) -> TransitionResult {
    TransitionResult {
        seq_id: Some(seq_id),
        accepted: true,
        code,
        transitions: Vec::new(),
        fills: Vec::new(),
        cash_delta: 0,
        position_deltas: Vec::new(),
        late,
        diagnostic: None,
    }
}

/// Collects the effects of one accepted input, in the order they happened.
#[derive(Debug, Default)]
pub struct ResultBuilder {
    pub transitions: Vec<Transition>,
    pub fills: Vec<Fill>,
    pub cash_delta: Raw,
    /// (key, size_delta, realized_pnl_delta), one entry per key, first-touch order.
    position_deltas: Vec<(KeyId, Raw, Raw)>,
}

impl ResultBuilder {
    pub fn new() -> Self {
        ResultBuilder::default()
    }

    pub fn add_position_delta(&mut self, key: KeyId, size_delta: Raw, pnl_delta: Raw) -> Result<(), numbers::NumError> {
        match self.position_deltas.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => {
                entry.1 = numbers::add(entry.1, size_delta)?;
                entry.2 = numbers::add(entry.2, pnl_delta)?;
            }
            None => self.position_deltas.push((key, size_delta, pnl_delta)),
        }
        Ok(())
    }

    pub fn add_cash(&mut self, delta: Raw) -> NumResult {
        self.cash_delta = numbers::add(self.cash_delta, delta)?;
        Ok(self.cash_delta)
    }

    /// The accepted result; `names` resolves a key to its (venue, instrument).
    pub fn finish(
        self,
        seq_id: i64,
        code: Code,
        late: bool,
        names: impl Fn(KeyId) -> (Arc<str>, Arc<str>),
    ) -> TransitionResult {
        let mut deltas: Vec<PositionDelta> = self
            .position_deltas
            .into_iter()
            .map(|(key, size, pnl)| {
                let (venue, instrument) = names(key);
                PositionDelta { venue, instrument, size_delta: size, realized_pnl_delta: pnl }
            })
            .collect();
        // Python sorts the (venue, instrument) tuples; str order is code-point order,
        // which byte order of UTF-8 preserves.
        deltas.sort_by(|a, b| (&a.venue, &a.instrument).cmp(&(&b.venue, &b.instrument)));
        TransitionResult {
            seq_id: Some(seq_id),
            accepted: true,
            code,
            transitions: self.transitions,
            fills: self.fills,
            cash_delta: self.cash_delta,
            position_deltas: deltas,
            late,
            diagnostic: None,
        }
    }
}

/// Append the canonical JSON of `result` (no trailing newline).
pub fn write_result(out: &mut String, result: &TransitionResult) {
    let mut w = JsonWriter::object(out);
    w.bool_field("accepted", result.accepted);
    w.decimal_field("cash_delta", result.cash_delta);
    w.str_field("code", result.code.as_str());
    {
        let out = w.key("diagnostics");
        match &result.diagnostic {
            Some(diagnostic) => {
                out.push('[');
                let mut d = JsonWriter::object(out);
                d.str_field("code", diagnostic.code.as_str());
                d.str_field("field", &diagnostic.field);
                d.end();
                out.push(']');
            }
            None => out.push_str("[]"),
        }
    }
    {
        let out = w.key("fills");
        out.push('[');
        for (index, fill) in result.fills.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_fill(out, fill);
        }
        out.push(']');
    }
    w.bool_field("late", result.late);
    {
        let out = w.key("position_deltas");
        out.push('[');
        for (index, delta) in result.position_deltas.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let mut d = JsonWriter::object(out);
            d.str_field("instrument", &delta.instrument);
            d.decimal_field("realized_pnl_delta", delta.realized_pnl_delta);
            d.decimal_field("size_delta", delta.size_delta);
            d.str_field("venue", &delta.venue);
            d.end();
        }
        out.push(']');
    }
    w.opt_int_field("seq_id", result.seq_id.map(i128::from));
    {
        let out = w.key("transitions");
        out.push('[');
        for (index, transition) in result.transitions.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_transition(out, transition);
        }
        out.push(']');
    }
    w.end();
}

fn write_fill(out: &mut String, fill: &Fill) {
    let mut w = JsonWriter::object(out);
    w.decimal_field("fee", fill.fee);
    w.str_field("fill_id", &fill.fill_id);
    w.str_field("instrument", &fill.instrument);
    w.str_field("order_id", &fill.order_id);
    w.decimal_field("price", fill.price);
    w.decimal_field("qty", fill.qty);
    w.str_field("side", fill.side.as_str());
    w.str_field("venue", &fill.venue);
    w.end();
}

fn write_transition(out: &mut String, t: &Transition) {
    let mut w = JsonWriter::object(out);
    w.opt_decimal_field("avg_fill_price", t.avg_fill_price);
    w.decimal_field("filled_qty", t.filled_qty);
    w.opt_str_field("from", t.from.map(|s| s.as_str()));
    {
        let out = w.key("order_id");
        write_str(out, &t.order_id);
    }
    w.opt_str_field("reason", t.reason.map(|r| r.as_str()));
    w.decimal_field("remaining_qty", t.remaining_qty);
    w.str_field("to", t.to.as_str());
    w.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json::parse_str;

    #[test]
    fn refused_result_is_canonical() {
        let mut out = String::new();
        write_result(&mut out, &refused(Some(3), Code::InvalidNumber, Cow::Borrowed("/payload/qty")));
        assert_eq!(
            out,
            r#"{"accepted":false,"cash_delta":"0","code":"invalid_number","diagnostics":[{"code":"invalid_number","field":"/payload/qty"}],"fills":[],"late":false,"position_deltas":[],"seq_id":3,"transitions":[]}"#
        );
    }

    #[test]
    fn echoes_only_valid_seq_ids() {
        for (text, expected) in [
            (r#"{"seq_id":5}"#, Some(5)),
            (r#"{"seq_id":0}"#, None),
            (r#"{"seq_id":true}"#, None),
            (r#"{"seq_id":9223372036854775807}"#, Some(i64::MAX)),
            (r#"{"seq_id":9223372036854775808}"#, None),
            (r#"{"seq_id":1.0}"#, None),
            ("[1]", None),
        ] {
            assert_eq!(echo_seq_id(&parse_str(text).unwrap()), expected, "{text}");
        }
    }
}
