//! Twin of `cracktrader/engine/normalizer/__init__.py`: venue payloads -> engine_event
//! envelopes, or a rejection with a code and a JSON Pointer into the input.
//!
//! Inputs are `{"kind": "trade"|"ohlcv"|"order"|"my_trade", "payload", "context"}`;
//! every input yields one `Outcome`. The only state is a counter of outcomes per code
//! (snapshot / restore / state_hash). Data problems are outcomes, never errors; only a
//! malformed snapshot handed to `restore` is an `EngineError`.

pub mod events;
pub mod fields;
pub mod market;
pub mod orders;

use crate::engine::canonical::{self, sha256_hex, write_value, JsonWriter};
use crate::engine::errors::EngineError;
use crate::engine::strict_json;
use crate::engine::value::Value;

use events::{read_context, Event, INPUT_KEYS, KINDS};
use fields::{check_keys, choice, escape, At, Reject, INVALID_PAYLOAD, UNSUPPORTED_PAYLOAD};

pub const OK: &str = "ok";
/// Outcome codes in the order of codes.json (`ok` first); the snapshot counts each.
pub const CODES: [&str; 7] = [
    OK,
    "invalid_payload",
    "invalid_number",
    "numeric_overflow",
    "missing_field",
    "unsupported_payload",
    "invalid_timestamp",
];
pub const SNAPSHOT_VERSION: i128 = 1;
/// Counters saturate at `2^63 - 1`, the bound the Python twin enforces too.
pub const COUNT_MAX: u64 = i64::MAX as u64;

/// What one input became.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub code: &'static str,
    /// JSON Pointer into the input; `None` when accepted.
    pub field: Option<String>,
    pub events: Vec<Event>,
}

impl Outcome {
    /// True for `ok`.
    pub fn accepted(&self) -> bool {
        self.code == OK
    }

    /// The outcome of a refused input: no events.
    pub fn rejected(reject: Reject) -> Self {
        Outcome { code: reject.code, field: Some(reject.field), events: Vec::new() }
    }

    /// Canonical JSON: `{"accepted","code","events","field"}` in that (sorted) order.
    pub fn write(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.bool_field("accepted", self.accepted());
        w.str_field("code", self.code);
        let list = w.key("events");
        list.push('[');
        for (index, event) in self.events.iter().enumerate() {
            if index > 0 {
                list.push(',');
            }
            event.write(list);
        }
        list.push(']');
        w.opt_str_field("field", self.field.as_deref());
        w.end();
    }

    /// The outcome as a generic value (converted to Python by the binding).
    pub fn to_value(&self) -> Value {
        Value::Object(vec![
            ("accepted".to_owned(), Value::Bool(self.accepted())),
            ("code".to_owned(), Value::Str(self.code.to_owned())),
            ("field".to_owned(), self.field.clone().map_or(Value::Null, Value::Str)),
            ("events".to_owned(), Value::Array(self.events.iter().map(Event::to_value).collect())),
        ])
    }
}

/// The outcome of one input (pure; no counters).
pub fn normalize(input: &Value) -> Outcome {
    match events_of(input) {
        Ok(events) => Outcome { code: OK, field: None, events },
        Err(reject) => Outcome::rejected(reject),
    }
}

fn events_of(input: &Value) -> Result<Vec<Event>, Reject> {
    if !matches!(input, Value::Object(_)) {
        return Err(At::whole("").reject(INVALID_PAYLOAD));
    }
    check_keys(input, &INPUT_KEYS, "")?;
    let kind = choice(input.get("kind"), At::new("", "kind"), &KINDS, UNSUPPORTED_PAYLOAD)?;
    let ctx = read_context(input.get("context"), kind)?;
    let payload = input.get("payload");
    match kind {
        "trade" => market::trade_events(payload, &ctx),
        "ohlcv" => market::bar_events(payload, &ctx),
        "order" => orders::order_events(payload, &ctx),
        _ => orders::my_trade_events(payload, &ctx),
    }
}

/// The normalizer component (D-020 protocol); it holds only the outcome counters.
#[derive(Debug, Clone, Default)]
pub struct EventNormalizer {
    counts: [u64; 7],
}

impl EventNormalizer {
    /// A normalizer with all counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    fn count(&mut self, code: &str) {
        if let Some(index) = CODES.iter().position(|c| *c == code) {
            if let Some(slot) = self.counts.get_mut(index) {
                *slot = slot.saturating_add(1).min(COUNT_MAX);
            }
        }
    }

    /// Normalize one input into one outcome.
    pub fn apply(&mut self, input: &Value) -> Outcome {
        let outcome = normalize(input);
        self.count(outcome.code);
        outcome
    }

    /// One outcome per input, in order.
    pub fn apply_batch(&mut self, inputs: &[Value]) -> Vec<Outcome> {
        inputs.iter().map(|input| self.apply(input)).collect()
    }

    /// JSON lines in, one canonical outcome line out per input line (D-008).
    pub fn apply_jsonl(&mut self, data: &[u8]) -> Vec<u8> {
        canonical::collect_lines(String::with_capacity(data.len().saturating_mul(2)), |out, hook| self.jsonl_lines(data, out, hook)).into_bytes()
    }

    /// `apply_jsonl`, handing the output to `emit` in pieces of about `chunk` bytes
    /// (whole lines, in order) instead of collecting it (D-592).
    pub fn apply_jsonl_chunks(&mut self, data: &[u8], chunk: usize, emit: impl FnMut(&[u8])) {
        let buf = String::with_capacity(chunk.saturating_add(4096));
        canonical::chunk_lines(buf, chunk, emit, |out, hook| self.jsonl_lines(data, out, hook));
    }

    /// The loop of `apply_jsonl`: each line's outcome and its newline go to `out`,
    /// then `after_line` may drain `out`.
    fn jsonl_lines(&mut self, data: &[u8], out: &mut String, after_line: canonical::LineHook<'_, String>) {
        for line in strict_json::split_lines(data) {
            let outcome = match strict_json::parse_bytes(line) {
                Ok(value) => self.apply(&value),
                Err(_) => {
                    self.count(INVALID_PAYLOAD);
                    Outcome::rejected(At::whole("").reject(INVALID_PAYLOAD))
                }
            };
            outcome.write(out);
            out.push('\n');
            after_line(out);
        }
    }

    /// The counters of outcomes by code (all codes present, zeros included).
    pub fn snapshot(&self) -> Value {
        let outcomes = CODES
            .iter()
            .zip(self.counts.iter())
            .map(|(code, count)| ((*code).to_owned(), Value::Int(i128::from(*count))))
            .collect();
        Value::Object(vec![
            ("schema_version".to_owned(), Value::Int(SNAPSHOT_VERSION)),
            ("outcomes".to_owned(), Value::Object(outcomes)),
        ])
    }

    /// Replace the counters; a malformed snapshot is `InvalidPayload`.
    pub fn restore(&mut self, snapshot: &Value) -> Result<(), EngineError> {
        self.counts = read_snapshot(snapshot)?;
        Ok(())
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    pub fn state_hash(&self) -> String {
        let mut out = String::with_capacity(256);
        write_value(&mut out, &self.snapshot());
        sha256_hex(out.as_bytes())
    }
}

fn bad_snapshot(field: String) -> EngineError {
    let shown = if field.is_empty() { "/".to_owned() } else { field.clone() };
    EngineError::InvalidPayload {
        message: format!("normalizer snapshot invalid at {shown}"),
        field: Some(field),
    }
}

fn read_snapshot(snapshot: &Value) -> Result<[u64; 7], EngineError> {
    if !matches!(snapshot, Value::Object(_)) {
        return Err(bad_snapshot(String::new()));
    }
    if let Some(key) = snapshot.keys().filter(|k| !["schema_version", "outcomes"].contains(k)).min() {
        return Err(bad_snapshot(format!("/{}", escape(key))));
    }
    if snapshot.get("schema_version") != Some(&Value::Int(SNAPSHOT_VERSION)) {
        return Err(bad_snapshot("/schema_version".to_owned()));
    }
    let outcomes = match snapshot.get("outcomes") {
        Some(value @ Value::Object(_)) => value,
        _ => return Err(bad_snapshot("/outcomes".to_owned())),
    };
    if let Some(key) = outcomes.keys().filter(|k| !CODES.contains(k)).min() {
        return Err(bad_snapshot(format!("/outcomes/{}", escape(key))));
    }
    let mut counts = [0u64; 7];
    for (slot, code) in counts.iter_mut().zip(CODES.iter()) {
        *slot = match outcomes.get(code) {
            Some(Value::Int(n)) => u64::try_from(*n).ok().filter(|n| *n <= COUNT_MAX),
            _ => None,
        }
        .ok_or_else(|| bad_snapshot(format!("/outcomes/{code}")))?;
    }
    Ok(counts)
}

/// Canonical JSON text of one outcome (what `apply_jsonl` writes per line).
pub fn outcome_json(outcome: &Outcome) -> String {
    let mut out = String::with_capacity(256);
    outcome.write(&mut out);
    out
}
