//! Twin of `cracktrader/engine/config.py`: mode, starting cash, commission, late
//! policy, risk limits. Misconfiguration is misuse, so it is an
//! `EngineError::InvalidConfig` (never a refused result).

use super::canonical::JsonWriter;
use super::errors::EngineError;
use super::numbers::{self, Raw};
use super::value::Value;

/// The config keys, in the order Python's `DEFAULTS` lists them.
pub const KEYS: [&str; 7] = [
    "mode",
    "starting_cash",
    "commission_rate",
    "late_policy",
    "max_order_qty",
    "max_notional",
    "allow_short",
];

/// 100000 in raw units: the default starting cash.
const DEFAULT_CASH: Raw = 100_000 * numbers::SCALE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Simulated,
    External,
}

impl Mode {
    /// The config text of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Simulated => "simulated",
            Mode::External => "external",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatePolicy {
    Reject,
    Accept,
}

impl LatePolicy {
    /// The config text of the policy.
    pub fn as_str(self) -> &'static str {
        match self {
            LatePolicy::Reject => "reject",
            LatePolicy::Accept => "accept",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreConfig {
    pub mode: Mode,
    pub simulated: bool,
    pub starting_cash: Raw,
    pub commission_rate: Raw,
    pub late_policy: LatePolicy,
    pub max_order_qty: Option<Raw>,
    pub max_notional: Option<Raw>,
    pub allow_short: bool,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            mode: Mode::Simulated,
            simulated: true,
            starting_cash: DEFAULT_CASH,
            commission_rate: 0,
            late_policy: LatePolicy::Reject,
            max_order_qty: None,
            max_notional: None,
            allow_short: true,
        }
    }
}

impl CoreConfig {
    /// Build a config from `None` (all defaults) or an object of overrides.
    pub fn from_value(config: Option<&Value>) -> Result<CoreConfig, EngineError> {
        let mut out = CoreConfig::default();
        let Some(config) = config else { return Ok(out) };
        let Value::Object(pairs) = config else {
            return Err(EngineError::config("config must be a dict"));
        };
        let mut unknown: Vec<&str> =
            pairs.iter().map(|(k, _)| k.as_str()).filter(|k| !KEYS.contains(k)).collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Err(EngineError::config(format!(
                "unknown config keys: {}; known: {}",
                unknown.join(", "),
                KEYS.join(", ")
            )));
        }
        // Python checks in this order: mode, late_policy, starting_cash,
        // commission_rate, max_order_qty, max_notional, allow_short.
        if let Some(value) = config.get("mode") {
            out.mode = match value.as_str() {
                Some("simulated") => Mode::Simulated,
                Some("external") => Mode::External,
                _ => return Err(EngineError::config("mode must be one of simulated, external")),
            };
        }
        out.simulated = out.mode == Mode::Simulated;
        if let Some(value) = config.get("late_policy") {
            out.late_policy = match value.as_str() {
                Some("reject") => LatePolicy::Reject,
                Some("accept") => LatePolicy::Accept,
                _ => return Err(EngineError::config("late_policy must be one of reject, accept")),
            };
        }
        if let Some(value) = config.get("starting_cash") {
            out.starting_cash = decimal("starting_cash", value)?;
        }
        if let Some(value) = config.get("commission_rate") {
            out.commission_rate = decimal("commission_rate", value)?;
        }
        if out.commission_rate < 0 {
            return Err(EngineError::config("commission_rate must be >= 0"));
        }
        if let Some(value) = config.get("max_order_qty") {
            out.max_order_qty = decimal_or_none("max_order_qty", value)?;
        }
        if let Some(value) = config.get("max_notional") {
            out.max_notional = decimal_or_none("max_notional", value)?;
        }
        if let Some(value) = config.get("allow_short") {
            out.allow_short = match value {
                Value::Bool(flag) => *flag,
                _ => return Err(EngineError::config("allow_short must be a boolean")),
            };
        }
        Ok(out)
    }

    /// Canonical form (the `config` of a snapshot), keys in sorted order.
    pub fn write(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.bool_field("allow_short", self.allow_short);
        w.decimal_field("commission_rate", self.commission_rate);
        w.str_field("late_policy", self.late_policy.as_str());
        w.opt_decimal_field("max_notional", self.max_notional);
        w.opt_decimal_field("max_order_qty", self.max_order_qty);
        w.str_field("mode", self.mode.as_str());
        w.decimal_field("starting_cash", self.starting_cash);
        w.end();
    }
}

fn decimal(key: &str, value: &Value) -> Result<Raw, EngineError> {
    numbers::parse_value(value).map_err(|error| {
        EngineError::config(format!("{key}: {}", EngineError::from(error)))
    })
}

fn decimal_or_none(key: &str, value: &Value) -> Result<Option<Raw>, EngineError> {
    if value.is_null() {
        return Ok(None);
    }
    let raw = decimal(key, value)?;
    if raw <= 0 {
        return Err(EngineError::config(format!("{key} must be > 0 or null")));
    }
    Ok(Some(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json::parse_str;

    fn config(text: &str) -> Result<CoreConfig, EngineError> {
        CoreConfig::from_value(Some(&parse_str(text).unwrap()))
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(CoreConfig::from_value(None).unwrap(), CoreConfig::default());
        let c = config(r#"{"mode":"external","starting_cash":"5.5","commission_rate":0.001,"max_notional":10}"#)
            .unwrap();
        assert_eq!(c.mode, Mode::External);
        assert!(!c.simulated);
        assert_eq!(c.starting_cash, 5_500_000_000);
        assert_eq!(c.commission_rate, 1_000_000);
        assert_eq!(c.max_notional, Some(10_000_000_000));
        let mut out = String::new();
        c.write(&mut out);
        assert_eq!(
            out,
            r#"{"allow_short":true,"commission_rate":"0.001","late_policy":"reject","max_notional":"10","max_order_qty":null,"mode":"external","starting_cash":"5.5"}"#
        );
    }

    #[test]
    fn refuses_misconfiguration() {
        for bad in [
            "[]",
            r#"{"nope":1}"#,
            r#"{"mode":"live"}"#,
            r#"{"late_policy":null}"#,
            r#"{"starting_cash":"abc"}"#,
            r#"{"starting_cash":null}"#,
            r#"{"commission_rate":"-0.1"}"#,
            r#"{"max_order_qty":0}"#,
            r#"{"max_notional":"-1"}"#,
            r#"{"allow_short":1}"#,
            r#"{"starting_cash":1e400}"#,
        ] {
            let error = config(bad).unwrap_err();
            assert_eq!(error.code(), "invalid_config", "{bad}");
        }
    }
}
