//! Twin of `cracktrader/feeds/`: trade-to-candle aggregation, the reorder buffer and
//! payload parsing (docs/feeds.md). Plain Rust; the binding converts Python objects
//! once and calls in here.
pub mod aggregate;
pub mod codes;
pub mod dialects;
pub mod fields;
pub mod idset;
pub mod json;
pub mod ohlcv;
pub mod reorder;
pub mod trades;
