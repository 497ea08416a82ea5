//! Twin of `cracktrader/engine/errors.py`: the one error enum of the Rust backend.
//!
//! The binding maps each variant onto the Python exception class of the same code, so
//! callers catch the same classes whichever backend runs.

use std::fmt;

use super::numbers::NumError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    InvalidPayload { message: String, field: Option<String> },
    InvalidNumber { message: String },
    NumericOverflow { message: String },
    InvalidConfig { message: String },
}

impl EngineError {
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::InvalidPayload { .. } => "invalid_payload",
            EngineError::InvalidNumber { .. } => "invalid_number",
            EngineError::NumericOverflow { .. } => "numeric_overflow",
            EngineError::InvalidConfig { .. } => "invalid_config",
        }
    }

    pub fn payload(message: impl Into<String>) -> Self {
        EngineError::InvalidPayload { message: message.into(), field: None }
    }

    pub fn config(message: impl Into<String>) -> Self {
        EngineError::InvalidConfig { message: message.into() }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::InvalidPayload { message, .. }
            | EngineError::InvalidNumber { message }
            | EngineError::NumericOverflow { message }
            | EngineError::InvalidConfig { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<NumError> for EngineError {
    fn from(error: NumError) -> Self {
        match error {
            NumError::Invalid => EngineError::InvalidNumber { message: "not a valid number".into() },
            NumError::Overflow => EngineError::NumericOverflow {
                message: "value outside the i128 fixed-point range".into(),
            },
            NumError::WrongType => EngineError::payload("expected a number or a decimal string"),
        }
    }
}
