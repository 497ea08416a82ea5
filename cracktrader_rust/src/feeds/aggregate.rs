//! Twin of `cracktrader/feeds/aggregate.py`: trade-to-candle aggregation (D-204).
//!
//! Buckets are `[start, start + timeframe_ms)`, `start` a multiple of `timeframe_ms`.
//! Per trade, in arrival order: older than `next_bucket_start_ms` -> stale
//! (`trade_out_of_order_dropped`); inside the active bucket -> duplicate id dropped
//! (`trade_duplicate_dropped`), volume past i128 dropped (`volume_overflow_dropped`),
//! else high/low/volume/count updated, open = earliest trade by time (first among
//! equals), close = latest (last among equals); at or past the bucket end -> the active
//! bucket is emitted and the trade opens its own bucket. No empty bucket is invented;
//! bucket time never goes back. Bucket arithmetic runs in i128 so `start + tf` cannot
//! overflow for any timestamp in `[0, 2^63)`.

use super::codes::{Counters, FeedCode};
use super::dialects::CCXT_TRADES;
use super::fields::{is_identifier, TS_LIMIT};
use super::idset::IdSet;
use super::json;
use super::ohlcv::{write_candle, Candle};
use super::trades::{read_trade, Trade, TradeBatch};
use crate::engine::canonical::{sha256_hex, write_value, JsonWriter};
use crate::engine::errors::EngineError;
use crate::engine::numbers::{self, Raw};
use crate::engine::strict_json;
use crate::engine::value::Value;

pub const SNAPSHOT_VERSION: i128 = 1;
/// `next_bucket_start_ms` may sit one bucket past the last valid timestamp after a flush.
const THRESHOLD_LIMIT: i128 = 1i128 << 64;
const BUCKET_KEYS: [&str; 10] = [
    "timestamp", "open", "high", "low", "close", "volume", "trade_count", "first_trade_ms", "last_trade_ms",
    "trade_ids",
];
const STATE_KEYS: [&str; 4] = ["next_bucket_start_ms", "next_bucket", "emit", "counters"];
const SNAPSHOT_KEYS: [&str; 7] = [
    "schema_version", "timeframe_ms", "next_bucket_start_ms", "next_bucket", "counters", "trades_aggregated",
    "candles_emitted",
];

/// What one trade did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Used,
    Stale,
    Duplicate,
    Overflow,
}

/// `timeframe_ms` must be an integer in `[1, 2^63)` (D-006).
pub fn check_timeframe(timeframe_ms: i128) -> Result<i128, EngineError> {
    if (1..TS_LIMIT).contains(&timeframe_ms) {
        Ok(timeframe_ms)
    } else {
        Err(EngineError::config(format!("timeframe_ms must be an integer in [1, 2^63), got {timeframe_ms}")))
    }
}

fn bad(message: &str) -> EngineError {
    EngineError::payload(message)
}

/// The stateful aggregator (component protocol D-020).
#[derive(Debug, Clone)]
pub struct Aggregator {
    tf: i128,
    /// `next_bucket_start_ms`; -1 while there is none.
    threshold: i128,
    active: bool,
    start: i128,
    /// Equals `threshold` while no bucket is active, so the first accepted trade opens
    /// a bucket through the same comparison as a bucket roll.
    end: i128,
    open: Raw,
    high: Raw,
    low: Raw,
    close: Raw,
    volume: Raw,
    count: u64,
    first: i128,
    last: i128,
    ids: IdSet,
    counters: Counters,
    trades_aggregated: u64,
    candles_emitted: u64,
}

impl Aggregator {
    pub fn new(timeframe_ms: i128) -> Result<Self, EngineError> {
        Ok(Aggregator {
            tf: check_timeframe(timeframe_ms)?,
            threshold: -1,
            active: false,
            start: 0,
            end: -1,
            open: 0,
            high: 0,
            low: 0,
            close: 0,
            volume: 0,
            count: 0,
            first: 0,
            last: 0,
            ids: IdSet::default(),
            counters: Counters::default(),
            trades_aggregated: 0,
            candles_emitted: 0,
        })
    }

    pub fn timeframe_ms(&self) -> i128 {
        self.tf
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    pub fn trades_aggregated(&self) -> u64 {
        self.trades_aggregated
    }

    pub fn candles_emitted(&self) -> u64 {
        self.candles_emitted
    }

    fn bucket_candle(&self) -> Candle {
        Candle {
            // start <= a trade timestamp < 2^63
            timestamp: i64::try_from(self.start).unwrap_or(i64::MAX),
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
            volume: self.volume,
            trade_count: Some(self.count),
        }
    }

    /// The bucket rules for one trade (counters are the caller's business).
    #[inline]
    fn step(&mut self, timestamp: i64, price: Raw, amount: Raw, id: Option<&str>, emit: &mut Vec<Candle>) -> Step {
        let t = i128::from(timestamp);
        if t < self.threshold {
            return Step::Stale;
        }
        if t >= self.end {
            if self.active {
                emit.push(self.bucket_candle());
                self.candles_emitted = self.candles_emitted.saturating_add(1);
            }
            // t >= 0 and tf >= 1: the remainder is the floor remainder
            self.start = t.saturating_sub(t.checked_rem(self.tf).unwrap_or(0));
            self.end = self.start.saturating_add(self.tf);
            self.threshold = self.start;
            self.active = true;
            (self.open, self.high, self.low, self.close, self.volume) = (price, price, price, price, amount);
            self.count = 1;
            (self.first, self.last) = (t, t);
            self.ids.clear();
            if let Some(id) = id {
                self.ids.insert(id);
            }
            return Step::Used;
        }
        // One lookup per id: duplicate first, then the volume check, then the insert.
        let probe = id.map(|id| self.ids.probe(id));
        if probe.is_some_and(|p| p.found) {
            return Step::Duplicate;
        }
        let Some(total) = self.volume.checked_add(amount) else {
            return Step::Overflow;
        };
        if let (Some(id), Some(probe)) = (id, probe) {
            self.ids.insert_probed(id, probe);
        }
        self.volume = total;
        if price > self.high {
            self.high = price;
        } else if price < self.low {
            self.low = price;
        }
        if t < self.first {
            self.first = t;
            self.open = price;
        }
        if t >= self.last {
            self.last = t;
            self.close = price;
        }
        self.count = self.count.saturating_add(1);
        Step::Used
    }

    fn record(&mut self, step: Step) {
        match step {
            Step::Used => self.trades_aggregated = self.trades_aggregated.saturating_add(1),
            Step::Stale => self.counters.bump(FeedCode::TradeOutOfOrderDropped),
            Step::Duplicate => self.counters.bump(FeedCode::TradeDuplicateDropped),
            Step::Overflow => self.counters.bump(FeedCode::VolumeOverflowDropped),
        }
    }

    /// Aggregate one trade; closed candles are appended to `emit`.
    pub fn push_one(&mut self, trade: &Trade, emit: &mut Vec<Candle>) -> Step {
        let step = self.step(trade.timestamp, trade.price, trade.amount, trade.id.as_deref(), emit);
        self.record(step);
        step
    }

    /// Aggregate trades in order; closed candles are appended to `emit`.
    pub fn push_trades(&mut self, trades: &[Trade], emit: &mut Vec<Candle>) {
        for trade in trades {
            self.push_one(trade, emit);
        }
    }

    /// Aggregate a batch, counting its dropped items too.
    pub fn push_batch(&mut self, batch: &TradeBatch, emit: &mut Vec<Candle>) {
        self.counters.merge(&batch.counters);
        self.push_trades(&batch.trades, emit);
    }

    /// Emit the active bucket (if any); trades before its end become stale.
    pub fn flush(&mut self) -> Option<Candle> {
        if !self.active {
            return None;
        }
        let candle = self.bucket_candle();
        self.threshold = self.end;
        self.active = false;
        self.ids.clear();
        self.candles_emitted = self.candles_emitted.saturating_add(1);
        Some(candle)
    }

    /// Emit the active bucket when `now_ms` is at or past its end.
    pub fn close_until(&mut self, now_ms: i128) -> Option<Candle> {
        if self.active && now_ms >= self.end {
            self.flush()
        } else {
            None
        }
    }

    fn bucket_value(&self) -> Value {
        let dec = |raw: Raw| Value::Str(numbers::format_decimal(raw));
        let ids = self.ids.sorted();
        Value::Object(vec![
            ("timestamp".into(), Value::Int(self.start)),
            ("open".into(), dec(self.open)),
            ("high".into(), dec(self.high)),
            ("low".into(), dec(self.low)),
            ("close".into(), dec(self.close)),
            ("volume".into(), dec(self.volume)),
            ("trade_count".into(), Value::Int(i128::from(self.count))),
            ("first_trade_ms".into(), Value::Int(self.first)),
            ("last_trade_ms".into(), Value::Int(self.last)),
            ("trade_ids".into(), Value::Array(ids.into_iter().map(|id| Value::Str(id.into())).collect())),
        ])
    }

    /// `{"next_bucket_start_ms", "next_bucket"}`: what the next call needs.
    pub fn state_value(&self) -> Value {
        let threshold = if self.threshold < 0 { Value::Null } else { Value::Int(self.threshold) };
        let bucket = if self.active { self.bucket_value() } else { Value::Null };
        Value::Object(vec![("next_bucket_start_ms".into(), threshold), ("next_bucket".into(), bucket)])
    }

    /// Replace the bucket state with `state` (a previous result); misuse is an error.
    pub fn load_state(&mut self, state: &Value) -> Result<(), EngineError> {
        if !matches!(state, Value::Object(_)) {
            return Err(bad("state must be a dict or None"));
        }
        let mut unknown: Vec<&str> = state.keys().filter(|k| !STATE_KEYS.contains(k)).collect();
        unknown.sort_unstable();
        if let Some(key) = unknown.first() {
            return Err(EngineError::payload(format!("unknown state key {key:?}")));
        }
        self.load_bucket(state)
    }

    fn load_bucket(&mut self, state: &Value) -> Result<(), EngineError> {
        let (Some(threshold), Some(bucket)) = (state.get("next_bucket_start_ms"), state.get("next_bucket")) else {
            return Err(bad("state lacks next_bucket_start_ms or next_bucket"));
        };
        let tf = self.tf;
        let threshold = match threshold {
            Value::Null => {
                if !bucket.is_null() {
                    return Err(bad("next_bucket without next_bucket_start_ms"));
                }
                (self.threshold, self.end, self.active) = (-1, -1, false);
                self.ids.clear();
                return Ok(());
            }
            Value::Int(x) if (0..THRESHOLD_LIMIT).contains(x) && x.checked_rem(tf) == Some(0) => *x,
            _ => return Err(bad("next_bucket_start_ms must be a multiple of timeframe_ms in [0, 2^64)")),
        };
        if bucket.is_null() {
            (self.threshold, self.end, self.active) = (threshold, threshold, false);
            self.ids.clear();
            return Ok(());
        }
        let keys: Vec<&str> = bucket.keys().collect();
        if !matches!(bucket, Value::Object(_))
            || keys.len() != BUCKET_KEYS.len()
            || !BUCKET_KEYS.iter().all(|k| keys.contains(k))
        {
            return Err(bad("next_bucket must be a dict with exactly the bucket keys"));
        }
        let int = |key: &str| match bucket.get(key) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        };
        let start = match int("timestamp") {
            Some(start) if start == threshold && start < TS_LIMIT => start,
            _ => return Err(bad("next_bucket.timestamp must equal next_bucket_start_ms")),
        };
        let mut raws = [0 as Raw; 5];
        for (slot, key) in raws.iter_mut().zip(["open", "high", "low", "close", "volume"]) {
            let value = bucket.get(key).unwrap_or(&Value::Null);
            *slot = numbers::parse_value(value).map_err(|_| bad("next_bucket decimal field is not a decimal"))?;
        }
        let [open, high, low, close, volume] = raws;
        if high < open.max(close) || low > open.min(close) || volume <= 0 {
            return Err(bad("next_bucket prices or volume are inconsistent"));
        }
        let count = match int("trade_count") {
            Some(count) if (1..TS_LIMIT).contains(&count) => u64::try_from(count).map_err(|_| bad("trade_count"))?,
            _ => return Err(bad("next_bucket.trade_count must be an integer >= 1")),
        };
        let (Some(first), Some(last)) = (int("first_trade_ms"), int("last_trade_ms")) else {
            return Err(bad("next_bucket first/last trade times must be integers"));
        };
        if !(start <= first && first <= last && last < start.saturating_add(tf)) {
            return Err(bad("next_bucket first/last trade times must lie in the bucket, in order"));
        }
        let Some(Value::Array(id_values)) = bucket.get("trade_ids") else {
            return Err(bad("next_bucket.trade_ids must be a list of identifiers"));
        };
        let mut ids = IdSet::default();
        for id in id_values {
            match id {
                Value::Str(text) if is_identifier(text) => {
                    if !ids.insert(text) {
                        return Err(bad("next_bucket.trade_ids must be distinct"));
                    }
                }
                _ => return Err(bad("next_bucket.trade_ids must be a list of identifiers")),
            }
        }
        if u64::try_from(ids.len()).map_or(true, |n| n > count) {
            return Err(bad("next_bucket.trade_ids must be at most trade_count"));
        }
        (self.threshold, self.start, self.end, self.active) = (start, start, start.saturating_add(tf), true);
        (self.open, self.high, self.low, self.close, self.volume) = (open, high, low, close, volume);
        (self.count, self.first, self.last, self.ids) = (count, first, last, ids);
        Ok(())
    }

    fn counters_value(&self) -> Value {
        Value::Object(
            self.counters.sorted().into_iter().map(|(code, n)| (code.to_string(), Value::Int(i128::from(n)))).collect(),
        )
    }

    /// All state needed to continue identically.
    pub fn snapshot_value(&self) -> Value {
        let Value::Object(mut pairs) = self.state_value() else { return Value::Null };
        pairs.extend([
            ("schema_version".to_string(), Value::Int(SNAPSHOT_VERSION)),
            ("timeframe_ms".to_string(), Value::Int(self.tf)),
            ("counters".to_string(), self.counters_value()),
            ("trades_aggregated".to_string(), Value::Int(i128::from(self.trades_aggregated))),
            ("candles_emitted".to_string(), Value::Int(i128::from(self.candles_emitted))),
        ]);
        Value::Object(pairs)
    }

    /// Replace all state with `snapshot`; a malformed snapshot changes nothing.
    pub fn restore(&mut self, snapshot: &Value) -> Result<(), EngineError> {
        let keys: Vec<&str> = snapshot.keys().collect();
        if !matches!(snapshot, Value::Object(_))
            || keys.len() != SNAPSHOT_KEYS.len()
            || !SNAPSHOT_KEYS.iter().all(|k| keys.contains(k))
        {
            return Err(bad("snapshot must be a dict with exactly the snapshot keys"));
        }
        if snapshot.get("schema_version") != Some(&Value::Int(SNAPSHOT_VERSION)) {
            return Err(bad("unsupported snapshot schema_version"));
        }
        let timeframe = match snapshot.get("timeframe_ms") {
            Some(Value::Int(tf)) => check_timeframe(*tf).map_err(|e| bad(&e.to_string()))?,
            _ => return Err(bad("timeframe_ms must be an integer in [1, 2^63)")),
        };
        let Some(Value::Object(counter_pairs)) = snapshot.get("counters") else {
            return Err(bad("snapshot counters must be a dict"));
        };
        let mut counters = Counters::default();
        for (key, value) in counter_pairs {
            match (FeedCode::parse(key), value) {
                (Some(code), Value::Int(n)) if (1..TS_LIMIT).contains(n) => {
                    counters.add(code, u64::try_from(*n).unwrap_or(0));
                }
                _ => return Err(bad("snapshot counters must map feed codes to positive integers")),
            }
        }
        let total = |key: &str| match snapshot.get(key) {
            Some(Value::Int(n)) if (0..TS_LIMIT).contains(n) => u64::try_from(*n).ok(),
            _ => None,
        };
        let (Some(trades_aggregated), Some(candles_emitted)) = (total("trades_aggregated"), total("candles_emitted"))
        else {
            return Err(bad("snapshot totals must be non-negative integers"));
        };
        let mut fresh = Aggregator::new(timeframe)?;
        fresh.load_bucket(snapshot)?;
        fresh.counters = counters;
        fresh.trades_aggregated = trades_aggregated;
        fresh.candles_emitted = candles_emitted;
        *self = fresh;
        Ok(())
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    pub fn state_hash(&self) -> String {
        let mut out = String::with_capacity(512);
        write_value(&mut out, &self.snapshot_value());
        sha256_hex(out.as_bytes())
    }

    /// One CCXT unified trade (as a `Value`) -> the per-input result.
    pub fn apply(&mut self, payload: &Value) -> ApplyResult {
        match read_trade(payload, &CCXT_TRADES) {
            Ok(trade) => self.apply_trade(trade),
            Err(code) => self.refuse(code),
        }
    }

    /// The result for an input refused before aggregation (its code is counted).
    pub fn refuse(&mut self, code: FeedCode) -> ApplyResult {
        self.counters.bump(code);
        ApplyResult { accepted: false, code: code.as_str(), emit: Vec::new() }
    }

    /// Aggregate one normalized trade and say what happened to it.
    pub fn apply_trade(&mut self, trade: Trade) -> ApplyResult {
        let mut emit = Vec::new();
        let code = match self.push_one(&trade, &mut emit) {
            Step::Used => "ok",
            Step::Stale => FeedCode::TradeOutOfOrderDropped.as_str(),
            Step::Duplicate => FeedCode::TradeDuplicateDropped.as_str(),
            Step::Overflow => FeedCode::VolumeOverflowDropped.as_str(),
        };
        ApplyResult { accepted: code == "ok", code, emit }
    }

    /// One canonical result line per input line; an unreadable line is `invalid_json`.
    pub fn apply_jsonl(&mut self, data: &[u8]) -> String {
        let mut out = String::new();
        for line in strict_json::split_lines(data) {
            let result = match json::parse(line) {
                Ok(tape) => match read_trade(&tape.root(), &CCXT_TRADES) {
                    Ok(trade) => self.apply_trade(trade),
                    Err(code) => self.refuse(code),
                },
                Err(_) => self.refuse(FeedCode::InvalidJson),
            };
            result.write_json(&mut out);
            out.push('\n');
        }
        out
    }
}

/// What `apply` returns: `{"accepted", "code", "emit"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyResult {
    pub accepted: bool,
    pub code: &'static str,
    pub emit: Vec<Candle>,
}

impl ApplyResult {
    pub fn write_json(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.bool_field("accepted", self.accepted);
        w.str_field("code", self.code);
        let list = w.key("emit");
        list.push('[');
        for (index, candle) in self.emit.iter().enumerate() {
            if index > 0 {
                list.push(',');
            }
            write_candle(list, candle);
        }
        list.push(']');
        w.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(timestamp: i64, price: Raw, amount: Raw, id: Option<&str>) -> Trade {
        Trade { timestamp, price, amount, side: None, id: id.map(Into::into) }
    }

    #[test]
    fn buckets_roll_and_drop_stale_and_duplicates() {
        let mut agg = Aggregator::new(1000).unwrap();
        let mut emit = Vec::new();
        let trades = [
            trade(1500, 10, 1, Some("a")),
            trade(1200, 8, 1, Some("b")),   // earlier in the same bucket: becomes the open
            trade(1500, 12, 1, Some("a")),  // duplicate id
            trade(1999, 11, 2, None),
            trade(3100, 20, 1, Some("c")),  // gap: bucket 2000 is not invented
            trade(2999, 1, 1, Some("d")),   // stale
        ];
        agg.push_trades(&trades, &mut emit);
        assert_eq!(emit.len(), 1);
        let c = &emit[0];
        assert_eq!((c.timestamp, c.open, c.high, c.low, c.close, c.volume), (1000, 8, 11, 8, 11, 4));
        assert_eq!(c.trade_count, Some(3));
        assert_eq!(agg.counters().get(FeedCode::TradeOutOfOrderDropped), 1);
        assert_eq!(agg.counters().get(FeedCode::TradeDuplicateDropped), 1);
        let flushed = agg.flush().unwrap();
        assert_eq!(flushed.timestamp, 3000);
        let mut more = Vec::new();
        assert_eq!(agg.push_one(&trade(3999, 1, 1, None), &mut more), Step::Stale);
    }

    #[test]
    fn volume_overflow_drops_the_trade_and_extremes_do_not_wrap() {
        let mut agg = Aggregator::new(i128::from(i64::MAX)).unwrap();
        let mut emit = Vec::new();
        agg.push_one(&trade(i64::MAX, Raw::MIN, Raw::MAX, None), &mut emit);
        assert_eq!(agg.push_one(&trade(i64::MAX, Raw::MAX, 1, None), &mut emit), Step::Overflow);
        let candle = agg.flush().unwrap();
        assert_eq!((candle.open, candle.volume), (Raw::MIN, Raw::MAX));
        assert_eq!(agg.state_value().get("next_bucket_start_ms"), Some(&Value::Int((1i128 << 64) - 2)));
    }

    #[test]
    fn state_round_trips_and_bad_state_is_refused() {
        let mut agg = Aggregator::new(1000).unwrap();
        let mut emit = Vec::new();
        agg.push_trades(&[trade(1500, 10, 1, Some("x")), trade(1600, 9, 1, Some("y"))], &mut emit);
        let snap = agg.snapshot_value();
        let mut other = Aggregator::new(5).unwrap();
        other.restore(&snap).unwrap();
        assert_eq!(other.state_hash(), agg.state_hash());
        let mut bad_state = agg.state_value();
        if let Value::Object(pairs) = &mut bad_state {
            pairs[0].1 = Value::Int(1001);
        }
        assert!(Aggregator::new(1000).unwrap().load_state(&bad_state).is_err());
        assert!(Aggregator::new(0).is_err());
    }

    #[test]
    fn apply_jsonl_reports_per_line() {
        let mut agg = Aggregator::new(1000).unwrap();
        let out = agg.apply_jsonl(b"{\"timestamp\":5,\"price\":1,\"amount\":1}\nNaN\n{\"timestamp\":1005,\"price\":2,\"amount\":1}\n");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], r#"{"accepted":true,"code":"ok","emit":[]}"#);
        assert_eq!(lines[1], r#"{"accepted":false,"code":"invalid_json","emit":[]}"#);
        assert_eq!(
            lines[2],
            r#"{"accepted":true,"code":"ok","emit":[{"close":"1","high":"1","low":"1","open":"1","timestamp":0,"trade_count":1,"volume":"1"}]}"#
        );
    }
}
