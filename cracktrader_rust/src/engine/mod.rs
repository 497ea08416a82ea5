//! Twin of `cracktrader/engine/`.
pub mod accounting;
pub mod canonical;
pub mod config;
pub mod core;
pub mod errors;
pub mod fast_input;
pub mod inputs;
pub mod intents;
pub mod invariants;
pub mod matching;
pub mod normalizer;
pub mod numbers;
pub mod orders;
pub mod reports;
pub mod results;
pub mod risk;
pub mod sequencer;
pub mod snapshot;
pub mod strict_json;
#[cfg(test)]
pub(crate) mod test_support;
pub mod value;
