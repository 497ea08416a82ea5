//! Test-only helpers for the core's unit tests (no Python twin: tests only).
//!
//! `Harness` numbers inputs itself and returns each result as its canonical JSON, so
//! a test reads as the story it tells and asserts on the exact output bytes.

use super::core::Core;
use super::strict_json::parse_str;
use super::value::Value;

pub struct Harness {
    pub core: Core,
    pub seq: i64,
    pub time: i64,
}

impl Harness {
    pub fn new(config: &str) -> Harness {
        let value = parse_str(config).expect("config JSON");
        Harness { core: Core::from_config_value(Some(&value)).expect("valid config"), seq: 0, time: 0 }
    }

    /// Apply one JSON input; the canonical result line.
    pub fn apply(&mut self, input: &str) -> String {
        let out = String::from_utf8(self.core.apply_jsonl(format!("{input}\n").as_bytes())).expect("UTF-8 output");
        out.trim_end_matches('\n').to_owned()
    }

    pub fn next(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    fn event(&mut self, event_type: &str, source: &str, payload: &str, extra_key: &str) -> String {
        let seq = self.next();
        let (venue, instrument) =
            if matches!(source, "timer" | "control") { ("null", "null") } else { (r#""v""#, r#""i""#) };
        format!(
            r#"{{"kind":"event","seq_id":{seq},"event_time":{t},"ingest_time":{t},"source":"{source}","venue":{venue},"instrument":{instrument},"event_type":"{event_type}","payload":{payload},"idempotency_key":{extra_key},"producer":0}}"#,
            t = self.time
        )
    }

    pub fn bar(&mut self, open: &str, high: &str, low: &str, close: &str) -> String {
        self.time += 60_000;
        let payload = format!(
            r#"{{"open":"{open}","high":"{high}","low":"{low}","close":"{close}","volume":"1","timeframe_ms":60000}}"#
        );
        let input = self.event("bar", "market_data", &payload, "null");
        self.apply(&input)
    }

    /// Place an order; `fields` overrides defaults (a market buy of 1), as JSON members.
    pub fn place(&mut self, order_id: &str, fields: &str) -> String {
        let seq = self.next();
        let mut payload: Vec<(String, String)> = [
            ("intent_id", format!(r#""i-{order_id}""#)),
            ("order_id", format!(r#""{order_id}""#)),
            ("instrument", r#""i""#.into()),
            ("venue", r#""v""#.into()),
            ("side", r#""buy""#.into()),
            ("order_type", r#""market""#.into()),
            ("qty", r#""1""#.into()),
            ("limit_price", "null".into()),
            ("stop_price", "null".into()),
            ("time_in_force", r#""gtc""#.into()),
            ("expire_time", "null".into()),
            ("parent_order_id", "null".into()),
            ("oco_group", "null".into()),
            ("strategy_id", r#""s""#.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if !fields.is_empty() {
            let Value::Object(overrides) = parse_str(&format!("{{{fields}}}")).expect("fields JSON") else {
                panic!("fields must be members")
            };
            for (key, value) in overrides {
                let mut text = String::new();
                super::canonical::write_value(&mut text, &value);
                let slot = payload.iter_mut().find(|(k, _)| *k == key).expect("known field");
                slot.1 = text;
            }
        }
        let body: Vec<String> = payload.iter().map(|(k, v)| format!(r#""{k}":{v}"#)).collect();
        let input = format!(
            r#"{{"kind":"intent","seq_id":{seq},"intent_type":"place_order","payload":{{{}}}}}"#,
            body.join(",")
        );
        self.apply(&input)
    }

    pub fn intent(&mut self, intent_type: &str, payload: &str) -> String {
        let seq = self.next();
        self.apply(&format!(r#"{{"kind":"intent","seq_id":{seq},"intent_type":"{intent_type}","payload":{payload}}}"#))
    }

    pub fn report(&mut self, event_type: &str, payload: &str) -> String {
        let input = self.event(event_type, "broker_report", payload, "null");
        self.apply(&input)
    }

    pub fn snapshot(&self) -> Value {
        parse_str(&self.core.snapshot_json()).expect("snapshot JSON")
    }

    /// The snapshot's value at a JSON Pointer-like path of keys / indexes.
    pub fn at(&self, path: &[&str]) -> Value {
        let mut value = self.snapshot();
        for part in path {
            value = match value {
                Value::Object(pairs) => pairs.into_iter().find(|(k, _)| k == part).map(|(_, v)| v),
                Value::Array(items) => items.into_iter().nth(part.parse().expect("index")),
                _ => None,
            }
            .unwrap_or_else(|| panic!("no {part} in snapshot path {path:?}"));
        }
        value
    }

    pub fn state(&self, index: usize) -> String {
        match self.at(&["orders", &index.to_string(), "state"]) {
            Value::Str(state) => state,
            other => panic!("state {other:?}"),
        }
    }
}

/// The `code` of a canonical result line.
pub fn code(result: &str) -> String {
    match parse_str(result).expect("result JSON").get("code") {
        Some(Value::Str(code)) => code.clone(),
        other => panic!("no code: {other:?}"),
    }
}

/// (from, to) of each transition of a canonical result line.
pub fn moves(result: &str) -> Vec<(String, String)> {
    let value = parse_str(result).expect("result JSON");
    let Some(Value::Array(transitions)) = value.get("transitions") else { panic!("no transitions") };
    transitions
        .iter()
        .map(|t| {
            let text = |key: &str| match t.get(key) {
                Some(Value::Str(s)) => s.clone(),
                _ => "-".to_owned(),
            };
            (text("from"), text("to"))
        })
        .collect()
}
