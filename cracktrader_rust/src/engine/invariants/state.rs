//! The checker's shadow state, its config, and everything that reads or writes it as
//! a document: `snapshot`, `restore` (schema `invariant_snapshot`),
//! `load_core_snapshot` and `check_snapshot` (schema `core_snapshot`). Twin of the
//! `_Order`, `_StagedState` and snapshot methods of `cracktrader/engine/invariants.py`.
//!
//! Documents are validated completely before anything is replaced, so a bad one
//! raises `InvalidPayload` and leaves the checker as it was.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::step::{OrderType, Place, Replace, State, StreamKey, Transition, MAX_I63};
use super::{Code, CodeSet, Found, InvariantChecker, Violation};
use crate::engine::canonical::write_value;
use crate::engine::config::{self, CoreConfig, LatePolicy};
use crate::engine::errors::EngineError;
use crate::engine::numbers::{add, format_decimal, parse_decimal_str, sub, Raw};
use crate::engine::strict_json::parse_str;
use crate::engine::snapshot;
use crate::engine::value::Value;

pub const SCHEMA_VERSION: i128 = 1;

// ------------------------------------------------------------------ config

/// The core config the checker needs (same keys, defaults and checks as `CoreConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub simulated: bool,
    pub late_accept: bool,
    pub starting_cash: Raw,
    pub commission_rate: Raw,
    pub max_order_qty: Option<Raw>,
    pub max_notional: Option<Raw>,
    pub allow_short: bool,
}

impl Config {
    /// Read a config exactly as the core does (`CoreConfig::from_value`, as Python's
    /// checker builds a `CoreConfig`); `null` means every default.
    pub fn parse(value: &Value) -> Result<Config, EngineError> {
        let core = CoreConfig::from_value(if value.is_null() { None } else { Some(value) })?;
        Ok(Config {
            simulated: core.simulated,
            late_accept: core.late_policy == LatePolicy::Accept,
            starting_cash: core.starting_cash,
            commission_rate: core.commission_rate,
            max_order_qty: core.max_order_qty,
            max_notional: core.max_notional,
            allow_short: core.allow_short,
        })
    }

    /// Canonical form (as `CoreConfig.to_dict`).
    pub fn to_value(&self) -> Value {
        object(vec![
            ("mode", Value::Str(if self.simulated { "simulated" } else { "external" }.into())),
            ("starting_cash", dec(self.starting_cash)),
            ("commission_rate", dec(self.commission_rate)),
            ("late_policy", Value::Str(if self.late_accept { "accept" } else { "reject" }.into())),
            ("max_order_qty", opt_dec(self.max_order_qty)),
            ("max_notional", opt_dec(self.max_notional)),
            ("allow_short", Value::Bool(self.allow_short)),
        ])
    }
}

// ------------------------------------------------------------------ shadow

/// One order as the checker sees it (static fields may be unknown: `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowOrder {
    pub order_id: String,
    pub venue: Option<String>,
    pub instrument: Option<String>,
    pub is_buy: Option<bool>,
    pub order_type: Option<OrderType>,
    pub limit_price: Option<Raw>,
    pub stop_price: Option<Raw>,
    pub qty: Option<Raw>,
    pub state: State,
    pub filled: Raw,
    pub remaining: Raw,
    pub ledger_filled: Raw,
    pub ledger_notional: Raw,
    pub placed_bar_time: Option<i64>,
    pub touched: bool,
}

impl ShadowOrder {
    fn new(order_id: &str) -> Self {
        ShadowOrder {
            order_id: order_id.to_owned(),
            venue: None,
            instrument: None,
            is_buy: None,
            order_type: None,
            limit_price: None,
            stop_price: None,
            qty: None,
            state: State::Created,
            filled: 0,
            remaining: 0,
            ledger_filled: 0,
            ledger_notional: 0,
            placed_bar_time: None,
            touched: false,
        }
    }

    fn key(&self) -> Option<(String, String)> {
        Some((self.venue.clone()?, self.instrument.clone()?))
    }

    fn to_value(&self) -> Value {
        object(vec![
            ("order_id", Value::Str(self.order_id.clone())),
            ("venue", opt_str(self.venue.as_deref())),
            ("instrument", opt_str(self.instrument.as_deref())),
            ("side", opt_str(self.is_buy.map(|buy| if buy { "buy" } else { "sell" }))),
            ("order_type", opt_str(self.order_type.map(OrderType::as_str))),
            ("limit_price", opt_dec(self.limit_price)),
            ("stop_price", opt_dec(self.stop_price)),
            ("qty", opt_dec(self.qty)),
            ("state", Value::Str(self.state.as_str().into())),
            ("filled_qty", dec(self.filled)),
            ("remaining_qty", dec(self.remaining)),
            ("ledger_filled", dec(self.ledger_filled)),
            ("ledger_notional", Value::Str(self.ledger_notional.to_string())),
            ("placed_bar_time", self.placed_bar_time.map_or(Value::Null, |t| Value::Int(i128::from(t)))),
            ("touched", Value::Bool(self.touched)),
        ])
    }
}

pub type Key = (String, String);

#[derive(Debug, Clone, Default)]
pub struct Shadow {
    pub last_seq_id: i64,
    pub cash: Raw,
    pub fees_paid: Raw,
    /// (venue, instrument) -> (size, avg_price, realized_pnl)
    pub positions: BTreeMap<Key, (Raw, Raw, Raw)>,
    /// In creation order.
    pub orders: Vec<ShadowOrder>,
    pub index: HashMap<String, usize>,
    /// Non-terminal stop-limit orders per instrument: the ones a bar may touch.
    pub stop_limits: HashMap<Key, BTreeSet<usize>>,
    pub applied_keys: HashSet<String>,
    pub bar_times: HashMap<Key, i64>,
    pub stream_times: HashMap<StreamKey, i64>,
}

impl Shadow {
    pub fn new(starting_cash: Raw) -> Self {
        Shadow { cash: starting_cash, ..Shadow::default() }
    }

    pub fn create(&mut self, order_id: &str, place: Option<&Place>) -> usize {
        let mut order = ShadowOrder::new(order_id);
        if let Some(place) = place {
            order.venue = Some(place.venue.clone());
            order.instrument = Some(place.instrument.clone());
            order.is_buy = Some(place.is_buy);
            order.order_type = Some(place.order_type);
            order.qty = Some(place.qty);
            order.limit_price = place.limit_price;
            order.stop_price = place.stop_price;
        }
        let index = self.orders.len();
        self.orders.push(order);
        self.index.insert(order_id.to_owned(), index);
        index
    }

    /// The shadow takes a transition's claims (already checked).
    /// `step_bar`: the time of this step's bar, when the step is one.
    pub fn adopt(
        &mut self,
        index: usize,
        t: &Transition,
        is_replace: bool,
        replace: Option<&Replace>,
        step_bar: Option<i64>,
    ) {
        let Some(order) = self.orders.get_mut(index) else { return };
        order.state = t.to;
        order.filled = t.filled;
        order.remaining = t.remaining;
        if is_replace {
            order.qty = add(t.filled, t.remaining).ok();
            if let Some(replace) = replace {
                if replace.limit_price.is_some() {
                    order.limit_price = replace.limit_price;
                }
                if replace.stop_price.is_some() {
                    order.stop_price = replace.stop_price;
                }
            }
        }
        let Some(key) = order.key() else { return };
        if t.to == State::Submitted {
            // The bar current at placement (D-036): the newest bar of the order's
            // instrument, or the bar of this step if it is newer (D-336).
            let current = self.bar_times.get(&key).copied();
            order.placed_bar_time = match (current, step_bar) {
                (Some(current), Some(bar)) => Some(current.max(bar)),
                (current, bar) => current.or(bar),
            };
        }
        if order.order_type == Some(OrderType::StopLimit) {
            let book = self.stop_limits.entry(key).or_default();
            if t.to.is_terminal() {
                book.remove(&index);
            } else {
                book.insert(index);
            }
        }
    }

    /// A working stop-limit whose stop this bar reaches is triggered from now on (only
    /// on bars it may trade on: strictly after its placement bar).
    pub fn touch_stops(&mut self, key: &Key, bar_time: i64, high: Raw, low: Raw) {
        let Some(book) = self.stop_limits.get(key) else { return };
        for index in book {
            let Some(order) = self.orders.get_mut(*index) else { continue };
            let Some(stop) = order.stop_price else { continue };
            if order.touched || !order.state.is_working() {
                continue;
            }
            if order.placed_bar_time.is_some_and(|placed| bar_time <= placed) {
                continue;
            }
            let reached = if order.is_buy == Some(true) { high >= stop } else { low <= stop };
            if reached {
                order.touched = true;
            }
        }
    }

    fn rebuild_stop_limits(&mut self) {
        self.stop_limits.clear();
        for (index, order) in self.orders.iter().enumerate() {
            if order.order_type != Some(OrderType::StopLimit) || order.state.is_terminal() {
                continue;
            }
            if let Some(key) = order.key() {
                self.stop_limits.entry(key).or_default().insert(index);
            }
        }
    }
}

// ------------------------------------------------------------------ value builders

fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn dec(raw: Raw) -> Value {
    Value::Str(format_decimal(raw))
}

fn opt_dec(raw: Option<Raw>) -> Value {
    raw.map_or(Value::Null, dec)
}

fn opt_str(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::Str(t.to_owned()))
}

fn nested<T>(items: impl Iterator<Item = (Key, T)>, render: impl Fn(T) -> Value) -> Value {
    let mut by_venue: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for ((venue, instrument), item) in items {
        by_venue.entry(venue).or_default().push((instrument, render(item)));
    }
    Value::Object(by_venue.into_iter().map(|(venue, pairs)| (venue, Value::Object(pairs))).collect())
}

fn stream_text(stream: &StreamKey) -> String {
    let (source, venue, instrument, producer) = stream;
    let value = Value::Array(vec![
        Value::Str(source.clone()),
        opt_str(venue.as_deref()),
        opt_str(instrument.as_deref()),
        Value::Int(i128::from(*producer)),
    ]);
    let mut out = String::new();
    write_value(&mut out, &value);
    out
}

// ------------------------------------------------------------------ document readers

type Doc<T> = Result<T, EngineError>;

fn bad<T>(what: &str) -> Doc<T> {
    Err(EngineError::payload(format!("snapshot invalid: {what}")))
}

fn pairs_of<'a>(value: &'a Value, what: &str) -> Doc<&'a [(String, Value)]> {
    match value {
        Value::Object(pairs) => Ok(pairs),
        _ => bad(&format!("{what} must be an object")),
    }
}

/// An object with exactly `keys` (each present, nothing else).
fn exact<'a>(value: &'a Value, keys: &[&str], what: &str) -> Doc<&'a [(String, Value)]> {
    let pairs = pairs_of(value, what)?;
    if let Some((key, _)) = pairs.iter().find(|(k, _)| !keys.contains(&k.as_str())) {
        return bad(&format!("{what} has unknown key {key:?}"));
    }
    if let Some(key) = keys.iter().find(|key| !pairs.iter().any(|(k, _)| k == *key)) {
        return bad(&format!("{what} lacks {key:?}"));
    }
    Ok(pairs)
}

fn field<'a>(pairs: &'a [(String, Value)], key: &str) -> Doc<&'a Value> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v).map_or_else(|| bad(&format!("missing {key:?}")), Ok)
}

/// The canonical decimal pattern of `common.json` (`^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$`).
fn canonical_decimal_text(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    let whole_ok = whole == "0"
        || (!whole.is_empty() && !whole.starts_with('0') && whole.bytes().all(|b| b.is_ascii_digit()));
    let fraction_ok = fraction
        .is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) && !f.ends_with('0'));
    whole_ok && fraction_ok
}

fn read_dec(value: &Value, what: &str) -> Doc<Raw> {
    match value {
        Value::Str(text) if canonical_decimal_text(text) => {
            parse_decimal_str(text).map_or_else(|_| bad(&format!("{what} out of range")), Ok)
        }
        _ => bad(&format!("{what} must be a canonical decimal string")),
    }
}

fn read_opt_dec(value: &Value, what: &str) -> Doc<Option<Raw>> {
    if value.is_null() {
        Ok(None)
    } else {
        read_dec(value, what).map(Some)
    }
}

fn read_int(value: &Value, low: i128, high: i128, what: &str) -> Doc<i64> {
    match value {
        Value::Int(i) if low <= *i && *i <= high => i64::try_from(*i).map_or_else(|_| bad(what), Ok),
        _ => bad(&format!("{what} must be an integer in range")),
    }
}

/// An integer of at least `low` (any size an `i128` holds).
fn check_int_from(value: &Value, low: i128, what: &str) -> Doc<()> {
    match value {
        Value::Int(i) if *i >= low => Ok(()),
        _ => bad(&format!("{what} must be an integer >= {low}")),
    }
}

fn read_opt_ts(value: &Value, what: &str) -> Doc<Option<i64>> {
    if value.is_null() {
        Ok(None)
    } else {
        read_int(value, 0, MAX_I63, what).map(Some)
    }
}

/// An identifier: 1 to 128 code points, none of category Cc.
fn read_id(value: &Value, what: &str) -> Doc<String> {
    match value {
        Value::Str(text) => {
            let count = text.chars().count();
            let control = text.chars().any(|c| (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)));
            if (1..=128).contains(&count) && !control {
                Ok(text.clone())
            } else {
                bad(&format!("{what} must be an identifier"))
            }
        }
        _ => bad(&format!("{what} must be an identifier")),
    }
}

fn read_opt_id(value: &Value, what: &str) -> Doc<Option<String>> {
    if value.is_null() {
        Ok(None)
    } else {
        read_id(value, what).map(Some)
    }
}

fn read_bool(value: &Value, what: &str) -> Doc<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        _ => bad(&format!("{what} must be a boolean")),
    }
}

fn read_text(value: &Value, what: &str) -> Doc<String> {
    match value {
        Value::Str(text) => Ok(text.clone()),
        _ => bad(&format!("{what} must be a string")),
    }
}

fn read_enum(value: &Value, allowed: &[&str], what: &str) -> Doc<String> {
    match value {
        Value::Str(text) if allowed.contains(&text.as_str()) => Ok(text.clone()),
        _ => bad(&format!("{what} must be one of {}", allowed.join(", "))),
    }
}

fn read_state(value: &Value) -> Doc<State> {
    value.as_str().and_then(State::parse).map_or_else(|| bad("state"), Ok)
}

fn read_side(value: &Value) -> Doc<Option<bool>> {
    match value {
        Value::Null => Ok(None),
        Value::Str(s) if s == "buy" => Ok(Some(true)),
        Value::Str(s) if s == "sell" => Ok(Some(false)),
        _ => bad("side"),
    }
}

fn read_order_type(value: &Value) -> Doc<Option<OrderType>> {
    match value {
        Value::Null => Ok(None),
        _ => value.as_str().and_then(OrderType::parse).map_or_else(|| bad("order_type"), |t| Ok(Some(t))),
    }
}

/// An exact integer string (the scale-10^18 notional sums), in the i128 range.
fn read_exact_int(value: &Value, what: &str) -> Doc<Raw> {
    let Value::Str(text) = value else { return bad(what) };
    let digits = text.strip_prefix('-').unwrap_or(text);
    let pattern_ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !pattern_ok {
        return bad(what);
    }
    text.parse::<i128>().map_or_else(|_| bad(what), Ok)
}

fn read_list<'a>(value: &'a Value, what: &str) -> Doc<&'a [Value]> {
    match value {
        Value::Array(items) => Ok(items),
        _ => bad(&format!("{what} must be an array")),
    }
}

fn read_config(value: &Value) -> Doc<Config> {
    let pairs = exact(value, &config::KEYS, "config")?;
    read_enum(field(pairs, "mode")?, &["simulated", "external"], "mode")?;
    read_dec(field(pairs, "starting_cash")?, "starting_cash")?;
    read_dec(field(pairs, "commission_rate")?, "commission_rate")?;
    read_enum(field(pairs, "late_policy")?, &["reject", "accept"], "late_policy")?;
    read_opt_dec(field(pairs, "max_order_qty")?, "max_order_qty")?;
    read_opt_dec(field(pairs, "max_notional")?, "max_notional")?;
    read_bool(field(pairs, "allow_short")?, "allow_short")?;
    Config::parse(value).map_err(|e| EngineError::payload(format!("snapshot config inconsistent: {e}")))
}

fn read_positions(value: &Value) -> Doc<BTreeMap<Key, (Raw, Raw, Raw)>> {
    let mut out = BTreeMap::new();
    for (venue, by_instrument) in pairs_of(value, "positions")? {
        for (instrument, p) in pairs_of(by_instrument, "positions")? {
            let p = exact(p, &["size", "avg_price", "realized_pnl"], "position")?;
            out.insert(
                (venue.clone(), instrument.clone()),
                (
                    read_dec(field(p, "size")?, "size")?,
                    read_dec(field(p, "avg_price")?, "avg_price")?,
                    read_dec(field(p, "realized_pnl")?, "realized_pnl")?,
                ),
            );
        }
    }
    Ok(out)
}

fn read_unique_strings(value: &Value, what: &str) -> Doc<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in read_list(value, what)? {
        let text = read_text(item, what)?;
        if !seen.insert(text.clone()) {
            return bad(&format!("{what} has a repeated item"));
        }
        out.push(text);
    }
    Ok(out)
}

fn read_stream_times(value: &Value) -> Doc<HashMap<StreamKey, i64>> {
    let mut out = HashMap::new();
    for (text, time) in pairs_of(value, "stream_times")? {
        let time = read_int(time, 0, MAX_I63, "stream time")?;
        let Ok(Value::Array(parts)) = parse_str(text) else { return bad("stream key") };
        let [source, venue, instrument, producer] = parts.as_slice() else { return bad("stream key") };
        let source = read_text(source, "stream source")?;
        let venue = if venue.is_null() { None } else { Some(read_text(venue, "stream venue")?) };
        let instrument = if instrument.is_null() { None } else { Some(read_text(instrument, "stream instrument")?) };
        let producer = read_int(producer, 0, MAX_I63, "stream producer")?;
        out.insert((source, venue, instrument, producer), time);
    }
    Ok(out)
}

fn nested_times(value: &Value, what: &str, read: impl Fn(&Value) -> Doc<i64>) -> Doc<HashMap<Key, i64>> {
    let mut out = HashMap::new();
    for (venue, by_instrument) in pairs_of(value, what)? {
        for (instrument, item) in pairs_of(by_instrument, what)? {
            out.insert((venue.clone(), instrument.clone()), read(item)?);
        }
    }
    Ok(out)
}

const SNAPSHOT_KEYS: [&str; 11] = [
    "schema_version",
    "config",
    "enabled",
    "last_seq_id",
    "cash",
    "fees_paid",
    "positions",
    "orders",
    "applied_keys",
    "bar_times",
    "stream_times",
];

const SHADOW_ORDER_KEYS: [&str; 15] = [
    "order_id",
    "venue",
    "instrument",
    "side",
    "order_type",
    "limit_price",
    "stop_price",
    "qty",
    "state",
    "filled_qty",
    "remaining_qty",
    "ledger_filled",
    "ledger_notional",
    "placed_bar_time",
    "touched",
];

/// A shadow built completely before it replaces the live one.
struct Staged {
    config: Config,
    enabled: Option<CodeSet>,
    shadow: Shadow,
}

fn read_common(pairs: &[(String, Value)]) -> Doc<(Config, Shadow)> {
    match field(pairs, "schema_version")? {
        Value::Int(v) if *v == SCHEMA_VERSION => {}
        _ => return bad("schema_version must be 1"),
    }
    let config = read_config(field(pairs, "config")?)?;
    let mut shadow = Shadow::new(config.starting_cash);
    shadow.last_seq_id = read_int(field(pairs, "last_seq_id")?, 0, MAX_I63, "last_seq_id")?;
    shadow.cash = read_dec(field(pairs, "cash")?, "cash")?;
    shadow.fees_paid = read_dec(field(pairs, "fees_paid")?, "fees_paid")?;
    shadow.positions = read_positions(field(pairs, "positions")?)?;
    shadow.applied_keys = read_unique_strings(field(pairs, "applied_keys")?, "applied_keys")?.into_iter().collect();
    shadow.stream_times = read_stream_times(field(pairs, "stream_times")?)?;
    Ok((config, shadow))
}

fn push_order(shadow: &mut Shadow, order: ShadowOrder) -> Doc<()> {
    if shadow.index.contains_key(&order.order_id) {
        return bad(&format!("order {:?} listed twice", order.order_id));
    }
    shadow.index.insert(order.order_id.clone(), shadow.orders.len());
    shadow.orders.push(order);
    Ok(())
}

fn read_invariant_snapshot(value: &Value) -> Doc<Staged> {
    let pairs = exact(value, &SNAPSHOT_KEYS, "invariant_snapshot")?;
    let (config, mut shadow) = read_common(pairs)?;
    let names = read_unique_strings(field(pairs, "enabled")?, "enabled")?;
    if names.iter().any(|name| Code::parse(name).is_none()) {
        return bad("enabled holds an unknown code");
    }
    let enabled = CodeSet::from_names(names.iter().map(String::as_str))?;
    for item in read_list(field(pairs, "orders")?, "orders")? {
        let o = exact(item, &SHADOW_ORDER_KEYS, "order")?;
        let order = ShadowOrder {
            order_id: read_id(field(o, "order_id")?, "order_id")?,
            venue: read_opt_id(field(o, "venue")?, "venue")?,
            instrument: read_opt_id(field(o, "instrument")?, "instrument")?,
            is_buy: read_side(field(o, "side")?)?,
            order_type: read_order_type(field(o, "order_type")?)?,
            limit_price: read_opt_dec(field(o, "limit_price")?, "limit_price")?,
            stop_price: read_opt_dec(field(o, "stop_price")?, "stop_price")?,
            qty: read_opt_dec(field(o, "qty")?, "qty")?,
            state: read_state(field(o, "state")?)?,
            filled: read_dec(field(o, "filled_qty")?, "filled_qty")?,
            remaining: read_dec(field(o, "remaining_qty")?, "remaining_qty")?,
            ledger_filled: read_dec(field(o, "ledger_filled")?, "ledger_filled")?,
            ledger_notional: read_exact_int(field(o, "ledger_notional")?, "ledger_notional")?,
            placed_bar_time: read_opt_ts(field(o, "placed_bar_time")?, "placed_bar_time")?,
            touched: read_bool(field(o, "touched")?, "touched")?,
        };
        push_order(&mut shadow, order)?;
    }
    shadow.bar_times = nested_times(field(pairs, "bar_times")?, "bar_times", |v| read_int(v, 0, MAX_I63, "bar time"))?;
    Ok(Staged { config, enabled: Some(enabled), shadow })
}

fn read_core_order(item: &Value) -> Doc<ShadowOrder> {
    let o = exact(item, snapshot::ORDER_KEYS, "order")?;
    // Fields the checker does not keep are still validated (the schema's rules).
    read_id(field(o, "intent_id")?, "intent_id")?;
    read_id(field(o, "strategy_id")?, "strategy_id")?;
    read_enum(field(o, "time_in_force")?, &["gtc", "ioc", "fok"], "time_in_force")?;
    read_opt_ts(field(o, "expire_time")?, "expire_time")?;
    read_opt_id(field(o, "parent_order_id")?, "parent_order_id")?;
    read_opt_id(field(o, "oco_group")?, "oco_group")?;
    read_opt_dec(field(o, "avg_fill_price")?, "avg_fill_price")?;
    check_int_from(field(o, "fill_count")?, 0, "fill_count")?;
    read_int(field(o, "submit_seq")?, 1, MAX_I63, "submit_seq")?;
    let is_buy = match read_side(field(o, "side")?)? {
        Some(buy) => buy,
        None => return bad("side"),
    };
    let Some(order_type) = read_order_type(field(o, "order_type")?)? else { return bad("order_type") };
    let qty = read_dec(field(o, "qty")?, "qty")?;
    let filled = read_dec(field(o, "filled_qty")?, "filled_qty")?;
    let remaining = sub(qty, filled).map_or_else(|_| bad("qty - filled_qty out of range"), Ok)?;
    Ok(ShadowOrder {
        order_id: read_id(field(o, "order_id")?, "order_id")?,
        venue: Some(read_id(field(o, "venue")?, "venue")?),
        instrument: Some(read_id(field(o, "instrument")?, "instrument")?),
        is_buy: Some(is_buy),
        order_type: Some(order_type),
        limit_price: read_opt_dec(field(o, "limit_price")?, "limit_price")?,
        stop_price: read_opt_dec(field(o, "stop_price")?, "stop_price")?,
        qty: Some(qty),
        state: read_state(field(o, "state")?)?,
        filled,
        remaining,
        // The core's own books stand in for the fills the checker never saw.
        ledger_filled: filled,
        ledger_notional: read_exact_int(field(o, "fill_notional")?, "fill_notional")?,
        placed_bar_time: read_opt_ts(field(o, "placed_bar_time")?, "placed_bar_time")?,
        touched: read_bool(field(o, "triggered")?, "triggered")?,
    })
}

fn read_core_snapshot(value: &Value) -> Doc<Staged> {
    let pairs = exact(value, snapshot::TOP_KEYS, "core_snapshot")?;
    let (config, mut shadow) = read_common(pairs)?;
    for item in read_list(field(pairs, "orders")?, "orders")? {
        push_order(&mut shadow, read_core_order(item)?)?;
    }
    shadow.bar_times = nested_times(field(pairs, "last_bar")?, "last_bar", |bar| {
        let b = exact(bar, &["time", "open", "high", "low", "close", "volume", "timeframe_ms"], "bar")?;
        for name in ["open", "high", "low", "close", "volume"] {
            read_dec(field(b, name)?, name)?;
        }
        check_int_from(field(b, "timeframe_ms")?, 1, "timeframe_ms")?;
        read_int(field(b, "time")?, 0, MAX_I63, "bar time")
    })?;
    nested_times(field(pairs, "last_price")?, "last_price", |p| {
        let p = exact(p, &["time", "price"], "last_price")?;
        read_dec(field(p, "price")?, "price")?;
        read_int(field(p, "time")?, 0, MAX_I63, "price time")
    })?;
    read_bool(field(pairs, "kill_switch")?, "kill_switch")?;
    let flags = exact(field(pairs, "risk_flags")?, &["allow_short"], "risk_flags")?;
    read_bool(field(flags, "allow_short")?, "allow_short")?;
    Ok(Staged { config, enabled: None, shadow })
}

// ------------------------------------------------------------------ checker methods

impl InvariantChecker {
    /// The shadow state as plain JSON (schema `invariant_snapshot`).
    pub fn snapshot(&self) -> Value {
        let s = &self.shadow;
        let mut applied: Vec<&String> = s.applied_keys.iter().collect();
        applied.sort_unstable();
        let mut streams: Vec<(String, i64)> = s.stream_times.iter().map(|(k, t)| (stream_text(k), *t)).collect();
        streams.sort_unstable();
        object(vec![
            ("schema_version", Value::Int(SCHEMA_VERSION)),
            ("config", self.config.to_value()),
            ("enabled", Value::Array(self.enabled.names().into_iter().map(|n| Value::Str(n.into())).collect())),
            ("last_seq_id", Value::Int(i128::from(s.last_seq_id))),
            ("cash", dec(s.cash)),
            ("fees_paid", dec(s.fees_paid)),
            (
                "positions",
                nested(s.positions.iter().map(|(k, p)| (k.clone(), *p)), |(size, avg, pnl)| {
                    object(vec![("size", dec(size)), ("avg_price", dec(avg)), ("realized_pnl", dec(pnl))])
                }),
            ),
            ("orders", Value::Array(s.orders.iter().map(ShadowOrder::to_value).collect())),
            ("applied_keys", Value::Array(applied.into_iter().map(|k| Value::Str(k.clone())).collect())),
            ("bar_times", nested(s.bar_times.iter().map(|(k, t)| (k.clone(), *t)), |t| Value::Int(i128::from(t)))),
            (
                "stream_times",
                Value::Object(streams.into_iter().map(|(k, t)| (k, Value::Int(i128::from(t)))).collect()),
            ),
        ])
    }

    /// Replace the shadow state with `snapshot`'s (validated fully first).
    pub fn restore(&mut self, snapshot: &Value) -> Result<(), EngineError> {
        let staged = read_invariant_snapshot(snapshot)?;
        self.install(staged);
        Ok(())
    }

    /// Start the shadow from a core snapshot (e.g. after `core.restore`).
    pub fn load_core_snapshot(&mut self, snapshot: &Value) -> Result<(), EngineError> {
        let staged = read_core_snapshot(snapshot)?;
        self.install(staged);
        Ok(())
    }

    fn install(&mut self, staged: Staged) {
        self.config = staged.config;
        if let Some(enabled) = staged.enabled {
            self.enabled = enabled;
        }
        self.shadow = staged.shadow;
        self.shadow.rebuild_stop_limits();
    }

    /// Compare a core snapshot with the shadow (seq, cash, fees, positions, each
    /// order's state and filled qty against the fill ledger). Changes nothing.
    pub fn check_snapshot(&self, snapshot: &Value) -> Result<Vec<Violation>, EngineError> {
        let other = read_core_snapshot(snapshot)?.shadow;
        let mine = &self.shadow;
        let seq_id = if mine.last_seq_id == 0 { None } else { Some(mine.last_seq_id) };
        let mut found = Found::new(self.enabled, seq_id);
        if other.last_seq_id != mine.last_seq_id {
            found.emit(Code::SeqMismatch, None);
        }
        if other.cash != mine.cash {
            found.emit(Code::CashMismatch, None);
        }
        if other.fees_paid != mine.fees_paid {
            found.emit(Code::FeesMismatch, None);
        }
        let keys: BTreeSet<&Key> = other.positions.keys().chain(mine.positions.keys()).collect();
        for key in keys {
            let flat = (0, 0, 0);
            if other.positions.get(key).unwrap_or(&flat) != mine.positions.get(key).unwrap_or(&flat) {
                found.emit(Code::PositionMismatch, None);
            }
        }
        for theirs in &other.orders {
            let oid = theirs.order_id.as_str();
            let own = mine.index.get(oid).and_then(|i| mine.orders.get(*i));
            if own.is_none_or(|own| own.state != theirs.state) {
                found.emit(Code::StateMismatch, Some(oid));
            }
            if own.is_some_and(|own| theirs.filled != own.ledger_filled) {
                found.emit(Code::FilledMismatch, Some(oid));
            }
        }
        for order in &mine.orders {
            if !other.index.contains_key(&order.order_id) {
                found.emit(Code::StateMismatch, Some(&order.order_id));
            }
        }
        Ok(found.items)
    }
}
