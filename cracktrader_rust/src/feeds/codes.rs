//! Twin of `cracktrader/feeds/codes.py`: the closed list of feed counter codes and a
//! fixed-size counter table (no hashing on the hot path).

/// Why a tick, row or frame was dropped (schema `codes.json#/$defs/feed_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedCode {
    TradeOutOfOrderDropped,
    MissingField,
    InvalidNumber,
    NumericOverflow,
    InvalidTimestamp,
    InvalidSide,
    NotAnObject,
    NotARow,
    InvalidJson,
    DuplicateCandleReplaced,
    TradeDuplicateDropped,
    InvalidTradeId,
    VolumeOverflowDropped,
    InvalidFrame,
    ExchangeError,
}

/// Every code, in schema order.
pub const ALL_CODES: [FeedCode; 15] = [
    FeedCode::TradeOutOfOrderDropped,
    FeedCode::MissingField,
    FeedCode::InvalidNumber,
    FeedCode::NumericOverflow,
    FeedCode::InvalidTimestamp,
    FeedCode::InvalidSide,
    FeedCode::NotAnObject,
    FeedCode::NotARow,
    FeedCode::InvalidJson,
    FeedCode::DuplicateCandleReplaced,
    FeedCode::TradeDuplicateDropped,
    FeedCode::InvalidTradeId,
    FeedCode::VolumeOverflowDropped,
    FeedCode::InvalidFrame,
    FeedCode::ExchangeError,
];

impl FeedCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedCode::TradeOutOfOrderDropped => "trade_out_of_order_dropped",
            FeedCode::MissingField => "missing_field",
            FeedCode::InvalidNumber => "invalid_number",
            FeedCode::NumericOverflow => "numeric_overflow",
            FeedCode::InvalidTimestamp => "invalid_timestamp",
            FeedCode::InvalidSide => "invalid_side",
            FeedCode::NotAnObject => "not_an_object",
            FeedCode::NotARow => "not_a_row",
            FeedCode::InvalidJson => "invalid_json",
            FeedCode::DuplicateCandleReplaced => "duplicate_candle_replaced",
            FeedCode::TradeDuplicateDropped => "trade_duplicate_dropped",
            FeedCode::InvalidTradeId => "invalid_trade_id",
            FeedCode::VolumeOverflowDropped => "volume_overflow_dropped",
            FeedCode::InvalidFrame => "invalid_frame",
            FeedCode::ExchangeError => "exchange_error",
        }
    }

    pub fn parse(text: &str) -> Option<FeedCode> {
        ALL_CODES.iter().copied().find(|code| code.as_str() == text)
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// Counts per code. Output lists only non-zero entries, keys in code-point order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    counts: [u64; 15],
}

impl Counters {
    pub fn bump(&mut self, code: FeedCode) {
        self.add(code, 1);
    }

    pub fn add(&mut self, code: FeedCode, count: u64) {
        if let Some(slot) = self.counts.get_mut(code.slot()) {
            *slot = slot.saturating_add(count);
        }
    }

    pub fn get(&self, code: FeedCode) -> u64 {
        self.counts.get(code.slot()).copied().unwrap_or(0)
    }

    pub fn merge(&mut self, other: &Counters) {
        for code in ALL_CODES {
            self.add(code, other.get(code));
        }
    }

    /// Non-zero `(code, count)` pairs sorted by code text (the canonical key order).
    pub fn sorted(&self) -> Vec<(&'static str, u64)> {
        let mut out: Vec<(&'static str, u64)> = ALL_CODES
            .iter()
            .map(|code| (code.as_str(), self.get(*code)))
            .filter(|(_, count)| *count > 0)
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_counters_sort() {
        for code in ALL_CODES {
            assert_eq!(FeedCode::parse(code.as_str()), Some(code));
        }
        let mut counters = Counters::default();
        counters.bump(FeedCode::NotARow);
        counters.add(FeedCode::InvalidJson, 3);
        assert_eq!(counters.sorted(), vec![("invalid_json", 3), ("not_a_row", 1)]);
    }
}
