//! Twin of `cracktrader/engine/`.
pub mod canonical;
pub mod errors;
pub mod invariants;
pub mod normalizer;
pub mod numbers;
pub mod sequencer;
pub mod strict_json;
pub mod value;
