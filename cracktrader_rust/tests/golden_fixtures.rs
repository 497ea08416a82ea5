//! Replays every core case of `fixtures/golden/` (and `fixtures/regressions/`)
//! directly on the Rust core, without Python: each input line through the same path
//! as `apply_jsonl`, each result compared byte for byte with the fixture's expected
//! canonical line, then the final state hash (and final snapshot, when recorded).
//!
//! Zero fixture files is not a failure (the fixtures are written elsewhere); the test
//! prints how many cases it replayed so a run shows it.

use std::fs;
use std::path::{Path, PathBuf};

use cracktrader_rust::engine::canonical::write_value;
use cracktrader_rust::engine::core::Core;
use cracktrader_rust::engine::strict_json::parse_str;
use cracktrader_rust::engine::value::Value;

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("fixtures");
    let mut files = Vec::new();
    for folder in ["golden", "regressions"] {
        let Ok(entries) = fs::read_dir(root.join(folder)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn strings(fixture: &Value, key: &str) -> Result<Vec<String>, String> {
    match fixture.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(|| format!("{key} holds a non-string")))
            .collect(),
        _ => Err(format!("fixture has no list {key}")),
    }
}

fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Replay one fixture's text: `Ok(None)` when it is not a core fixture, else the
/// number of steps replayed; `Err` names the first difference.
fn replay(text: &str) -> Result<Option<usize>, String> {
    let fixture = parse_str(text).map_err(|e| format!("not strict JSON: {e:?}"))?;
    if fixture.get("target").and_then(Value::as_str) != Some("core") {
        return Ok(None);
    }
    let config = fixture.get("config").filter(|c| !c.is_null());
    let mut core = Core::from_config_value(config).map_err(|e| format!("bad config: {e}"))?;
    let inputs = strings(&fixture, "inputs")?;
    let expected = strings(&fixture, "expected")?;
    if inputs.len() != expected.len() {
        return Err("inputs and expected differ in length".into());
    }
    for (index, (line, want)) in inputs.iter().zip(&expected).enumerate() {
        let out = String::from_utf8(core.apply_jsonl(format!("{line}\n").as_bytes())).map_err(|e| e.to_string())?;
        if out.strip_suffix('\n') != Some(want.as_str()) {
            return Err(format!("step {index}: input {line}\n expected {want}\n      got {out}"));
        }
    }
    if let Some(Value::Str(hash)) = fixture.get("final_state_hash") {
        if &core.state_hash() != hash {
            return Err(format!("final state hash {} != {hash}", core.state_hash()));
        }
    }
    if let Some(snapshot @ Value::Object(_)) = fixture.get("final_snapshot") {
        if core.snapshot_json() != canonical(snapshot) {
            return Err("final snapshot differs".into());
        }
        let mut restored = Core::from_config_value(None).map_err(|e| e.to_string())?;
        restored.restore(snapshot).map_err(|e| format!("final snapshot does not restore: {e}"))?;
        if restored.state_hash() != core.state_hash() {
            return Err("restored final snapshot hashes differently".into());
        }
    }
    Ok(Some(inputs.len()))
}

#[test]
fn every_core_fixture_replays_identically() {
    let files = fixture_files();
    let mut cases = 0usize;
    let mut steps = 0usize;
    for path in &files {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        match replay(&text) {
            Ok(Some(n)) => {
                cases += 1;
                steps += n;
            }
            Ok(None) => {}
            Err(problem) => panic!("{}: {problem}", path.display()),
        }
    }
    // Reported on every run (cargo test -- --nocapture shows it).
    println!("golden/regression core fixtures replayed: {cases} cases, {steps} steps ({} files seen)", files.len());
}

/// The replay itself must be able to fail: a fixture whose expected line, hash or
/// snapshot is wrong is reported, not passed.
#[test]
fn replay_detects_a_wrong_expectation() {
    let noop = r#"{\"kind\":\"intent\",\"seq_id\":1,\"intent_type\":\"noop\",\"payload\":{}}"#;
    let ok = r#"{\"accepted\":true,\"cash_delta\":\"0\",\"code\":\"ok\",\"diagnostics\":[],\"fills\":[],\"late\":false,\"position_deltas\":[],\"seq_id\":1,\"transitions\":[]}"#;
    let fixture = |expected: &str, hash: &str| {
        format!(
            r#"{{"schema_version":1,"name":"t","target":"core","description":"","config":{{}},"inputs":["{noop}"],"expected":["{expected}"],"final_state_hash":{hash}}}"#
        )
    };
    assert_eq!(replay(&fixture(ok, "null")), Ok(Some(1)));
    let wrong_code = ok.replace("ok\\\"", "duplicate\\\"");
    assert!(replay(&fixture(&wrong_code, "null")).is_err());
    let wrong_hash = format!("\"{}\"", "0".repeat(64));
    assert!(replay(&fixture(ok, &wrong_hash)).unwrap_err().contains("final state hash"));
    let not_core = fixture(ok, "null").replace("\"core\"", "\"sequencer\"");
    assert_eq!(replay(&not_core), Ok(None));
}
