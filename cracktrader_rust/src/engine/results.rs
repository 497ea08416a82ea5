//! Twin of `cracktrader/engine/results.py`: building `transition_result` documents,
//! and writing them as canonical JSON (keys emitted in sorted order by hand).

use std::borrow::Cow;
use std::sync::Arc;

use super::canonical::{write_str, TextSink};
use super::numbers::{self, NumResult, Raw};
use super::orders::{KeyId, Side, Transition};
use super::value::{JsonView, View};

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
    /// The wire name of the code (`codes.json`).
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

/// A result borrowed from where it was built (the core's reused buffers, or a
/// `TransitionResult`): what the writers and the binding read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultView<'r> {
    pub seq_id: Option<i64>,
    pub accepted: bool,
    pub code: Code,
    pub transitions: &'r [Transition],
    pub fills: &'r [Fill],
    pub cash_delta: Raw,
    pub position_deltas: &'r [PositionDelta],
    pub late: bool,
    pub diagnostic: Option<&'r Diagnostic>,
}

impl ResultView<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> TransitionResult {
        TransitionResult {
            seq_id: self.seq_id,
            accepted: self.accepted,
            code: self.code,
            transitions: self.transitions.to_vec(),
            fills: self.fills.to_vec(),
            cash_delta: self.cash_delta,
            position_deltas: self.position_deltas.to_vec(),
            late: self.late,
            diagnostic: self.diagnostic.cloned(),
        }
    }
}

impl TransitionResult {
    /// The result as a view.
    pub fn view(&self) -> ResultView<'_> {
        ResultView {
            seq_id: self.seq_id,
            accepted: self.accepted,
            code: self.code,
            transitions: &self.transitions,
            fills: &self.fills,
            cash_delta: self.cash_delta,
            position_deltas: &self.position_deltas,
            late: self.late,
            diagnostic: self.diagnostic.as_ref(),
        }
    }
}

/// A view of a result without effect: refused (with its diagnostic) or a duplicate.
pub fn view_without_effect(seq_id: Option<i64>, code: Code, late: bool, diagnostic: Option<&Diagnostic>) -> ResultView<'_> {
    ResultView {
        seq_id,
        accepted: diagnostic.is_none(),
        code,
        transitions: &[],
        fills: &[],
        cash_delta: 0,
        position_deltas: &[],
        late,
        diagnostic,
    }
}

/// The largest seq_id (and timestamp): 2^63 - 1.
pub const MAX_I63: i128 = i64::MAX as i128;

/// The input's seq_id as given, when it is a valid seq_id (else null).
pub fn echo_seq_id<V: JsonView>(obj: &V) -> Option<i64> {
    match obj.get("seq_id").map(JsonView::view) {
        Some(View::Int(seq)) if (1..=MAX_I63).contains(&seq) => i64::try_from(seq).ok(),
        _ => None,
    }
}

/// A refused result: no effect, one diagnostic (D-010).
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

/// An accepted result without effect (a duplicate).
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

/// Collects the effects of one accepted input, in the order they happened. The core
/// keeps one and clears it per input, so its buffers are allocated once.
#[derive(Debug, Default, Clone)]
pub struct ResultBuilder {
    pub transitions: Vec<Transition>,
    pub fills: Vec<Fill>,
    pub cash_delta: Raw,
    /// (key, size_delta, realized_pnl_delta), one entry per key, first-touch order.
    position_deltas: Vec<(KeyId, Raw, Raw)>,
    /// The deltas with names, sorted (filled by `view`).
    named_deltas: Vec<PositionDelta>,
}

impl ResultBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        ResultBuilder::default()
    }

    /// Forget the previous input's effects, keeping the buffers.
    pub fn clear(&mut self) {
        self.transitions.clear();
        self.fills.clear();
        self.cash_delta = 0;
        self.position_deltas.clear();
        self.named_deltas.clear();
    }

    /// Add to the instrument's size and realized PnL deltas (checked).
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

    /// Add to the result's cash delta (checked).
    pub fn add_cash(&mut self, delta: Raw) -> NumResult {
        self.cash_delta = numbers::add(self.cash_delta, delta)?;
        Ok(self.cash_delta)
    }

    /// The accepted result; `names` resolves a key to its (venue, instrument).
    pub fn view(
        &mut self,
        seq_id: i64,
        code: Code,
        late: bool,
        names: impl Fn(KeyId) -> (Arc<str>, Arc<str>),
    ) -> ResultView<'_> {
        self.named_deltas.clear();
        self.named_deltas.extend(self.position_deltas.iter().map(|(key, size, pnl)| {
            let (venue, instrument) = names(*key);
            PositionDelta { venue, instrument, size_delta: *size, realized_pnl_delta: *pnl }
        }));
        // Python sorts the (venue, instrument) tuples; str order is code-point order,
        // which byte order of UTF-8 preserves.
        if self.named_deltas.len() > 1 {
            self.named_deltas.sort_by(|a, b| (&a.venue, &a.instrument).cmp(&(&b.venue, &b.instrument)));
        }
        ResultView {
            seq_id: Some(seq_id),
            accepted: true,
            code,
            transitions: &self.transitions,
            fills: &self.fills,
            cash_delta: self.cash_delta,
            position_deltas: &self.named_deltas,
            late,
            diagnostic: None,
        }
    }
}

// The writers below emit each object's keys in sorted order with the constant text
// between values written as one literal: the key order of a result never changes,
// and this is the hot path of `apply_jsonl`. The unit tests compare every writer with
// the generic sorted-key writer (`canonical::write_value`).

fn push_decimal<S: TextSink + ?Sized>(out: &mut S, raw: Raw) {
    numbers::write_decimal_quoted(out, raw);
}

fn push_opt_decimal<S: TextSink + ?Sized>(out: &mut S, raw: Option<Raw>) {
    match raw {
        Some(raw) => push_decimal(out, raw),
        None => out.put_str("null"),
    }
}

/// Append the canonical JSON of `result` (no trailing newline).
pub fn write_result<S: TextSink + ?Sized>(out: &mut S, result: &ResultView<'_>) {
    out.put_str(if result.accepted { "{\"accepted\":true,\"cash_delta\":" } else { "{\"accepted\":false,\"cash_delta\":" });
    push_decimal(out, result.cash_delta);
    out.put_str(",\"code\":\"");
    out.put_str(result.code.as_str());
    out.put_str("\",\"diagnostics\":[");
    if let Some(diagnostic) = result.diagnostic {
        out.put_str("{\"code\":\"");
        out.put_str(diagnostic.code.as_str());
        out.put_str("\",\"field\":");
        write_str(out, &diagnostic.field);
        out.put_ascii(b"}");
    }
    out.put_str("],\"fills\":[");
    for (index, fill) in result.fills.iter().enumerate() {
        if index > 0 {
            out.put_ascii(b",");
        }
        write_fill(out, fill);
    }
    out.put_str(if result.late { "],\"late\":true,\"position_deltas\":[" } else { "],\"late\":false,\"position_deltas\":[" });
    for (index, delta) in result.position_deltas.iter().enumerate() {
        if index > 0 {
            out.put_ascii(b",");
        }
        out.put_str("{\"instrument\":");
        write_str(out, &delta.instrument);
        out.put_str(",\"realized_pnl_delta\":");
        push_decimal(out, delta.realized_pnl_delta);
        out.put_str(",\"size_delta\":");
        push_decimal(out, delta.size_delta);
        out.put_str(",\"venue\":");
        write_str(out, &delta.venue);
        out.put_ascii(b"}");
    }
    out.put_str("],\"seq_id\":");
    match result.seq_id {
        Some(seq) => push_int(out, seq),
        None => out.put_str("null"),
    }
    out.put_str(",\"transitions\":[");
    for (index, transition) in result.transitions.iter().enumerate() {
        if index > 0 {
            out.put_ascii(b",");
        }
        write_transition(out, transition);
    }
    out.put_str("]}");
}

fn push_int<S: TextSink + ?Sized>(out: &mut S, value: i64) {
    if value < 0 {
        out.put_ascii(b"-");
    }
    numbers::write_unsigned(out, u128::from(value.unsigned_abs()));
}

fn write_fill<S: TextSink + ?Sized>(out: &mut S, fill: &Fill) {
    out.put_str("{\"fee\":");
    push_decimal(out, fill.fee);
    out.put_str(",\"fill_id\":");
    write_str(out, &fill.fill_id);
    out.put_str(",\"instrument\":");
    write_str(out, &fill.instrument);
    out.put_str(",\"order_id\":");
    write_str(out, &fill.order_id);
    out.put_str(",\"price\":");
    push_decimal(out, fill.price);
    out.put_str(",\"qty\":");
    push_decimal(out, fill.qty);
    out.put_str(",\"side\":\"");
    out.put_str(fill.side.as_str());
    out.put_str("\",\"venue\":");
    write_str(out, &fill.venue);
    out.put_ascii(b"}");
}

fn write_transition<S: TextSink + ?Sized>(out: &mut S, t: &Transition) {
    out.put_str("{\"avg_fill_price\":");
    push_opt_decimal(out, t.avg_fill_price);
    out.put_str(",\"filled_qty\":");
    push_decimal(out, t.filled_qty);
    out.put_str(",\"from\":");
    match t.from {
        Some(state) => {
            out.put_ascii(b"\"");
            out.put_str(state.as_str());
            out.put_ascii(b"\"");
        }
        None => out.put_str("null"),
    }
    out.put_str(",\"order_id\":");
    write_str(out, &t.order_id);
    out.put_str(",\"reason\":");
    match t.reason {
        Some(reason) => {
            out.put_ascii(b"\"");
            out.put_str(reason.as_str());
            out.put_ascii(b"\"");
        }
        None => out.put_str("null"),
    }
    out.put_str(",\"remaining_qty\":");
    push_decimal(out, t.remaining_qty);
    out.put_str(",\"to\":\"");
    out.put_str(t.to.as_str());
    out.put_str("\"}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json::parse_str;

    #[test]
    fn refused_result_is_canonical() {
        let mut out = String::new();
        write_result(&mut out, &refused(Some(3), Code::InvalidNumber, Cow::Borrowed("/payload/qty")).view());
        assert_eq!(
            out,
            r#"{"accepted":false,"cash_delta":"0","code":"invalid_number","diagnostics":[{"code":"invalid_number","field":"/payload/qty"}],"fills":[],"late":false,"position_deltas":[],"seq_id":3,"transitions":[]}"#
        );
    }

    fn resorted(text: &str) -> String {
        let mut out = String::new();
        crate::engine::canonical::write_value(&mut out, &parse_str(text).unwrap());
        out
    }

    #[test]
    fn hand_ordered_writer_is_canonical() {
        use crate::engine::orders::{Reason, State};
        let id: Arc<str> = Arc::from("o\"1\u{1}é");
        let result = TransitionResult {
            seq_id: Some(i64::MAX),
            accepted: true,
            code: Code::Ok,
            transitions: vec![
                Transition {
                    order_id: id.clone(),
                    from: None,
                    to: State::Created,
                    filled_qty: 0,
                    remaining_qty: 1,
                    avg_fill_price: None,
                    reason: None,
                },
                Transition {
                    order_id: id.clone(),
                    from: Some(State::CancelPending),
                    to: State::Filled,
                    filled_qty: -5,
                    remaining_qty: Raw::MIN,
                    avg_fill_price: Some(Raw::MAX),
                    reason: Some(Reason::ParentFilled),
                },
            ],
            fills: vec![Fill {
                order_id: id.clone(),
                fill_id: "f/1".into(),
                venue: Arc::from("v"),
                instrument: Arc::from("i\\"),
                side: Side::Sell,
                qty: 1,
                price: -2_500_000_000,
                fee: 0,
            }],
            cash_delta: -7,
            position_deltas: vec![PositionDelta {
                venue: Arc::from("v"),
                instrument: Arc::from("i"),
                size_delta: 3,
                realized_pnl_delta: -4,
            }],
            late: true,
            diagnostic: None,
        };
        let mut out = String::new();
        write_result(&mut out, &result.view());
        assert_eq!(out, resorted(&out));
        let mut refused_out = String::new();
        let mut r = refused(None, Code::Overfill, Cow::Borrowed("/payload/~0\u{7}"));
        r.late = false;
        write_result(&mut refused_out, &r.view());
        assert_eq!(refused_out, resorted(&refused_out));
        assert!(refused_out.contains(r#""field":"/payload/~0\u0007""#));
        assert!(refused_out.contains(r#""seq_id":null"#));
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
