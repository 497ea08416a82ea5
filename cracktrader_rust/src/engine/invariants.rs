//! Twin of `cracktrader/engine/invariants.py`: the invariant checker, an independent
//! witness of every committed step.
//!
//! It never looks inside a core: its shadow state is rebuilt only from the steps
//! `{"input": ..., "result": ...}` it is given. After each step it checks the rules of
//! DESIGN.md section 9 and the fill-realism rules of section 8 under named codes
//! (`Code`, the `invariant_code` list of `schemas/codes.json`). The checks run in the
//! same order as the Python reference and each step reports each `(code, order_id)`
//! pair once, so both backends produce the same violations byte for byte.
//!
//! Submodules: `step` reads a step out of a `Value`; `state` holds the shadow state,
//! the config and the snapshot/restore/core-snapshot code.

pub mod state;
pub mod step;

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::canonical::{sha256_hex, write_str, write_value};
use crate::engine::errors::EngineError;
use crate::engine::numbers::{add, div_half_even, mul, mul_exact, neg, sub, NumResult, Raw};
use crate::engine::strict_json::{parse_bytes, split_lines};
use crate::engine::value::Value;

use state::{Config, Shadow, ShadowOrder};
use step::{Bad, Fill, OrderType, State, StepInput, StepResult, Transition};

/// Every invariant code, in the order docs/invariants.md presents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    MalformedStep,
    RefusedWithEffects,
    SeqNotMonotonic,
    SeqMismatch,
    EventTimeRegressed,
    IdempotencyReused,
    FalseDuplicate,
    FillBeforeAccept,
    TerminalStateChanged,
    StateMismatch,
    IllegalTransition,
    FilledDecreased,
    RemainingIncreased,
    QtyChanged,
    Overfilled,
    FilledMismatch,
    AvgPriceMismatch,
    FillMismatch,
    FeesMismatch,
    CashMismatch,
    PositionMismatch,
    NegativeCash,
    LedgerOverflow,
    FillOutsideBar,
    LimitPriceViolated,
    StopNotTriggered,
    FilledOnPlacementBar,
}

impl Code {
    pub const ALL: [Code; 27] = [
        Code::MalformedStep,
        Code::RefusedWithEffects,
        Code::SeqNotMonotonic,
        Code::SeqMismatch,
        Code::EventTimeRegressed,
        Code::IdempotencyReused,
        Code::FalseDuplicate,
        Code::FillBeforeAccept,
        Code::TerminalStateChanged,
        Code::StateMismatch,
        Code::IllegalTransition,
        Code::FilledDecreased,
        Code::RemainingIncreased,
        Code::QtyChanged,
        Code::Overfilled,
        Code::FilledMismatch,
        Code::AvgPriceMismatch,
        Code::FillMismatch,
        Code::FeesMismatch,
        Code::CashMismatch,
        Code::PositionMismatch,
        Code::NegativeCash,
        Code::LedgerOverflow,
        Code::FillOutsideBar,
        Code::LimitPriceViolated,
        Code::StopNotTriggered,
        Code::FilledOnPlacementBar,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::MalformedStep => "malformed_step",
            Code::RefusedWithEffects => "refused_with_effects",
            Code::SeqNotMonotonic => "seq_not_monotonic",
            Code::SeqMismatch => "seq_mismatch",
            Code::EventTimeRegressed => "event_time_regressed",
            Code::IdempotencyReused => "idempotency_reused",
            Code::FalseDuplicate => "false_duplicate",
            Code::FillBeforeAccept => "fill_before_accept",
            Code::TerminalStateChanged => "terminal_state_changed",
            Code::StateMismatch => "state_mismatch",
            Code::IllegalTransition => "illegal_transition",
            Code::FilledDecreased => "filled_decreased",
            Code::RemainingIncreased => "remaining_increased",
            Code::QtyChanged => "qty_changed",
            Code::Overfilled => "overfilled",
            Code::FilledMismatch => "filled_mismatch",
            Code::AvgPriceMismatch => "avg_price_mismatch",
            Code::FillMismatch => "fill_mismatch",
            Code::FeesMismatch => "fees_mismatch",
            Code::CashMismatch => "cash_mismatch",
            Code::PositionMismatch => "position_mismatch",
            Code::NegativeCash => "negative_cash",
            Code::LedgerOverflow => "ledger_overflow",
            Code::FillOutsideBar => "fill_outside_bar",
            Code::LimitPriceViolated => "limit_price_violated",
            Code::StopNotTriggered => "stop_not_triggered",
            Code::FilledOnPlacementBar => "filled_on_placement_bar",
        }
    }

    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == text)
    }

    fn bit(self) -> u32 {
        1u32 << (self as u32)
    }
}

/// A set of codes (the ones a checker reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSet(u32);

impl CodeSet {
    pub fn all() -> Self {
        CodeSet(Code::ALL.iter().fold(0, |bits, code| bits | code.bit()))
    }

    /// The codes named in `names`; an unknown name is `invalid_config`.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, EngineError> {
        let mut bits = 0u32;
        for name in names {
            let code = Code::parse(name).ok_or_else(|| {
                EngineError::config(format!("unknown invariant code {name:?}"))
            })?;
            bits |= code.bit();
        }
        Ok(CodeSet(bits))
    }

    pub fn contains(self, code: Code) -> bool {
        self.0 & code.bit() != 0
    }

    /// The names, sorted (as a snapshot lists them).
    pub fn names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> =
            Code::ALL.iter().copied().filter(|code| self.contains(*code)).map(Code::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// One violation: `{code, seq_id, order_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: Code,
    pub seq_id: Option<i64>,
    pub order_id: Option<String>,
}

impl Violation {
    /// Canonical JSON (keys sorted: code, order_id, seq_id).
    pub fn write(&self, out: &mut String) {
        out.push_str("{\"code\":");
        write_str(out, self.code.as_str());
        out.push_str(",\"order_id\":");
        match &self.order_id {
            Some(id) => write_str(out, id),
            None => out.push_str("null"),
        }
        out.push_str(",\"seq_id\":");
        match self.seq_id {
            Some(seq) => out.push_str(&seq.to_string()),
            None => out.push_str("null"),
        }
        out.push('}');
    }
}

/// Canonical JSON of a list of violations.
pub fn write_violations(out: &mut String, violations: &[Violation]) {
    out.push('[');
    for (index, violation) in violations.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        violation.write(out);
    }
    out.push(']');
}

/// The violations of one step: each (code, order_id) once, in detection order.
struct Found {
    items: Vec<Violation>,
    enabled: CodeSet,
    seq_id: Option<i64>,
}

impl Found {
    fn new(enabled: CodeSet, seq_id: Option<i64>) -> Self {
        Found { items: Vec::new(), enabled, seq_id }
    }

    fn emit(&mut self, code: Code, order_id: Option<&str>) {
        if !self.enabled.contains(code) {
            return;
        }
        if self.items.iter().any(|v| v.code == code && v.order_id.as_deref() == order_id) {
            return;
        }
        self.items.push(Violation { code, seq_id: self.seq_id, order_id: order_id.map(str::to_owned) });
    }
}

/// The invariant checker (see the module documentation).
#[derive(Debug, Clone)]
pub struct InvariantChecker {
    pub(crate) config: Config,
    pub(crate) enabled: CodeSet,
    pub(crate) shadow: Shadow,
}

/// (venue, instrument) -> [size delta, realized PnL delta] expected from a step's fills.
type ExpectedPositions = BTreeMap<(String, String), (Raw, Raw)>;

impl InvariantChecker {
    /// `config`: the core's config (`None` or `Value::Null` for the defaults);
    /// `enabled`: the codes to report (`None`: all).
    pub fn new(config: Option<&Value>, enabled: Option<CodeSet>) -> Result<Self, EngineError> {
        let config = Config::parse(config.unwrap_or(&Value::Null))?;
        let shadow = Shadow::new(config.starting_cash);
        Ok(InvariantChecker { config, enabled: enabled.unwrap_or_else(CodeSet::all), shadow })
    }

    pub fn enabled(&self) -> CodeSet {
        self.enabled
    }

    /// Check one step; its violations.
    pub fn apply(&mut self, step: &Value) -> Vec<Violation> {
        let (seq_id, parsed) = read_step(step);
        let (result, input) = match parsed {
            Ok(pair) => pair,
            Err(Bad) => {
                let mut found = Found::new(self.enabled, seq_id);
                found.emit(Code::MalformedStep, None);
                return found.items;
            }
        };
        let Some(input) = input else {
            // refused: no effect may come with it, and nothing changes
            let mut found = Found::new(self.enabled, seq_id);
            if result.has_effects() {
                found.emit(Code::RefusedWithEffects, None);
            }
            return found.items;
        };
        if result.code != "ok" && result.code != "duplicate" {
            let mut found = Found::new(self.enabled, seq_id);
            found.emit(Code::MalformedStep, None);
            return found.items;
        }
        self.apply_accepted(&input, &result, seq_id)
    }

    /// Check many steps; one list of violations per step.
    pub fn apply_batch(&mut self, steps: &[Value]) -> Vec<Vec<Violation>> {
        steps.iter().map(|step| self.apply(step)).collect()
    }

    /// One step per JSON line in; one canonical line (its violation list) out.
    pub fn apply_jsonl(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = String::new();
        for line in split_lines(data) {
            let violations = match parse_bytes(line) {
                Ok(step) => self.apply(&step),
                Err(_) => {
                    let mut found = Found::new(self.enabled, None);
                    found.emit(Code::MalformedStep, None);
                    found.items
                }
            };
            write_violations(&mut out, &violations);
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    pub fn state_hash(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, &self.snapshot());
        sha256_hex(out.as_bytes())
    }

    // ---------------------------------------------------------------- one step

    fn apply_accepted(&mut self, input: &StepInput, result: &StepResult, seq_id: Option<i64>) -> Vec<Violation> {
        let mut found = Found::new(self.enabled, seq_id);
        let order_id = input.order_id.as_deref();
        // 1. sequence
        if result.seq_id != Some(input.seq_id) {
            found.emit(Code::SeqMismatch, None);
        }
        if input.seq_id <= self.shadow.last_seq_id {
            found.emit(Code::SeqNotMonotonic, None);
        }
        // 2. event time per stream (late events are exempt only under late_policy accept)
        let mut stream_update = None;
        if let (true, Some(stream)) = (input.is_event, &input.stream) {
            let last = self.shadow.stream_times.get(stream).copied();
            if result.late {
                if !self.config.late_accept {
                    found.emit(Code::EventTimeRegressed, order_id);
                }
            } else if last.is_some_and(|last| input.event_time < last) {
                found.emit(Code::EventTimeRegressed, order_id);
            }
            if result.code == "ok" && !result.late {
                stream_update = Some(last.map_or(input.event_time, |last| last.max(input.event_time)));
            }
        }
        // 3. idempotency: a duplicate has no effect, and only a key seen before is one
        let key = input.key.as_deref();
        if result.code == "duplicate" {
            if key.is_none_or(|key| !self.shadow.applied_keys.contains(key)) {
                found.emit(Code::FalseDuplicate, order_id);
            }
            if result.has_effects() {
                found.emit(Code::IdempotencyReused, order_id);
            }
            self.shadow.last_seq_id = self.shadow.last_seq_id.max(input.seq_id);
            return found.items;
        }
        if key.is_some_and(|key| self.shadow.applied_keys.contains(key)) {
            found.emit(Code::IdempotencyReused, order_id);
        }
        // 4. bars: the newest bar per instrument, and stop-limit touches
        let mut bar_time = None;
        if let (Some(bar), Some(venue), Some(instrument)) = (&input.bar, &input.venue, &input.instrument) {
            let time = input.event_time;
            bar_time = Some(time);
            let bar_key = (venue.clone(), instrument.clone());
            if self.config.simulated {
                self.shadow.touch_stops(&bar_key, time, bar.high, bar.low);
            }
            let newer = self.shadow.bar_times.get(&bar_key).is_none_or(|current| time > *current);
            if newer {
                self.shadow.bar_times.insert(bar_key, time);
            }
        }
        // 5. fills: acceptance, realism, fees, the ledger
        let filled_now = self.check_fills(input, result, bar_time, &mut found);
        // 6. transitions: the state machine and the quantities
        self.check_transitions(input, result, &filled_now, &mut found);
        // 7. commit the step's bookkeeping
        self.shadow.last_seq_id = self.shadow.last_seq_id.max(input.seq_id);
        if let (Some(time), Some(stream)) = (stream_update, &input.stream) {
            self.shadow.stream_times.insert(stream.clone(), time);
        }
        if let Some(key) = key {
            self.shadow.applied_keys.insert(key.to_owned());
        }
        found.items
    }

    fn check_fills(
        &mut self,
        input: &StepInput,
        result: &StepResult,
        bar_time: Option<i64>,
        found: &mut Found,
    ) -> BTreeSet<String> {
        let simulated = self.config.simulated;
        let rate = self.config.commission_rate;
        let mut filled_now = BTreeSet::new();
        let mut expected_cash: Raw = 0;
        let mut expected_positions = ExpectedPositions::new();
        let first_order = result.fills.first().map(|fill| fill.order_id.as_str());
        for (index, fill) in result.fills.iter().enumerate() {
            let oid = fill.order_id.as_str();
            filled_now.insert(fill.order_id.clone());
            let order_index = self.shadow.index.get(oid).copied();
            if let Some(order) = order_index.and_then(|i| self.shadow.orders.get(i)) {
                if order.state.is_terminal() {
                    found.emit(Code::TerminalStateChanged, Some(oid));
                } else if !order.state.is_fillable() {
                    found.emit(Code::FillBeforeAccept, Some(oid));
                }
                let venue_differs = order.venue.as_ref().is_some_and(|v| *v != fill.venue);
                let instrument_differs = order.instrument.as_ref().is_some_and(|i| *i != fill.instrument);
                let side_differs = order.is_buy.is_some_and(|buy| buy != fill.is_buy);
                if venue_differs || instrument_differs || side_differs {
                    found.emit(Code::FillMismatch, Some(oid));
                }
            } else {
                found.emit(Code::FillBeforeAccept, Some(oid));
            }
            let notional = mul(fill.qty, fill.price).ok();
            let commission = notional.and_then(|n| commission(n, rate).ok());
            let mut expected_fee = commission;
            if simulated {
                let order = order_index.and_then(|i| self.shadow.orders.get(i));
                check_realism(input, fill, order, bar_time, found);
            } else {
                match (&input.fill, index) {
                    (Some(report), 0) => {
                        if input.order_id.as_deref() != Some(oid)
                            || fill.fill_id != report.fill_id
                            || fill.qty != report.qty
                            || fill.price != report.price
                        {
                            found.emit(Code::FillMismatch, Some(oid));
                        }
                        if let Some(fee) = report.fee {
                            expected_fee = Some(fee);
                        }
                    }
                    _ => found.emit(Code::FillMismatch, Some(oid)),
                }
            }
            if expected_fee.is_some_and(|fee| fee != fill.fee) {
                found.emit(Code::FeesMismatch, Some(oid));
            }
            // The ledger: every number checked; an overflow drops this fill from it.
            let Some(booked) = self.book(fill, order_index, notional, expected_cash, &mut expected_positions)
            else {
                found.emit(Code::LedgerOverflow, Some(oid));
                continue;
            };
            expected_cash = booked;
            if let Some(order) = order_index.and_then(|i| self.shadow.orders.get(i)) {
                if order.qty.is_some_and(|qty| order.ledger_filled > qty) {
                    found.emit(Code::Overfilled, Some(oid));
                }
            }
            if simulated && self.shadow.cash < 0 {
                found.emit(Code::NegativeCash, Some(oid));
            }
        }
        if result.cash_delta != expected_cash {
            found.emit(Code::CashMismatch, first_order);
        }
        let expected: Vec<(String, String, Raw, Raw)> = expected_positions
            .into_iter()
            .map(|((venue, instrument), (size, pnl))| (venue, instrument, size, pnl))
            .collect();
        if result.position_deltas != expected {
            found.emit(Code::PositionMismatch, first_order);
        }
        filled_now
    }

    /// Book one fill into the shadow ledger, all or nothing; the step's expected cash
    /// delta after it, or `None` (nothing booked) when a number overflows.
    fn book(
        &mut self,
        fill: &Fill,
        order_index: Option<usize>,
        notional: Option<Raw>,
        expected_cash: Raw,
        expected_positions: &mut ExpectedPositions,
    ) -> Option<Raw> {
        let notional = notional?;
        let staged = (|| -> Result<_, crate::engine::numbers::NumError> {
            let signed_notional = if fill.is_buy { neg(notional)? } else { notional };
            let delta = sub(signed_notional, fill.fee)?;
            let new_expected = add(expected_cash, delta)?;
            let cash = add(self.shadow.cash, delta)?;
            let fees = add(self.shadow.fees_paid, fill.fee)?;
            let key = (fill.venue.clone(), fill.instrument.clone());
            let signed = if fill.is_buy { fill.qty } else { neg(fill.qty)? };
            let position = self.shadow.positions.get(&key).copied().unwrap_or((0, 0, 0));
            let (size, avg, realized, pnl) = apply_fill_to_position(position, signed, fill.price)?;
            let entry = expected_positions.get(&key).copied().unwrap_or((0, 0));
            let entry = (add(entry.0, signed)?, add(entry.1, pnl)?);
            let ledger = match order_index.and_then(|i| self.shadow.orders.get(i)) {
                Some(order) => Some((
                    add(order.ledger_filled, fill.qty)?,
                    add(order.ledger_notional, mul_exact(fill.qty, fill.price)?)?,
                )),
                None => None,
            };
            Ok((new_expected, cash, fees, key, (size, avg, realized), entry, ledger))
        })();
        let (new_expected, cash, fees, key, position, entry, ledger) = staged.ok()?;
        self.shadow.cash = cash;
        self.shadow.fees_paid = fees;
        self.shadow.positions.insert(key.clone(), position);
        expected_positions.insert(key, entry);
        if let (Some((filled, notional)), Some(order)) =
            (ledger, order_index.and_then(|i| self.shadow.orders.get_mut(i)))
        {
            order.ledger_filled = filled;
            order.ledger_notional = notional;
        }
        Some(new_expected)
    }

    fn check_transitions(
        &mut self,
        input: &StepInput,
        result: &StepResult,
        filled_now: &BTreeSet<String>,
        found: &mut Found,
    ) {
        let place_id = input.place.as_ref().and(input.order_id.as_deref());
        let replace_id = input.replace.as_ref().and(input.order_id.as_deref());
        let step_bar = input.bar.as_ref().map(|_| input.event_time);
        let mut moved: BTreeSet<&str> = BTreeSet::new();
        let mut created_now: BTreeSet<&str> = BTreeSet::new();
        for t in &result.transitions {
            let oid = t.order_id.as_str();
            moved.insert(oid);
            let mut is_replace = false;
            let index = match (t.from, self.shadow.index.get(oid).copied()) {
                (None, Some(index)) => {
                    found.emit(Code::StateMismatch, Some(oid));
                    index
                }
                (None, None) => {
                    if t.to != State::Created || Some(oid) != place_id || created_now.contains(oid) {
                        found.emit(Code::IllegalTransition, Some(oid));
                    }
                    let place = if Some(oid) == place_id { input.place.as_ref() } else { None };
                    let index = self.shadow.create(oid, place);
                    created_now.insert(oid);
                    let qty = self.shadow.orders.get(index).and_then(|order| order.qty);
                    if qty.is_some() && add(t.filled, t.remaining).ok() != qty {
                        found.emit(Code::QtyChanged, Some(oid));
                    }
                    index
                }
                (Some(from), None) => {
                    found.emit(Code::StateMismatch, Some(oid));
                    let index = self.shadow.create(oid, None);
                    if let Some(order) = self.shadow.orders.get_mut(index) {
                        order.state = from;
                    }
                    index
                }
                (Some(from), Some(index)) => {
                    if let Some(order) = self.shadow.orders.get(index) {
                        if order.state.is_terminal() {
                            found.emit(Code::TerminalStateChanged, Some(oid));
                        } else if from != order.state {
                            found.emit(Code::StateMismatch, Some(oid));
                        } else if !edge_allowed(from, t.to, oid, input, replace_id, filled_now) {
                            found.emit(Code::IllegalTransition, Some(oid));
                        }
                        is_replace = Some(oid) == replace_id && from == t.to;
                        if t.filled < order.filled {
                            found.emit(Code::FilledDecreased, Some(oid));
                        }
                        if t.remaining > order.remaining && !is_replace {
                            found.emit(Code::RemainingIncreased, Some(oid));
                        }
                        if !is_replace && order.qty.is_some() && add(t.filled, t.remaining).ok() != order.qty {
                            found.emit(Code::QtyChanged, Some(oid));
                        }
                    }
                    index
                }
            };
            let Some(order) = self.shadow.orders.get(index) else { continue };
            if t.remaining < 0 || (!is_replace && order.qty.is_some_and(|qty| t.filled > qty)) {
                found.emit(Code::Overfilled, Some(oid));
            }
            if !quantities_fit(t) {
                found.emit(Code::IllegalTransition, Some(oid));
            }
            if t.filled != order.ledger_filled {
                found.emit(Code::FilledMismatch, Some(oid));
            }
            let avg = if order.ledger_filled == 0 {
                None
            } else {
                div_half_even(order.ledger_notional, order.ledger_filled).ok()
            };
            if t.avg != avg {
                found.emit(Code::AvgPriceMismatch, Some(oid));
            }
            let replace = if is_replace { input.replace.as_ref() } else { None };
            self.shadow.adopt(index, t, is_replace, replace, step_bar);
        }
        for oid in filled_now.iter().filter(|oid| !moved.contains(oid.as_str())) {
            found.emit(Code::FilledMismatch, Some(oid));
        }
    }
}

/// Split a step into (the seq_id its violations carry, its readable parts). The input
/// is read only when the result says it was accepted.
/// A readable step: its result, and its input when the result was accepted.
type ReadStep = Result<(StepResult, Option<StepInput>), Bad>;

fn read_step(step: &Value) -> (Option<i64>, ReadStep) {
    let Ok(pairs) = step::obj(step) else { return (None, Err(Bad)) };
    let (Ok(raw_result), Ok(raw_input)) = (step::get(pairs, "result"), step::get(pairs, "input")) else {
        return (None, Err(Bad));
    };
    // The step's seq_id for violations: the result's if valid, else the input's.
    let seq_id = step::seq_of(raw_result).or_else(|| step::seq_of(raw_input));
    let parsed = StepResult::read(raw_result).and_then(|result| {
        if result.accepted {
            let input = StepInput::read(raw_input)?;
            Ok((result, Some(input)))
        } else {
            Ok((result, None))
        }
    });
    (seq_id, parsed)
}

/// Section 8: a simulated fill comes from its own bar, within its range, on the right
/// side of its limit and stop, never on its placement bar.
fn check_realism(input: &StepInput, fill: &Fill, order: Option<&ShadowOrder>, bar_time: Option<i64>, found: &mut Found) {
    let oid = fill.order_id.as_str();
    let bar = input.bar.as_ref().filter(|_| bar_time.is_some());
    let outside = match bar {
        None => true,
        Some(bar) => {
            input.venue.as_deref() != Some(fill.venue.as_str())
                || input.instrument.as_deref() != Some(fill.instrument.as_str())
                || !(bar.low <= fill.price && fill.price <= bar.high)
        }
    };
    if outside {
        found.emit(Code::FillOutsideBar, Some(oid));
    }
    let Some(order) = order else { return };
    let is_buy = fill.is_buy;
    if matches!(order.order_type, Some(OrderType::Limit | OrderType::StopLimit)) {
        if let Some(limit) = order.limit_price {
            if (is_buy && fill.price > limit) || (!is_buy && fill.price < limit) {
                found.emit(Code::LimitPriceViolated, Some(oid));
            }
        }
    }
    match (order.order_type, order.stop_price) {
        (Some(OrderType::Stop), Some(stop)) => {
            let triggered = match bar {
                None => false,
                Some(bar) if is_buy => bar.high >= stop && fill.price >= stop,
                Some(bar) => bar.low <= stop && fill.price <= stop,
            };
            if !triggered {
                found.emit(Code::StopNotTriggered, Some(oid));
            }
        }
        (Some(OrderType::StopLimit), _) if !order.touched => found.emit(Code::StopNotTriggered, Some(oid)),
        _ => {}
    }
    if let (Some(time), Some(placed)) = (bar_time, order.placed_bar_time) {
        if time <= placed {
            found.emit(Code::FilledOnPlacementBar, Some(oid));
        }
    }
}

fn commission(notional: Raw, rate: Raw) -> NumResult {
    let magnitude = if notional < 0 { neg(notional)? } else { notional };
    mul(magnitude, rate)
}

fn checked_abs(value: Raw) -> NumResult {
    if value < 0 {
        neg(value)
    } else {
        Ok(value)
    }
}

/// Section 7 on a `(size, avg, realized)` position: the new one and this fill's
/// realized PnL. Written apart from the core's accounting so a bug there is caught,
/// not copied.
pub fn apply_fill_to_position(
    position: (Raw, Raw, Raw),
    signed_qty: Raw,
    price: Raw,
) -> Result<(Raw, Raw, Raw, Raw), crate::engine::numbers::NumError> {
    let (size, avg, realized) = position;
    if size == 0 || (size > 0) == (signed_qty > 0) {
        let new_size = add(size, signed_qty)?;
        let cost = add(mul_exact(checked_abs(size)?, avg)?, mul_exact(checked_abs(signed_qty)?, price)?)?;
        return Ok((new_size, div_half_even(cost, checked_abs(new_size)?)?, realized, 0));
    }
    let closed = checked_abs(size)?.min(checked_abs(signed_qty)?);
    let edge = if size > 0 { sub(price, avg)? } else { sub(avg, price)? };
    let pnl = mul(edge, closed)?;
    let new_size = add(size, signed_qty)?;
    let new_avg = if new_size == 0 {
        0
    } else if (new_size > 0) != (size > 0) {
        price // crossed zero: the rest opens at the fill price
    } else {
        avg
    };
    Ok((new_size, new_avg, add(realized, pnl)?, pnl))
}

/// The section 6 table, with the context some edges need.
fn edge_allowed(
    from: State,
    to: State,
    order_id: &str,
    input: &StepInput,
    replace_id: Option<&str>,
    filled_now: &BTreeSet<String>,
) -> bool {
    use State::*;
    let listed = matches!(
        (from, to),
        (Created, Submitted | Cancelled)
            | (Submitted, Accepted | Rejected | Cancelled)
            | (Accepted, Accepted | PartiallyFilled | Filled | CancelPending | Cancelled | Rejected | Expired)
            | (PartiallyFilled, PartiallyFilled | Filled | CancelPending | Cancelled | Expired)
            | (CancelPending, CancelPending | Filled | Cancelled | Accepted | PartiallyFilled)
    );
    if !listed {
        return false;
    }
    let filled = filled_now.contains(order_id);
    let about_this = input.order_id.as_deref() == Some(order_id);
    if from == to {
        if from == CancelPending {
            return filled; // a partial fill leaves cancel_pending as is
        }
        return Some(order_id) == replace_id || (from == PartiallyFilled && filled);
    }
    if matches!(
        (from, to),
        (Accepted, PartiallyFilled) | (Accepted, Filled) | (PartiallyFilled, Filled) | (CancelPending, Filled)
    ) {
        return filled;
    }
    if to == CancelPending {
        return input.kind_type == "cancel_order" && about_this;
    }
    if from == CancelPending && to.is_working() {
        return input.kind_type == "cancel_rejected" && about_this && !filled;
    }
    true
}

/// A state agrees with its quantities.
fn quantities_fit(t: &Transition) -> bool {
    match t.to {
        State::Created | State::Submitted | State::Accepted => t.filled == 0,
        State::PartiallyFilled => t.filled > 0 && t.remaining > 0,
        State::Filled => t.remaining == 0,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json::parse_str;

    fn value(text: &str) -> Value {
        parse_str(text).unwrap()
    }

    fn bar(seq: i64, time: i64, low: &str) -> String {
        format!(
            r#"{{"kind":"event","seq_id":{seq},"event_time":{time},"ingest_time":{time},"source":"market_data","venue":"v1","instrument":"BTC","event_type":"bar","payload":{{"open":"102","high":"103","low":"{low}","close":"102","volume":"1","timeframe_ms":60000}},"idempotency_key":null,"producer":0}}"#
        )
    }

    const PLACE: &str = r#"{"kind":"intent","seq_id":2,"intent_type":"place_order","payload":{"intent_id":"i1","order_id":"o1","instrument":"BTC","venue":"v1","side":"buy","order_type":"limit","qty":"1","limit_price":"101","stop_price":null,"time_in_force":"gtc","expire_time":null,"parent_order_id":null,"oco_group":null,"strategy_id":"s"}}"#;

    fn result(seq: i64, transitions: &str, fills: &str, cash: &str, positions: &str) -> String {
        format!(
            r#"{{"seq_id":{seq},"accepted":true,"code":"ok","transitions":[{transitions}],"fills":[{fills}],"cash_delta":"{cash}","position_deltas":[{positions}],"late":false,"diagnostics":[]}}"#
        )
    }

    fn tr(from: &str, to: &str, filled: &str, remaining: &str, avg: &str) -> String {
        format!(
            r#"{{"order_id":"o1","from":{from},"to":"{to}","filled_qty":"{filled}","remaining_qty":"{remaining}","avg_fill_price":{avg},"reason":null}}"#
        )
    }

    /// Simulated: bar, a buy limit 101, the next bar fills it at `price` (low `low`).
    fn history(price: &str, cash: &str, low: &str) -> Vec<Value> {
        let placed = [
            tr("null", "created", "0", "1", "null"),
            tr("\"created\"", "submitted", "0", "1", "null"),
            tr("\"submitted\"", "accepted", "0", "1", "null"),
        ]
        .join(",");
        let fill = format!(
            r#"{{"order_id":"o1","fill_id":"o1:1","venue":"v1","instrument":"BTC","side":"buy","qty":"1","price":"{price}","fee":"0"}}"#
        );
        let position = r#"{"venue":"v1","instrument":"BTC","size_delta":"1","realized_pnl_delta":"0"}"#;
        let filled = tr("\"accepted\"", "filled", "1", "0", &format!("\"{price}\""));
        [
            (bar(1, 60_000, "95"), result(1, "", "", "0", "")),
            (PLACE.to_owned(), result(2, &placed, "", "0", "")),
            (bar(3, 120_000, low), result(3, &filled, &fill, cash, position)),
        ]
        .into_iter()
        .map(|(input, result)| value(&format!(r#"{{"input":{input},"result":{result}}}"#)))
        .collect()
    }

    fn run(steps: &[Value]) -> Vec<(Code, Option<i64>, Option<String>)> {
        let mut checker = InvariantChecker::new(None, None).unwrap();
        steps.iter().flat_map(|step| checker.apply(step)).map(|v| (v.code, v.seq_id, v.order_id)).collect()
    }

    #[test]
    fn a_clean_history_has_no_violation() {
        assert_eq!(run(&history("101", "-101", "99")), vec![]);
    }

    #[test]
    fn fill_realism_and_ledger_are_checked() {
        let o1 = Some("o1".to_owned());
        assert_eq!(run(&history("101", "-101", "101.5")), vec![(Code::FillOutsideBar, Some(3), o1.clone())]);
        assert_eq!(run(&history("102", "-102", "99")), vec![(Code::LimitPriceViolated, Some(3), o1.clone())]);
        assert_eq!(run(&history("101", "-100", "99")), vec![(Code::CashMismatch, Some(3), o1)]);
    }

    #[test]
    fn refused_and_unreadable_steps() {
        let mut checker = InvariantChecker::new(None, None).unwrap();
        let before = checker.state_hash();
        let refused = value(
            r#"{"input":null,"result":{"seq_id":null,"accepted":false,"code":"invalid_payload","transitions":[],"fills":[],"cash_delta":"1","position_deltas":[],"late":false,"diagnostics":[]}}"#,
        );
        let found = checker.apply(&refused);
        assert_eq!(found.iter().map(|v| v.code).collect::<Vec<_>>(), vec![Code::RefusedWithEffects]);
        assert_eq!(checker.state_hash(), before);
        let found = checker.apply(&value("[1]"));
        assert_eq!(found, vec![Violation { code: Code::MalformedStep, seq_id: None, order_id: None }]);
        let out = checker.apply_jsonl(b"{nope\n[]\n");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[{\"code\":\"malformed_step\",\"order_id\":null,\"seq_id\":null}]\n\
             [{\"code\":\"malformed_step\",\"order_id\":null,\"seq_id\":null}]\n"
        );
    }

    #[test]
    fn snapshot_round_trips_and_bad_ones_are_refused() {
        let mut checker = InvariantChecker::new(None, Some(CodeSet::from_names(["cash_mismatch"]).unwrap())).unwrap();
        for step in history("101", "-101", "99") {
            checker.apply(&step);
        }
        let snapshot = checker.snapshot();
        let mut copy = InvariantChecker::new(None, None).unwrap();
        copy.restore(&snapshot).unwrap();
        assert_eq!(copy.state_hash(), checker.state_hash());
        assert_eq!(copy.enabled().names(), vec!["cash_mismatch"]);
        let Value::Object(mut pairs) = snapshot else { panic!("an object") };
        pairs.retain(|(key, _)| key != "cash");
        assert!(copy.restore(&Value::Object(pairs)).is_err());
        assert_eq!(copy.state_hash(), checker.state_hash());
    }

    #[test]
    fn codes_and_config() {
        assert_eq!(Code::ALL.len(), CodeSet::all().names().len());
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        assert!(CodeSet::from_names(["nope"]).is_err());
        assert!(InvariantChecker::new(Some(&value(r#"{"mode":"paper"}"#)), None).is_err());
        assert!(InvariantChecker::new(Some(&value(r#"{"commission_rate":"-1"}"#)), None).is_err());
        assert!(InvariantChecker::new(Some(&value("[]")), None).is_err());
    }

    #[test]
    fn position_accounting_follows_section_7() {
        // long 2 @ 10, sell 3 @ 12: realize 4, flip to short 1 opened at 12
        let (size, avg, realized, pnl) = apply_fill_to_position((2_000_000_000, 10_000_000_000, 0), -3_000_000_000, 12_000_000_000).unwrap();
        assert_eq!((size, avg, realized, pnl), (-1_000_000_000, 12_000_000_000, 4_000_000_000, 4_000_000_000));
        assert!(apply_fill_to_position((0, 0, 0), 0, 1).is_err()); // 0 / 0: an overflow, never a panic
        assert!(apply_fill_to_position((i128::MIN, 0, 0), -1, 1).is_err());
    }
}
