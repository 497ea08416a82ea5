//! The fast typed reader (`engine::fast_input`) against the reference reader
//! (`strict_json` + `inputs::parse_input`): whenever the fast reader accepts a line,
//! the reference must accept it too and read exactly the same `ParsedInput`. The
//! corpus: every input line of the golden fixtures, a valid line of every event and
//! intent type, and systematic mutations of those (every value replaced by hostile
//! tokens, keys dropped, repeated, renamed, reordered, escaped, whitespace, every
//! truncation, byte flips). The fast reader may decline anything; it must also accept
//! the plain valid lines, or the hot path would never be taken.

use std::fs;
use std::path::Path;

use cracktrader_rust::engine::canonical::write_value;
use cracktrader_rust::engine::fast_input::{read_line, Fields};
use cracktrader_rust::engine::inputs::parse_input;
use cracktrader_rust::engine::strict_json::{parse_bytes_ref, parse_str};
use cracktrader_rust::engine::value::Value;

const VALID: &[&str] = &[
    r#"{"event_time":1700000000000,"event_type":"bar","idempotency_key":null,"ingest_time":1700000000000,"instrument":"BTC/USDT","kind":"event","payload":{"close":"99.23","high":"100.19","low":"99.20","open":"99.93","timeframe_ms":60000,"volume":"12.5"},"producer":0,"seq_id":1,"source":"market_data","venue":"sim"}"#,
    r#"{"kind":"event","seq_id":7,"event_time":5,"ingest_time":6,"source":"market_data","venue":"v","instrument":"i","event_type":"trade","payload":{"price":"101.5","amount":"0.25","side":"sell","trade_id":"t-1"},"idempotency_key":"k1","producer":3}"#,
    r#"{"kind":"event","seq_id":8,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"order_accepted","payload":{"order_id":"o1"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":9,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"order_rejected","payload":{"order_id":"o1","reason":"no"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":10,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"order_filled","payload":{"order_id":"o1","fill_id":"f1","qty":"1","price":"2.5","fee":"0.01"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":11,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"order_filled","payload":{"order_id":"o1","fill_id":"f1","qty":3,"price":-2,"fee":null},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":12,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"order_cancelled","payload":{"order_id":"o1"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":13,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"cancel_rejected","payload":{"order_id":"o1","reason":"late"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":14,"event_time":5,"ingest_time":6,"source":"broker_report","venue":"v","instrument":"i","event_type":"order_expired","payload":{"order_id":"o1"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":15,"event_time":5,"ingest_time":6,"source":"timer","venue":null,"instrument":null,"event_type":"timer","payload":{"name":"tick"},"idempotency_key":null,"producer":0}"#,
    r#"{"kind":"event","seq_id":16,"event_time":5,"ingest_time":6,"source":"control","venue":null,"instrument":"x","event_type":"kill_switch","payload":{"enabled":true},"idempotency_key":null,"producer":0}"#,
    r#"{"intent_type":"place_order","kind":"intent","payload":{"expire_time":null,"instrument":"BTC/USDT","intent_id":"i-o2","limit_price":"98.24","oco_group":null,"order_id":"o2","order_type":"limit","parent_order_id":null,"qty":"0.25","side":"sell","stop_price":null,"strategy_id":"bench","time_in_force":"gtc","venue":"sim"},"seq_id":2}"#,
    r#"{"kind":"intent","seq_id":3,"intent_type":"place_order","payload":{"intent_id":"i1","order_id":"o1","instrument":"x","venue":"v","side":"buy","order_type":"stop_limit","qty":"1","limit_price":"1","stop_price":"2","time_in_force":"ioc","expire_time":99,"parent_order_id":"p","oco_group":"g","strategy_id":"s"}}"#,
    r#"{"kind":"intent","seq_id":4,"intent_type":"place_order","payload":{"intent_id":"i1","order_id":"o1","instrument":"x","venue":"v","side":"buy","order_type":"market","qty":"1","limit_price":null,"stop_price":null,"time_in_force":"fok","expire_time":0,"parent_order_id":null,"oco_group":null,"strategy_id":"s"}}"#,
    r#"{"kind":"intent","seq_id":5,"intent_type":"place_order","payload":{"intent_id":"i1","order_id":"o1","instrument":"x","venue":"v","side":"sell","order_type":"stop","qty":"1","limit_price":null,"stop_price":"3","time_in_force":"gtc","expire_time":null,"parent_order_id":null,"oco_group":null,"strategy_id":"s"}}"#,
    r#"{"kind":"intent","seq_id":6,"intent_type":"cancel_order","payload":{"order_id":"o1"}}"#,
    r#"{"kind":"intent","seq_id":7,"intent_type":"replace_order","payload":{"order_id":"o1","qty":"2","limit_price":null,"stop_price":null}}"#,
    r#"{"kind":"intent","seq_id":8,"intent_type":"replace_order","payload":{"order_id":"o1","qty":null,"limit_price":"5","stop_price":"6"}}"#,
    r#"{"kind":"intent","seq_id":9,"intent_type":"set_risk_flag","payload":{"name":"allow_short","value":false}}"#,
    r#"{"kind":"intent","seq_id":10,"intent_type":"set_risk_flag","payload":{"name":"kill_switch","value":true}}"#,
    r#"{"kind":"intent","seq_id":11,"intent_type":"noop","payload":{}}"#,
    r#" { "kind" : "intent" , "seq_id" : 12 , "intent_type" : "noop" , "payload" : { } } "#,
];

/// Tokens every value is replaced with.
const HOSTILE: &[&str] = &[
    "null", "true", "false", "0", "-0", "1", "-1", "01", "1.0", "1e3", "1E3", "-", "2.5", "1e400",
    "999999999999999999", "1000000000000000000", "-999999999999999999", "9223372036854775807",
    "9223372036854775808", "123456789012345678901234567890123456789012", r#""""#, r#""x""#, r#""0""#,
    r#""-1""#, r#""1e5""#, r#""1.""#, r#"".5""#, r#""NaN""#, r#""inf""#, r#"" 1""#, r#""0.0000000001""#,
    r#""1e30""#, r#""\u0041""#, r#""a\u0007""#, r#""a\nb""#, "\"a\u{7f}\"", "\"a\u{85}\"", "\"é\"", r#""\ud800""#,
    r#""o1""#, r#""buy""#, r#""sell""#, r#""limit""#, r#""market""#, r#""stop""#, r#""stop_limit""#, r#""gtc""#,
    r#""event""#, r#""intent""#, r#""bar""#, r#""timer""#, r#""control""#, r#""market_data""#,
    r#""broker_report""#, r#""kill_switch""#, r#""allow_short""#, r#""place_order""#, r#""noop""#, "[]",
    "{}", "[1]", r#"{"a":1}"#, "tru", "nul", "\"unterminated",
];

fn reference(line: &[u8]) -> Option<String> {
    let value = parse_bytes_ref(line).ok()?;
    parse_input(&value).ok().map(|parsed| format!("{parsed:?}"))
}

/// The property; returns whether the fast reader accepted the line.
fn check(line: &[u8]) -> bool {
    let mut fields = Fields::new();
    let fast = read_line(line, &mut fields).map(|parsed| format!("{parsed:?}"));
    if let Some(fast) = &fast {
        let slow = reference(line);
        assert_eq!(Some(fast.clone()), slow, "fast reader accepted {:?}", String::from_utf8_lossy(line));
    }
    fast.is_some()
}

/// The byte ranges of every value in a line, found through the reference parser:
/// each key's value text as it stands, for the top level and the payload.
fn value_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let bytes = line.as_bytes();
    // scan for `":` and take the value up to the next `,` or `}` at depth zero
    let mut index = 0;
    while let Some(found) = line[index..].find("\":") {
        let mut start = index + found + 2;
        while bytes.get(start) == Some(&b' ') {
            start += 1;
        }
        let mut end = start;
        let mut depth = 0i32;
        let mut in_string = false;
        while end < bytes.len() {
            let b = bytes[end];
            if in_string {
                if b == b'\\' {
                    end += 1;
                } else if b == b'"' {
                    in_string = false;
                }
            } else if b == b'"' {
                in_string = true;
            } else if b == b'{' || b == b'[' {
                depth += 1;
            } else if b == b'}' || b == b']' {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if b == b',' && depth == 0 {
                break;
            }
            end += 1;
        }
        spans.push((start, end));
        index = start;
    }
    spans
}

fn mutations(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (start, end) in value_spans(line) {
        for token in HOSTILE {
            out.push(format!("{}{}{}", &line[..start], token, &line[end..]));
        }
    }
    // keys: dropped, renamed, repeated, escaped
    let keys: Vec<(usize, usize)> = {
        let mut keys = Vec::new();
        let mut index = 0;
        while let Some(found) = line[index..].find("\":") {
            let end = index + found + 1;
            let start = line[..end - 1].rfind('"').unwrap_or(0);
            keys.push((start, end));
            index = end + 1;
        }
        keys
    };
    for (start, end) in &keys {
        let key = &line[*start..*end];
        out.push(format!("{}\"zz\"{}", &line[..*start], &line[*end..]));
        out.push(format!("{}{}{}", &line[..*start], key.to_uppercase(), &line[*end..]));
        out.push(format!("{}{}:null,{}", &line[..*start], key, &line[*start..]));
        out.push(format!("{}\"\\u00{:02x}{}{}", &line[..*start], key.as_bytes()[1], &key[2..], &line[*end..]));
        // drop the member (key, colon, value, and one comma)
        if let Some((value_start, value_end)) = value_spans(line).into_iter().find(|(s, _)| *s > *end) {
            let after = if line[value_end..].starts_with(',') { value_end + 1 } else { value_end };
            let mut dropped = format!("{}{}", &line[..*start], &line[after..]);
            dropped = dropped.replace(",}", "}");
            let _ = value_start;
            out.push(dropped);
        }
    }
    // every truncation, whitespace and framing
    for cut in 0..line.len() {
        if line.is_char_boundary(cut) {
            out.push(line[..cut].to_owned());
        }
    }
    out.push(format!("{line} x"));
    out.push(format!("{line}\r"));
    out.push(format!("\t{line}"));
    out.push(format!("[{line}]"));
    out.push(line.replace(',', " ,\n "));
    out.push(line.replace(':', ": "));
    out
}

fn golden_lines() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("fixtures").join("golden");
    let mut lines = Vec::new();
    let Ok(entries) = fs::read_dir(root) else { return lines };
    for entry in entries.flatten() {
        let Ok(text) = fs::read_to_string(entry.path()) else { continue };
        let Ok(fixture) = parse_str(&text) else { continue };
        if let Some(Value::Array(items)) = fixture.get("inputs") {
            for item in items {
                if let Value::Str(line) = item {
                    lines.push(line.clone());
                }
            }
        }
    }
    lines
}

#[test]
fn accepts_the_plain_valid_lines() {
    for line in VALID {
        assert!(reference(line.as_bytes()).is_some(), "not valid: {line}");
        assert!(check(line.as_bytes()), "fast reader declined {line}");
        // and in canonical (sorted) key order, as apply_jsonl's producers write them
        let mut canonical = String::new();
        write_value(&mut canonical, &parse_str(line).unwrap());
        assert!(check(canonical.as_bytes()), "fast reader declined {canonical}");
        for mutated in mutations(&canonical) {
            check(mutated.as_bytes());
        }
    }
}

#[test]
fn never_disagrees_with_the_reference_on_mutations() {
    let (mut total, mut accepted) = (0usize, 0usize);
    for line in VALID {
        for mutated in mutations(line) {
            total += 1;
            accepted += usize::from(check(mutated.as_bytes()));
        }
    }
    println!("{total} mutated lines, {accepted} read by the fast path");
    assert!(total > 10_000 && accepted > 100);
}

#[test]
fn never_disagrees_with_the_reference_on_golden_inputs_and_their_mutations() {
    let lines = golden_lines();
    let mut accepted = 0usize;
    for line in &lines {
        accepted += usize::from(check(line.as_bytes()));
        // re-serialized canonically (sorted keys), as the benchmark feeds them
        if let Ok(value) = parse_str(line) {
            let mut canonical = String::new();
            write_value(&mut canonical, &value);
            check(canonical.as_bytes());
        }
    }
    for line in lines.iter().step_by(7) {
        for mutated in mutations(line) {
            check(mutated.as_bytes());
        }
    }
    println!("{} golden lines, {accepted} read by the fast path", lines.len());
}

#[test]
fn never_disagrees_on_random_byte_flips() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for line in VALID {
        for _ in 0..3_000 {
            let mut bytes = line.as_bytes().to_vec();
            for _ in 0..1 + (state % 3) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % bytes.len() as u64) as usize;
                bytes[at] = (state >> 32) as u8;
            }
            check(&bytes);
        }
    }
}
