//! Twin of `cracktrader/engine/sequencer.py`: one stable total order and strictly
//! increasing `seq_id` for engine events (DESIGN.md section 9, D-150..D-159).
//!
//! A batch is a JSON array of events. Emitted events are ordered by (event_time,
//! source priority, venue, instrument, producer, arrival index), null venue and
//! instrument first, strings by code point (UTF-8 byte order is code-point order).
//! Ids continue across batches. An event older than the greatest event_time emitted
//! so far is late: refused with `late_event`, or emitted and marked late. Nothing here
//! reads a clock; nothing here panics.

use super::canonical::{self, sha256_hex, write_value, JsonWriter};
use super::errors::EngineError;
use super::strict_json::{self, MAX_DEPTH};
use super::value::Value;

/// The four event sources, in the order of the schema's enum.
pub const SOURCES: [&str; 4] = ["market_data", "broker_report", "timer", "control"];
/// Highest priority first (DESIGN.md section 9).
pub const DEFAULT_SOURCE_PRIORITY: [&str; 4] = ["control", "broker_report", "market_data", "timer"];
/// The largest id the sequencer hands out (ids are JSON integers below 2^63).
pub const SEQ_ID_MAX: i128 = (1i128 << 63) - 1;
/// Timestamps and producers lie in [0, 2^63).
const TIME_LIMIT: i128 = 1i128 << 63;
pub const SNAPSHOT_VERSION: i128 = 1;
const SNAPSHOT_KEYS: [&str; 5] = [
    "schema_version",
    "next_seq_id",
    "last_event_time",
    "late_policy",
    "source_priority",
];

/// What happens to an event older than the last emitted event_time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatePolicy {
    Reject,
    Accept,
}

impl LatePolicy {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "reject" => Some(LatePolicy::Reject),
            "accept" => Some(LatePolicy::Accept),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LatePolicy::Reject => "reject",
            LatePolicy::Accept => "accept",
        }
    }
}

/// The outcome for one input, reported in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputResult {
    pub index: usize,
    /// `ok`, `invalid_payload`, `late_event` or `numeric_overflow`.
    pub code: &'static str,
    pub seq_id: Option<i128>,
    pub late: bool,
    /// JSON Pointer of the refusing field (unused when accepted).
    pub field: String,
}

impl InputResult {
    fn ok(index: usize, seq_id: i128, late: bool) -> Self {
        InputResult {
            index,
            code: "ok",
            seq_id: Some(seq_id),
            late,
            field: String::new(),
        }
    }

    fn refused(index: usize, code: &'static str, field: String, late: bool) -> Self {
        InputResult {
            index,
            code,
            seq_id: None,
            late,
            field,
        }
    }

    pub fn accepted(&self) -> bool {
        self.code == "ok"
    }

    fn write_json(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.bool_field("accepted", self.accepted());
        w.str_field("code", self.code);
        let diagnostics = w.key("diagnostics");
        write_diagnostics(
            diagnostics,
            if self.accepted() {
                None
            } else {
                Some((self.code, &self.field))
            },
        );
        w.int_field("index", i128::try_from(self.index).unwrap_or(i128::MAX));
        w.bool_field("late", self.late);
        w.opt_int_field("seq_id", self.seq_id);
        w.end();
    }
}

fn write_diagnostics(out: &mut String, diagnostic: Option<(&str, &str)>) {
    match diagnostic {
        None => out.push_str("[]"),
        Some((code, field)) => {
            out.push('[');
            let mut w = JsonWriter::object(out);
            w.str_field("code", code);
            w.str_field("field", field);
            w.end();
            out.push(']');
        }
    }
}

/// What one batch produced.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchResult {
    /// False only when the batch itself was unreadable (not an array, bad JSON line).
    pub readable: bool,
    /// Emitted events in sequence order, `seq_id` set.
    pub events: Vec<Value>,
    /// One per input, in arrival order.
    pub results: Vec<InputResult>,
}

impl BatchResult {
    /// D-155: a batch that is not an array, or an unreadable JSON line.
    pub fn refused() -> Self {
        BatchResult {
            readable: false,
            events: Vec::new(),
            results: Vec::new(),
        }
    }

    pub fn code(&self) -> &'static str {
        if self.readable {
            "ok"
        } else {
            "invalid_payload"
        }
    }

    /// Canonical JSON (keys in code-point order, as the Python reference prints).
    pub fn write_json(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.bool_field("accepted", self.readable);
        w.str_field("code", self.code());
        write_diagnostics(
            w.key("diagnostics"),
            if self.readable {
                None
            } else {
                Some(("invalid_payload", ""))
            },
        );
        let events = w.key("events");
        events.push('[');
        for (index, event) in self.events.iter().enumerate() {
            if index > 0 {
                events.push(',');
            }
            write_value(events, event);
        }
        events.push(']');
        let results = w.key("results");
        results.push('[');
        for (index, result) in self.results.iter().enumerate() {
            if index > 0 {
                results.push(',');
            }
            result.write_json(results);
        }
        results.push(']');
        w.end();
    }

    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// The decisions for one batch (see `Sequencer::sequence`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequenced {
    /// One per input, in arrival order.
    pub results: Vec<InputResult>,
    /// (input index, seq_id) in emission order.
    pub order: Vec<(usize, i128)>,
}

/// The sort key of a sequenceable event; the derived order is the field order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    time: i128,
    rank: usize,
    venue: Option<&'a str>,
    instrument: Option<&'a str>,
    producer: i128,
}

/// The sequencer's whole state: its options, the next id and the watermark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequencer {
    late_policy: LatePolicy,
    /// Source names, highest priority first.
    priority: [&'static str; 4],
    next_seq_id: i128,
    last_event_time: Option<i128>,
}

impl Default for Sequencer {
    fn default() -> Self {
        Sequencer::new(LatePolicy::Reject)
    }
}

impl Sequencer {
    /// Default priority, ids from 1.
    pub fn new(late_policy: LatePolicy) -> Self {
        Sequencer {
            late_policy,
            priority: DEFAULT_SOURCE_PRIORITY,
            next_seq_id: 1,
            last_event_time: None,
        }
    }

    /// Build from option values as Python passes them; `Null` selects a default
    /// (D-157). Bad options are `InvalidConfig`.
    pub fn from_options(
        late_policy: &Value,
        source_priority: &Value,
        start_seq_id: &Value,
    ) -> Result<Self, EngineError> {
        let late_policy = match late_policy {
            Value::Null => LatePolicy::Reject,
            Value::Str(text) => LatePolicy::parse(text)
                .ok_or_else(|| EngineError::config("late_policy must be 'reject' or 'accept'"))?,
            _ => {
                return Err(EngineError::config(
                    "late_policy must be 'reject' or 'accept'",
                ))
            }
        };
        let priority = match source_priority {
            Value::Null => DEFAULT_SOURCE_PRIORITY,
            other => parse_priority(other).ok_or_else(|| {
                EngineError::config(
                    "source_priority must list each of the four sources exactly once",
                )
            })?,
        };
        let next_seq_id = match start_seq_id {
            Value::Null => 1,
            Value::Int(start) if (1..=SEQ_ID_MAX).contains(start) => *start,
            _ => {
                return Err(EngineError::config(
                    "start_seq_id must be an integer in [1, 2**63-1]",
                ))
            }
        };
        Ok(Sequencer {
            late_policy,
            priority,
            next_seq_id,
            last_event_time: None,
        })
    }

    pub fn late_policy(&self) -> LatePolicy {
        self.late_policy
    }

    pub fn next_seq_id(&self) -> i128 {
        self.next_seq_id
    }

    pub fn last_event_time(&self) -> Option<i128> {
        self.last_event_time
    }

    fn rank(&self, source: &str) -> Option<usize> {
        self.priority.iter().position(|name| *name == source)
    }

    /// Sequence one batch (any value; only an array is a batch).
    pub fn apply(&mut self, batch: Value) -> BatchResult {
        match batch {
            Value::Array(events) => self.apply_events(events),
            _ => BatchResult::refused(),
        }
    }

    /// Sequence the events of one batch.
    pub fn apply_events(&mut self, events: Vec<Value>) -> BatchResult {
        let Sequenced { results, order } = self.sequence(&events);
        let mut pending: Vec<Option<Value>> = events.into_iter().map(Some).collect();
        let mut emitted = Vec::with_capacity(order.len());
        for (index, seq_id) in order {
            if let Some(mut event) = pending.get_mut(index).and_then(Option::take) {
                set_seq_id(&mut event, seq_id);
                emitted.push(event);
            }
        }
        BatchResult {
            readable: true,
            events: emitted,
            results,
        }
    }

    /// Decide one batch and commit the new state: every input's result and the
    /// emission order, leaving the events to the caller (the binding emits copies of
    /// the original Python dicts; `apply_events` moves the values).
    ///
    /// Only what `check_event` reads matters, so a caller that has proved an event
    /// representable may pass just its envelope fields.
    pub fn sequence(&mut self, events: &[Value]) -> Sequenced {
        let watermark = self.last_event_time;
        let accept_late = self.late_policy == LatePolicy::Accept;
        let mut slots: Vec<Option<InputResult>> = Vec::with_capacity(events.len());
        let mut candidates: Vec<(Key<'_>, usize, bool)> = Vec::with_capacity(events.len());
        for (index, event) in events.iter().enumerate() {
            match self.check_event(event) {
                Err(field) => slots.push(Some(InputResult::refused(
                    index,
                    "invalid_payload",
                    field,
                    false,
                ))),
                Ok(key) => {
                    let late = watermark.is_some_and(|mark| key.time < mark);
                    if late && !accept_late {
                        slots.push(Some(InputResult::refused(
                            index,
                            "late_event",
                            "/event_time".into(),
                            true,
                        )));
                    } else {
                        slots.push(None);
                        candidates.push((key, index, late));
                    }
                }
            }
        }
        // The index makes every key distinct: the order is total.
        candidates.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut order = Vec::with_capacity(candidates.len());
        for (key, index, late) in candidates {
            let result = if self.next_seq_id > SEQ_ID_MAX {
                // D-156: ids exhausted.
                InputResult::refused(index, "numeric_overflow", "/seq_id".into(), late)
            } else {
                let seq_id = self.next_seq_id;
                order.push((index, seq_id));
                self.next_seq_id = seq_id.saturating_add(1);
                self.last_event_time = Some(
                    self.last_event_time
                        .map_or(key.time, |last| last.max(key.time)),
                );
                InputResult::ok(index, seq_id, late)
            };
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some(result);
            }
        }
        // Every slot is filled by now: refused inputs at once, the rest above.
        Sequenced {
            results: slots.into_iter().flatten().collect(),
            order,
        }
    }

    /// The event's sort key, or the JSON Pointer of its first problem (D-151 order).
    fn check_event<'a>(&self, event: &'a Value) -> Result<Key<'a>, String> {
        if !matches!(event, Value::Object(_)) {
            return Err(String::new());
        }
        if event.get("kind").and_then(Value::as_str) != Some("event") {
            return Err("/kind".into());
        }
        if !matches!(event.get("seq_id"), None | Some(Value::Null)) {
            return Err("/seq_id".into());
        }
        let time = int_below(event.get("event_time"), TIME_LIMIT).ok_or("/event_time")?;
        let rank = event
            .get("source")
            .and_then(Value::as_str)
            .and_then(|source| self.rank(source))
            .ok_or("/source")?;
        let venue = nullable_identifier(event.get("venue")).ok_or("/venue")?;
        let instrument = nullable_identifier(event.get("instrument")).ok_or("/instrument")?;
        let producer = int_below(event.get("producer"), TIME_LIMIT).ok_or("/producer")?;
        if let Some(field) = first_unrepresentable(event) {
            return Err(field);
        }
        Ok(Key {
            time,
            rank,
            venue,
            instrument,
            producer,
        })
    }

    /// One JSON array (one batch) per line in; one canonical result per line out.
    pub fn apply_jsonl(&mut self, data: &[u8]) -> Vec<u8> {
        canonical::collect_lines(String::new(), |out, hook| self.jsonl_lines(data, out, hook)).into_bytes()
    }

    /// `apply_jsonl`, handing the output to `emit` in pieces of about `chunk` bytes
    /// (whole lines, in order) instead of collecting it (D-592).
    pub fn apply_jsonl_chunks(&mut self, data: &[u8], chunk: usize, emit: impl FnMut(&[u8])) {
        let buf = String::with_capacity(chunk.saturating_add(4096));
        canonical::chunk_lines(buf, chunk, emit, |out, hook| self.jsonl_lines(data, out, hook));
    }

    /// The loop of `apply_jsonl`: each line's result and its newline go to `out`,
    /// then `after_line` may drain `out`.
    fn jsonl_lines(&mut self, data: &[u8], out: &mut String, after_line: canonical::LineHook<'_, String>) {
        for line in strict_json::split_lines(data) {
            let result = match strict_json::parse_bytes(line) {
                Ok(batch) => self.apply(batch),
                Err(_) => BatchResult::refused(),
            };
            result.write_json(out);
            out.push('\n');
            after_line(out);
        }
    }

    /// The snapshot as a value, keys in the Python reference's order.
    pub fn snapshot(&self) -> Value {
        Value::Object(vec![
            ("schema_version".into(), Value::Int(SNAPSHOT_VERSION)),
            ("next_seq_id".into(), Value::Int(self.next_seq_id)),
            (
                "last_event_time".into(),
                self.last_event_time.map_or(Value::Null, Value::Int),
            ),
            (
                "late_policy".into(),
                Value::Str(self.late_policy.as_str().into()),
            ),
            (
                "source_priority".into(),
                Value::Array(
                    self.priority
                        .iter()
                        .map(|name| Value::Str((*name).into()))
                        .collect(),
                ),
            ),
        ])
    }

    /// Canonical JSON of the snapshot.
    pub fn snapshot_json(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, &self.snapshot());
        out
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    pub fn state_hash(&self) -> String {
        sha256_hex(self.snapshot_json().as_bytes())
    }

    /// Replace all state by `snapshot`, or `InvalidPayload` leaving state unchanged.
    pub fn restore(&mut self, snapshot: &Value) -> Result<(), EngineError> {
        let Value::Object(pairs) = snapshot else {
            return Err(bad_snapshot("sequencer snapshot must be an object", ""));
        };
        if pairs.len() != SNAPSHOT_KEYS.len()
            || SNAPSHOT_KEYS.iter().any(|key| snapshot.get(key).is_none())
        {
            return Err(bad_snapshot("sequencer snapshot keys differ", ""));
        }
        if !matches!(
            snapshot.get("schema_version"),
            Some(Value::Int(SNAPSHOT_VERSION))
        ) {
            return Err(bad_snapshot(
                "unsupported schema_version",
                "/schema_version",
            ));
        }
        let next_seq_id = match snapshot.get("next_seq_id") {
            Some(Value::Int(next)) if (1..=SEQ_ID_MAX.saturating_add(1)).contains(next) => *next,
            _ => {
                return Err(bad_snapshot(
                    "next_seq_id must be in [1, 2**63]",
                    "/next_seq_id",
                ))
            }
        };
        let last_event_time = match snapshot.get("last_event_time") {
            Some(Value::Null) => None,
            Some(Value::Int(last)) if (0..TIME_LIMIT).contains(last) => Some(*last),
            _ => {
                return Err(bad_snapshot(
                    "last_event_time must be null or in [0, 2**63)",
                    "/last_event_time",
                ))
            }
        };
        let late_policy = snapshot
            .get("late_policy")
            .and_then(Value::as_str)
            .and_then(LatePolicy::parse)
            .ok_or_else(|| {
                bad_snapshot("late_policy must be 'reject' or 'accept'", "/late_policy")
            })?;
        let priority = snapshot
            .get("source_priority")
            .and_then(parse_priority)
            .ok_or_else(|| {
                bad_snapshot(
                    "source_priority must list each source once",
                    "/source_priority",
                )
            })?;
        *self = Sequencer {
            late_policy,
            priority,
            next_seq_id,
            last_event_time,
        };
        Ok(())
    }
}

fn bad_snapshot(message: &str, field: &str) -> EngineError {
    EngineError::InvalidPayload {
        message: message.into(),
        field: Some(field.into()),
    }
}

/// A permutation of the four sources, mapped onto the static names.
fn parse_priority(value: &Value) -> Option<[&'static str; 4]> {
    let Value::Array(items) = value else {
        return None;
    };
    if items.len() != SOURCES.len() {
        return None;
    }
    let mut out = [""; 4];
    for (slot, item) in out.iter_mut().zip(items) {
        let name = item.as_str()?;
        *slot = SOURCES.iter().copied().find(|source| *source == name)?;
    }
    let all_present = SOURCES.iter().all(|source| out.contains(source));
    all_present.then_some(out)
}

/// An integer in [0, limit) (D-006: never a bool, a float or a string).
fn int_below(value: Option<&Value>, limit: i128) -> Option<i128> {
    match value {
        Some(Value::Int(number)) if (0..limit).contains(number) => Some(*number),
        _ => None,
    }
}

/// `Some(None)` for null, `Some(Some(id))` for a valid identifier (D-007), else None.
fn nullable_identifier(value: Option<&Value>) -> Option<Option<&str>> {
    match value? {
        Value::Null => Some(None),
        Value::Str(text) if is_identifier(text) => Some(Some(text.as_str())),
        _ => None,
    }
}

/// 1 to 128 code points, none of category Cc (U+0000-U+001F, U+007F-U+009F).
pub fn is_identifier(text: &str) -> bool {
    let mut count = 0usize;
    for ch in text.chars() {
        if matches!(ch, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}') {
            return false;
        }
        count = count.saturating_add(1);
        if count > 128 {
            return false;
        }
    }
    count >= 1
}

/// JSON Pointer of the first value the sequencer cannot carry through unchanged
/// (D-151): a BigInt, a non-finite float, an unrepresentable Python object, or a
/// container nested at depth `MAX_DEPTH` or more (the batch is depth 0, the event 1).
/// Keys are visited in code-point order; the cheap unordered scan runs first so the
/// common, clean event allocates nothing.
fn first_unrepresentable(event: &Value) -> Option<String> {
    if representable(event, 1) {
        return None;
    }
    let mut path = String::new();
    find_unrepresentable(event, 1, &mut path).then_some(path)
}

fn representable(value: &Value, depth: usize) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Str(_) => true,
        Value::Float(number) => number.is_finite(),
        Value::BigInt { .. } | Value::Unrepresentable => false,
        Value::Array(items) => {
            depth < MAX_DEPTH
                && items
                    .iter()
                    .all(|item| representable(item, depth.saturating_add(1)))
        }
        Value::Object(pairs) => {
            depth < MAX_DEPTH
                && pairs
                    .iter()
                    .all(|(_, item)| representable(item, depth.saturating_add(1)))
        }
    }
}

/// Like `representable`, but leaves the pointer of the first problem in `path`.
fn find_unrepresentable(value: &Value, depth: usize, path: &mut String) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Str(_) => false,
        Value::Float(number) => !number.is_finite(),
        Value::BigInt { .. } | Value::Unrepresentable => true,
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return true;
            }
            for (index, item) in items.iter().enumerate() {
                let mark = path.len();
                path.push('/');
                path.push_str(&index.to_string());
                if find_unrepresentable(item, depth.saturating_add(1), path) {
                    return true;
                }
                path.truncate(mark);
            }
            false
        }
        Value::Object(pairs) => {
            if depth >= MAX_DEPTH {
                return true;
            }
            let mut sorted: Vec<&(String, Value)> = pairs.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, item) in sorted {
                let mark = path.len();
                path.push('/');
                path.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if find_unrepresentable(item, depth.saturating_add(1), path) {
                    return true;
                }
                path.truncate(mark);
            }
            false
        }
    }
}

/// Set (or add, at the end) the event's `seq_id`, as the Python reference does.
fn set_seq_id(event: &mut Value, seq_id: i128) {
    if let Value::Object(pairs) = event {
        match pairs.iter_mut().find(|(key, _)| key == "seq_id") {
            Some((_, value)) => *value = Value::Int(seq_id),
            None => pairs.push(("seq_id".into(), Value::Int(seq_id))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json::parse_str;

    fn event(
        time: i128,
        source: &str,
        venue: Option<&str>,
        instrument: Option<&str>,
        producer: i128,
    ) -> Value {
        let text = |v: Option<&str>| v.map_or(Value::Null, |s| Value::Str(s.into()));
        Value::Object(vec![
            ("kind".into(), Value::Str("event".into())),
            ("seq_id".into(), Value::Null),
            ("event_time".into(), Value::Int(time)),
            ("source".into(), Value::Str(source.into())),
            ("venue".into(), text(venue)),
            ("instrument".into(), text(instrument)),
            ("producer".into(), Value::Int(producer)),
            (
                "payload".into(),
                Value::Object(vec![("n".into(), Value::Float(0.5))]),
            ),
        ])
    }

    fn seq_of(value: &Value) -> Option<i128> {
        match value.get("seq_id") {
            Some(Value::Int(id)) => Some(*id),
            _ => None,
        }
    }

    #[test]
    fn orders_by_the_full_key_with_nulls_first() {
        let mut seq = Sequencer::default();
        let batch = vec![
            event(5, "timer", None, None, 0),                 // 0
            event(5, "market_data", Some("b"), None, 0),      // 1
            event(5, "market_data", Some("a"), Some("y"), 0), // 2
            event(5, "market_data", Some("a"), Some("x"), 1), // 3
            event(5, "market_data", Some("a"), Some("x"), 0), // 4
            event(5, "market_data", None, Some("z"), 0),      // 5
            event(5, "control", Some("z"), None, 9),          // 6
            event(4, "timer", None, None, 0),                 // 7
            event(5, "market_data", Some("a"), Some("x"), 0), // 8 ties with 4: arrival order
        ];
        let result = seq.apply_events(batch);
        let order: Vec<usize> = result
            .events
            .iter()
            .map(|e| {
                let id = seq_of(e).unwrap();
                result
                    .results
                    .iter()
                    .find(|r| r.seq_id == Some(id))
                    .unwrap()
                    .index
            })
            .collect();
        assert_eq!(order, vec![7, 6, 5, 4, 8, 3, 2, 1, 0]);
        let ids: Vec<i128> = result.events.iter().map(|e| seq_of(e).unwrap()).collect();
        assert_eq!(ids, (1..=9).collect::<Vec<_>>());
        assert!(result.results.iter().all(InputResult::accepted));
    }

    #[test]
    fn custom_priority_changes_the_order() {
        let priority = Value::Array(
            ["timer", "market_data", "broker_report", "control"]
                .iter()
                .map(|s| Value::Str((*s).into()))
                .collect(),
        );
        let mut seq = Sequencer::from_options(&Value::Null, &priority, &Value::Int(10)).unwrap();
        let result = seq.apply_events(vec![
            event(1, "control", None, None, 0),
            event(1, "timer", None, None, 0),
        ]);
        assert_eq!(
            result.events[0].get("source"),
            Some(&Value::Str("timer".into()))
        );
        assert_eq!(result.results[0].seq_id, Some(11));
        assert_eq!(result.results[1].seq_id, Some(10));
    }

    #[test]
    fn ids_continue_and_late_events_follow_the_policy() {
        let mut seq = Sequencer::default();
        seq.apply_events(vec![event(10, "timer", None, None, 0)]);
        let result = seq.apply_events(vec![
            event(9, "timer", None, None, 0),
            event(10, "timer", None, None, 0),
        ]);
        assert_eq!(result.results[0].code, "late_event");
        assert_eq!(result.results[0].field, "/event_time");
        assert!(result.results[0].late);
        assert_eq!(result.results[1].seq_id, Some(2));
        assert!(!result.results[1].late);

        let mut accept = Sequencer::new(LatePolicy::Accept);
        accept.apply_events(vec![event(10, "timer", None, None, 0)]);
        let result = accept.apply_events(vec![
            event(11, "timer", None, None, 0),
            event(3, "timer", None, None, 0),
        ]);
        assert_eq!(
            result.results[1].seq_id,
            Some(2),
            "late event sorts first in its batch"
        );
        assert!(result.results[1].late && result.results[1].accepted());
        assert_eq!(accept.last_event_time(), Some(11));
    }

    #[test]
    fn refuses_what_it_cannot_sequence_with_a_pointer() {
        let base = event(1, "timer", None, None, 0);
        let with = |key: &str, value: Value| {
            let mut e = base.clone();
            if let Value::Object(pairs) = &mut e {
                match pairs.iter_mut().find(|(k, _)| k == key) {
                    Some((_, v)) => *v = value,
                    None => pairs.push((key.into(), value)),
                }
            }
            e
        };
        let cases = vec![
            (Value::Int(3), ""),
            (with("kind", Value::Str("intent".into())), "/kind"),
            (with("seq_id", Value::Int(4)), "/seq_id"),
            (with("event_time", Value::Bool(true)), "/event_time"),
            (with("event_time", Value::Float(1.0)), "/event_time"),
            (with("event_time", Value::Int(TIME_LIMIT)), "/event_time"),
            (with("source", Value::Str("news".into())), "/source"),
            (with("venue", Value::Str(String::new())), "/venue"),
            (
                with("instrument", Value::Str("a\u{7}b".into())),
                "/instrument",
            ),
            (
                with("instrument", Value::Str("x".repeat(129))),
                "/instrument",
            ),
            (with("producer", Value::Int(-1)), "/producer"),
            (
                with(
                    "payload",
                    Value::Object(vec![
                        ("b".into(), Value::BigInt { negative: true }),
                        ("a".into(), Value::Float(f64::NAN)),
                    ]),
                ),
                "/payload/a",
            ),
            (
                with(
                    "x/y~",
                    Value::Array(vec![Value::Null, Value::Unrepresentable]),
                ),
                "/x~1y~0/1",
            ),
        ];
        let (batch, fields): (Vec<Value>, Vec<&str>) = cases.into_iter().unzip();
        let mut seq = Sequencer::default();
        let result = seq.apply_events(batch);
        assert!(result.events.is_empty());
        let got: Vec<&str> = result.results.iter().map(|r| r.field.as_str()).collect();
        assert_eq!(got, fields);
        assert!(result
            .results
            .iter()
            .all(|r| r.code == "invalid_payload" && r.seq_id.is_none()));
        assert_eq!(seq.next_seq_id(), 1);
    }

    #[test]
    fn deep_values_are_refused_without_recursing_far() {
        let mut deep = Value::Null;
        for _ in 0..1000 {
            deep = Value::Array(vec![deep]);
        }
        let mut e = event(1, "timer", None, None, 0);
        if let Value::Object(pairs) = &mut e {
            pairs.push(("payload2".into(), deep));
        }
        let result = Sequencer::default().apply_events(vec![e]);
        assert_eq!(result.results[0].code, "invalid_payload");
        // payload2 sits at depth 2; the container at depth 32 is the one refused.
        assert_eq!(
            result.results[0].field,
            format!("/payload2{}", "/0".repeat(30))
        );
    }

    #[test]
    fn exhausted_ids_are_numeric_overflow() {
        let mut seq =
            Sequencer::from_options(&Value::Null, &Value::Null, &Value::Int(SEQ_ID_MAX)).unwrap();
        let result = seq.apply_events(vec![
            event(1, "timer", None, None, 0),
            event(2, "timer", None, None, 0),
        ]);
        assert_eq!(result.results[0].seq_id, Some(SEQ_ID_MAX));
        assert_eq!(
            (result.results[1].code, result.results[1].field.as_str()),
            ("numeric_overflow", "/seq_id")
        );
        assert_eq!(seq.next_seq_id(), SEQ_ID_MAX + 1);
        let restored_ok = Sequencer::default().restore(&seq.snapshot());
        assert!(restored_ok.is_ok());
    }

    #[test]
    fn jsonl_writes_one_canonical_line_per_line() {
        let mut seq = Sequencer::default();
        let line = r#"[{"producer":0,"kind":"event","event_time":2,"source":"timer","venue":null,"instrument":null,"payload":{"z":1.5,"a":[]}}, 7]"#;
        let data = format!("{line}\n[\nNaN\n{{}}\n");
        let out = String::from_utf8(seq.apply_jsonl(data.as_bytes())).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            r#"{"accepted":true,"code":"ok","diagnostics":[],"events":[{"event_time":2,"instrument":null,"kind":"event","payload":{"a":[],"z":1.5},"producer":0,"seq_id":1,"source":"timer","venue":null}],"results":[{"accepted":true,"code":"ok","diagnostics":[],"index":0,"late":false,"seq_id":1},{"accepted":false,"code":"invalid_payload","diagnostics":[{"code":"invalid_payload","field":""}],"index":1,"late":false,"seq_id":null}]}"#
        );
        let refused = r#"{"accepted":false,"code":"invalid_payload","diagnostics":[{"code":"invalid_payload","field":""}],"events":[],"results":[]}"#;
        assert_eq!(&lines[1..], &[refused, refused, refused]);
        assert!(out.ends_with('\n'));
    }

    #[test]
    fn snapshot_round_trips_and_bad_snapshots_change_nothing() {
        let mut seq = Sequencer::new(LatePolicy::Accept);
        seq.apply_events(vec![event(7, "timer", None, None, 0)]);
        assert_eq!(
            seq.snapshot_json(),
            r#"{"last_event_time":7,"late_policy":"accept","next_seq_id":2,"schema_version":1,"source_priority":["control","broker_report","market_data","timer"]}"#
        );
        let mut other = Sequencer::default();
        other.restore(&seq.snapshot()).unwrap();
        assert_eq!(other, seq);
        assert_eq!(other.state_hash(), seq.state_hash());

        let good = seq.snapshot_json();
        for (bad, field) in [
            (
                good.replace("\"next_seq_id\":2", "\"next_seq_id\":0"),
                "/next_seq_id",
            ),
            (
                good.replace("\"last_event_time\":7", "\"last_event_time\":-1"),
                "/last_event_time",
            ),
            (good.replace("\"accept\"", "\"maybe\""), "/late_policy"),
            (
                good.replace("\"timer\"]", "\"control\"]"),
                "/source_priority",
            ),
            (
                good.replace("\"schema_version\":1", "\"schema_version\":2"),
                "/schema_version",
            ),
            (good.replace("\"schema_version\":1,", ""), ""),
            (good.replace("{", "{\"extra\":0,"), ""),
            ("[]".to_string(), ""),
        ] {
            let mut target = Sequencer::default();
            let error = target.restore(&parse_str(&bad).unwrap()).unwrap_err();
            match error {
                EngineError::InvalidPayload { field: got, .. } => {
                    assert_eq!(got.as_deref(), Some(field), "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
            assert_eq!(target, Sequencer::default());
        }
    }

    #[test]
    fn options_are_checked() {
        let bad = [
            (Value::Str("later".into()), Value::Null, Value::Null),
            (Value::Int(1), Value::Null, Value::Null),
            (Value::Null, Value::Array(vec![]), Value::Null),
            (Value::Null, Value::Str("control".into()), Value::Null),
            (Value::Null, Value::Null, Value::Int(0)),
            (Value::Null, Value::Null, Value::Bool(true)),
            (Value::Null, Value::Null, Value::Int(SEQ_ID_MAX + 1)),
        ];
        for (policy, priority, start) in bad {
            let error = Sequencer::from_options(&policy, &priority, &start).unwrap_err();
            assert_eq!(error.code(), "invalid_config");
        }
    }

    #[test]
    fn identifiers_count_code_points() {
        assert!(is_identifier(&"é".repeat(128)));
        assert!(!is_identifier(&"é".repeat(129)));
        assert!(!is_identifier("a\u{85}"));
        assert!(is_identifier("\u{a0}"));
    }
}
