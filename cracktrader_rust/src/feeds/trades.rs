//! Twin of `cracktrader/feeds/trades.py`: trade payloads -> normalized trades, one at a
//! time or in batches (D-202, D-203). Check order, first failure wins: the item's shape,
//! `missing_field` (timestamp, price, amount), `invalid_timestamp`, `invalid_side`,
//! `invalid_trade_id`, then numbers (any invalid over any overflow), then amount > 0.

use super::codes::{Counters, FeedCode};
use super::dialects::{frame_items, Item, ItemKind, TradeLayout};
use super::fields::{self, Scalar, Side, TsUnit};
use super::json;
use crate::engine::canonical::JsonWriter;
use crate::engine::numbers::Raw;

/// A normalized trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub timestamp: i64,
    pub price: Raw,
    pub amount: Raw,
    pub side: Option<Side>,
    pub id: Option<Box<str>>,
}

/// The mapping columns use for sides.
pub const COLUMN_SIDES: &[(&str, Side)] = &[("buy", Side::Buy), ("sell", Side::Sell)];

/// The raw field values of one trade, each `None` when absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct TradeFields<'a> {
    pub timestamp: Option<Scalar<'a>>,
    pub price: Option<Scalar<'a>>,
    pub amount: Option<Scalar<'a>>,
    pub side: Option<Scalar<'a>>,
    pub id: Option<Scalar<'a>>,
}

/// Normalize one trade from its field values (shared by every entry point).
pub fn build_trade(fields_in: TradeFields<'_>, unit: TsUnit, side_map: &[(&str, Side)]) -> Result<Trade, FeedCode> {
    let (Some(ts_value), Some(price_value), Some(amount_value)) = (
        fields::present(fields_in.timestamp),
        fields::present(fields_in.price),
        fields::present(fields_in.amount),
    ) else {
        return Err(FeedCode::MissingField);
    };
    let timestamp = fields::read_timestamp(ts_value, unit)?;
    let side = fields::side(fields_in.side, side_map)?;
    let id = fields::trade_id(fields_in.id)?;
    let [price, amount] = fields::resolve([fields::decimal(price_value), fields::decimal(amount_value)])?;
    if amount <= 0 {
        return Err(FeedCode::InvalidNumber);
    }
    Ok(Trade { timestamp, price, amount, side, id })
}

/// The shape code of an item that is not what the layout reads.
pub fn shape_code(expected: ItemKind) -> FeedCode {
    match expected {
        ItemKind::Object => FeedCode::NotAnObject,
        ItemKind::Row => FeedCode::NotARow,
    }
}

/// One item of a dialect -> a trade.
pub fn read_trade<I: Item>(item: &I, layout: &TradeLayout) -> Result<Trade, FeedCode> {
    if item.kind() != Some(layout.item) {
        return Err(shape_code(layout.item));
    }
    let [timestamp, price, amount, side, id] =
        item.fields([Some(layout.timestamp), Some(layout.price), Some(layout.amount), layout.side, layout.trade_id]);
    let fields_in = TradeFields { timestamp, price, amount, side, id };
    build_trade(fields_in, layout.timestamp_unit, layout.side_map)
}

/// Canonical JSON of a trade (keys in code-point order).
pub fn write_trade(out: &mut String, trade: &Trade) {
    let mut w = JsonWriter::object(out);
    w.decimal_field("amount", trade.amount);
    w.opt_str_field("id", trade.id.as_deref());
    w.decimal_field("price", trade.price);
    w.opt_str_field("side", trade.side.map(Side::as_str));
    w.int_field("timestamp", i128::from(trade.timestamp));
    w.end();
}

/// Normalized trades plus the counters of what was dropped.
#[derive(Debug, Clone, Default)]
pub struct TradeBatch {
    pub trades: Vec<Trade>,
    pub counters: Counters,
    pub items_seen: u64,
}

impl TradeBatch {
    /// Normalize one item into the batch (or count why not).
    pub fn add_item<I: Item>(&mut self, item: &I, layout: &TradeLayout) {
        self.items_seen = self.items_seen.saturating_add(1);
        match read_trade(item, layout) {
            Ok(trade) => self.trades.push(trade),
            Err(code) => self.counters.bump(code),
        }
    }

    /// Add a pre-built outcome (columns and Python dicts build their own fields).
    pub fn add_outcome(&mut self, outcome: Result<Trade, FeedCode>) {
        self.items_seen = self.items_seen.saturating_add(1);
        match outcome {
            Ok(trade) => self.trades.push(trade),
            Err(code) => self.counters.bump(code),
        }
    }

    /// Parse one raw JSON frame of `layout`'s dialect into the batch.
    pub fn add_frame(&mut self, frame: &[u8], layout: &TradeLayout) {
        let Ok(tape) = json::parse(frame) else {
            self.counters.bump(FeedCode::InvalidJson);
            return;
        };
        match frame_items(tape.root(), layout.root) {
            Ok(items) => {
                self.trades.reserve(items.len());
                for item in &items {
                    self.add_item(item, layout);
                }
            }
            Err(code) => self.counters.bump(code),
        }
    }
}

/// Raw JSON frames -> a batch.
pub fn parse_trades_json(frames: &[&[u8]], layout: &TradeLayout) -> TradeBatch {
    let mut batch = TradeBatch::default();
    for frame in frames {
        batch.add_frame(frame, layout);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::dialects::trade_layout;

    fn one(text: &str, dialect: &str) -> Result<Trade, FeedCode> {
        read_trade(&json::parse(text.as_bytes()).unwrap().root(), trade_layout(dialect).unwrap())
    }

    #[test]
    fn corpus_shapes() {
        let t = one(r#"["73324.40000","0.01030900",1710327959.1733468,"b","m","",6324366,"1"]"#, "kraken").unwrap();
        assert_eq!((t.timestamp, t.price, t.amount), (1710327959173, 73_324_400_000_000, 10_309_000));
        assert_eq!((t.side, t.id.as_deref()), (Some(Side::Buy), Some("6324366")));
        let b = one(r#"{"amount":"0.00055284","date":"1710327533","price":"73254","tid":"326595342","type":"0"}"#, "bitstamp")
            .unwrap();
        assert_eq!((b.timestamp, b.side), (1710327533000, Some(Side::Buy)));
    }

    #[test]
    fn precedence() {
        assert_eq!(one("[]", "ccxt"), Err(FeedCode::NotAnObject));
        assert_eq!(one(r#"{"timestamp":1,"price":null,"amount":"x"}"#, "ccxt"), Err(FeedCode::MissingField));
        assert_eq!(one(r#"{"timestamp":-1,"price":"x","amount":"1"}"#, "ccxt"), Err(FeedCode::InvalidTimestamp));
        assert_eq!(one(r#"{"timestamp":1,"price":"x","amount":"1","side":"up"}"#, "ccxt"), Err(FeedCode::InvalidSide));
        assert_eq!(one(r#"{"timestamp":1,"price":"x","amount":"1","id":""}"#, "ccxt"), Err(FeedCode::InvalidTradeId));
        assert_eq!(one(r#"{"timestamp":1,"price":"1e40","amount":"x"}"#, "ccxt"), Err(FeedCode::InvalidNumber));
        assert_eq!(one(r#"{"timestamp":1,"price":"1e40","amount":"0"}"#, "ccxt"), Err(FeedCode::NumericOverflow));
        assert_eq!(one(r#"{"timestamp":1,"price":"-5","amount":"0"}"#, "ccxt"), Err(FeedCode::InvalidNumber));
        assert!(one(r#"{"timestamp":1,"price":"-5","amount":1e-9}"#, "ccxt").is_ok());
    }

    #[test]
    fn frames_count_their_problems() {
        let layout = trade_layout("ccxt").unwrap();
        let frames: [&[u8]; 3] = [b"{", b"7", br#"[{"timestamp":1,"price":1,"amount":1},{}]"#];
        let batch = parse_trades_json(&frames, layout);
        assert_eq!(batch.trades.len(), 1);
        assert_eq!(batch.items_seen, 2);
        assert_eq!(batch.counters.sorted(), vec![("invalid_frame", 1), ("invalid_json", 1), ("missing_field", 1)]);
    }
}
