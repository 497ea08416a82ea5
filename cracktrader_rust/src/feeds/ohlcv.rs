//! Twin of `cracktrader/feeds/ohlcv.py`: OHLCV rows -> normalized candles (D-202,
//! D-203). Check order, first failure wins: the item's shape, `missing_field`
//! (timestamp, open, high, low, close, volume), `invalid_timestamp`, numbers (any
//! invalid among o/h/l/c/v and the trade count over any overflow), then D-012's domain
//! rules as `invalid_number`.

use super::codes::{Counters, FeedCode};
use super::dialects::{frame_items, Item, OhlcvLayout};
use super::fields::{self, Scalar, TsUnit};
use super::json;
use super::trades::shape_code;
use crate::engine::canonical::JsonWriter;
use crate::engine::numbers::Raw;

/// A candle: from an OHLCV row (trade count when the venue sends it) or from the
/// aggregator (trade count always set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candle {
    pub timestamp: i64,
    pub open: Raw,
    pub high: Raw,
    pub low: Raw,
    pub close: Raw,
    pub volume: Raw,
    pub trade_count: Option<u64>,
}

/// Canonical JSON of a candle (keys in code-point order).
pub fn write_candle(out: &mut String, candle: &Candle) {
    let mut w = JsonWriter::object(out);
    w.decimal_field("close", candle.close);
    w.decimal_field("high", candle.high);
    w.decimal_field("low", candle.low);
    w.decimal_field("open", candle.open);
    w.int_field("timestamp", i128::from(candle.timestamp));
    w.opt_int_field("trade_count", candle.trade_count.map(i128::from));
    w.decimal_field("volume", candle.volume);
    w.end();
}

/// The raw values of one row: timestamp, open, high, low, close, volume, count.
pub type CandleFields<'a> = [Option<Scalar<'a>>; 7];

/// Normalize one candle from its field values (shared by every entry point).
pub fn build_candle(values: CandleFields<'_>, unit: TsUnit) -> Result<Candle, FeedCode> {
    let [ts, open, high, low, close, volume, count] = values;
    let present = [ts, open, high, low, close, volume].map(fields::present);
    let [Some(ts), Some(open), Some(high), Some(low), Some(close), Some(volume)] = present else {
        return Err(FeedCode::MissingField);
    };
    let timestamp = fields::read_timestamp(ts, unit)?;
    let parsed = [open, high, low, close, volume].map(fields::decimal);
    // The count is an integer field: it can be invalid, never an overflow.
    let Ok(trade_count) = fields::present(count).map(fields::trade_count).transpose() else {
        return Err(FeedCode::InvalidNumber);
    };
    let [open, high, low, close, volume] = fields::resolve(parsed)?;
    if high < low || low > open.min(close) || high < open.max(close) || volume < 0 {
        return Err(FeedCode::InvalidNumber);
    }
    Ok(Candle { timestamp, open, high, low, close, volume, trade_count })
}

/// One item of a dialect -> a candle.
pub fn read_candle<I: Item>(item: &I, layout: &OhlcvLayout) -> Result<Candle, FeedCode> {
    if item.kind() != Some(layout.item) {
        return Err(shape_code(layout.item));
    }
    let values = item.fields([
        Some(layout.timestamp),
        Some(layout.open),
        Some(layout.high),
        Some(layout.low),
        Some(layout.close),
        Some(layout.volume),
        layout.trade_count,
    ]);
    build_candle(values, layout.timestamp_unit)
}

/// Candles plus the counters of what was dropped.
#[derive(Debug, Clone, Default)]
pub struct CandleBatch {
    pub candles: Vec<Candle>,
    pub counters: Counters,
    pub items_seen: u64,
}

impl CandleBatch {
    pub fn add_outcome(&mut self, outcome: Result<Candle, FeedCode>) {
        self.items_seen = self.items_seen.saturating_add(1);
        match outcome {
            Ok(candle) => self.candles.push(candle),
            Err(code) => self.counters.bump(code),
        }
    }

    pub fn add_frame(&mut self, frame: &[u8], layout: &OhlcvLayout) {
        let Ok(tape) = json::parse(frame) else {
            self.counters.bump(FeedCode::InvalidJson);
            return;
        };
        match frame_items(tape.root(), layout.root) {
            Ok(items) => {
                for item in &items {
                    self.add_outcome(read_candle(item, layout));
                }
            }
            Err(code) => self.counters.bump(code),
        }
    }
}

/// Raw JSON frames -> candles.
pub fn parse_ohlcv_json(frames: &[&[u8]], layout: &OhlcvLayout) -> CandleBatch {
    let mut batch = CandleBatch::default();
    for frame in frames {
        batch.add_frame(frame, layout);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::dialects::ohlcv_layout;

    fn one(text: &str, dialect: &str) -> Result<Candle, FeedCode> {
        read_candle(&json::parse(text.as_bytes()).unwrap().root(), ohlcv_layout(dialect).unwrap())
    }

    #[test]
    fn rows_and_rules() {
        let c = one(r#"[1706630400,"43366.3","43529.2","43234.2","43485","43400.1","12.51327406",93]"#, "kraken").unwrap();
        assert_eq!((c.timestamp, c.close, c.trade_count), (1706630400000, 43_485_000_000_000, Some(93)));
        assert_eq!(one("[1,2,3,1,2]", "ccxt"), Err(FeedCode::MissingField));
        assert_eq!(one("{}", "ccxt"), Err(FeedCode::NotARow));
        assert_eq!(one("[1,2,1,3,2,5]", "ccxt"), Err(FeedCode::InvalidNumber)); // high < low
        assert_eq!(one("[1,2,3,1,2,-1]", "ccxt"), Err(FeedCode::InvalidNumber));
        assert_eq!(one(r#"[1,"1e40",3,1,2,"x"]"#, "ccxt"), Err(FeedCode::InvalidNumber));
        assert_eq!(one(r#"[1,"1e40",3,1,2,1]"#, "ccxt"), Err(FeedCode::NumericOverflow));
        assert_eq!(one(r#"[0,"1e40",3,1,2,1,0,-1]"#, "kraken"), Err(FeedCode::InvalidNumber));
        assert_eq!(one(r#"[0,2,3,1,2,0,1,null]"#, "kraken").unwrap().trade_count, None);
    }
}
