//! The Rust normalizer on every trade, OHLCV and order entry of the CCXT corpus, against
//! the hand-decided table `tests/data/ccxt_expected.json` (the same table the Python
//! tests use), plus protocol checks that need no Python.

use std::path::PathBuf;

use cracktrader_rust::engine::canonical::write_value;
use cracktrader_rust::engine::normalizer::{normalize, EventNormalizer};
use cracktrader_rust::engine::strict_json::{parse_bytes, parse_str};
use cracktrader_rust::engine::value::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("data")
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or_else(|| panic!("expected a string, got {value:?}"))
}

fn items(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(items)) => items,
        other => panic!("expected an array, got {other:?}"),
    }
}

/// (input, expected item) for every unified structure of the corpus.
fn corpus() -> Vec<(String, Value, Value)> {
    let table = parse_bytes(&read(data_dir().join("ccxt_expected.json"))).unwrap();
    let mut out = Vec::new();
    for entry in items(table.get("entries")) {
        let file = text(entry.get("file"));
        let line_no = match entry.get("line") {
            Some(Value::Int(n)) => usize::try_from(*n).unwrap(),
            other => panic!("line: {other:?}"),
        };
        let data = read(data_dir().join("ccxt_unified").join(file));
        let line = data.split(|b| *b == b'\n').nth(line_no - 1).unwrap();
        let source = parse_bytes(line).unwrap();
        assert_eq!(text(source.get("method")), text(entry.get("method")), "{file}:{line_no}");
        let parsed = source.get("parsed").unwrap();
        let structures: Vec<Value> = match parsed {
            // an OHLCV result is a list of rows, a trade/order list a list of objects
            Value::Array(list) => list.clone(),
            single => vec![single.clone()],
        };
        let expected = items(entry.get("items"));
        assert_eq!(structures.len(), expected.len(), "{file}:{line_no}");
        for (index, (payload, want)) in structures.into_iter().zip(expected).enumerate() {
            let input = Value::Object(vec![
                ("kind".into(), entry.get("kind").unwrap().clone()),
                ("payload".into(), payload),
                ("context".into(), entry.get("context").unwrap().clone()),
            ]);
            out.push((format!("{file}:{line_no}:{index}"), input, want.clone()));
        }
    }
    out
}

#[test]
fn every_corpus_entry_matches_the_table() {
    let cases = corpus();
    assert_eq!(cases.len(), 27);
    for (id, input, want) in &cases {
        let outcome = normalize(input);
        let accepted = want.get("accepted") == Some(&Value::Bool(true));
        assert_eq!(outcome.accepted(), accepted, "{id}: {outcome:?}");
        if !accepted {
            assert_eq!(outcome.code, text(want.get("code")), "{id}");
            assert_eq!(outcome.field.as_deref(), Some(text(want.get("field"))), "{id}");
            assert!(outcome.events.is_empty(), "{id}");
            continue;
        }
        let wanted = items(want.get("events"));
        assert_eq!(outcome.events.len(), wanted.len(), "{id}");
        let context = input.get("context").unwrap();
        for (event, expected) in outcome.events.iter().zip(wanted) {
            let got = event.to_value();
            for (key, value) in match expected {
                Value::Object(pairs) => pairs,
                _ => panic!("{id}: event is not an object"),
            } {
                assert_eq!(canonical(got.get(key).unwrap()), canonical(value), "{id}: {key}");
            }
            for key in ["venue", "ingest_time", "producer"] {
                assert_eq!(got.get(key), context.get(key), "{id}: {key}");
            }
            assert_eq!(got.get("seq_id"), Some(&Value::Null));
            assert_eq!(got.get("kind"), Some(&Value::Str("event".into())));
        }
    }
}

#[test]
fn corpus_counters_and_jsonl_agree_with_apply() {
    let cases = corpus();
    let mut by_object = EventNormalizer::new();
    let mut expected_lines = String::new();
    let mut lines = Vec::new();
    for (_, input, _) in &cases {
        let outcome = by_object.apply(input);
        outcome.write(&mut expected_lines);
        expected_lines.push('\n');
        lines.push(canonical(input));
    }
    let mut by_text = EventNormalizer::new();
    let out = by_text.apply_jsonl(format!("{}\n", lines.join("\n")).as_bytes());
    assert_eq!(String::from_utf8(out).unwrap(), expected_lines);
    assert_eq!(by_text.state_hash(), by_object.state_hash());
    let snapshot = canonical(&by_object.snapshot());
    assert_eq!(
        snapshot,
        "{\"outcomes\":{\"invalid_number\":0,\"invalid_payload\":0,\"invalid_timestamp\":0,\
         \"missing_field\":2,\"numeric_overflow\":0,\"ok\":25,\"unsupported_payload\":0},\"schema_version\":1}"
    );
}

#[test]
fn unreadable_lines_are_refused_one_by_one() {
    let mut normalizer = EventNormalizer::new();
    let out = normalizer.apply_jsonl(b"NaN\n\n{\"a\":1,\"a\":2}\n\xff\n");
    let refused = "{\"accepted\":false,\"code\":\"invalid_payload\",\"events\":[],\"field\":\"\"}\n";
    assert_eq!(String::from_utf8(out).unwrap(), refused.repeat(4));
    assert_eq!(normalizer.apply_jsonl(b""), b"");
}

#[test]
fn snapshots_restore_and_refuse_garbage() {
    let mut first = EventNormalizer::new();
    first.apply(&Value::Null);
    let mut second = EventNormalizer::new();
    second.restore(&first.snapshot()).unwrap();
    assert_eq!(second.state_hash(), first.state_hash());
    for bad in [
        "null",
        "{}",
        "{\"schema_version\":1}",
        "{\"schema_version\":1,\"outcomes\":{}}",
        "{\"schema_version\":2,\"outcomes\":{\"ok\":0}}",
    ] {
        let before = second.state_hash();
        assert!(second.restore(&parse_str(bad).unwrap()).is_err(), "{bad}");
        assert_eq!(second.state_hash(), before);
    }
}
