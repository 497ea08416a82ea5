//! Twin of `cracktrader/engine/core.py`: one deterministic state machine per `Core`.
//!
//! `apply` runs one input through:
//! 1. validation (`inputs::parse_input`: shape, then numbers),
//! 2. the sequence and stream checks (`out_of_sequence`, `late_event`, `duplicate`),
//! 3. the handler for its type (`intents.rs`, `reports.rs`, `matching.rs`), which
//!    returns a `Refusal` for the state checks before touching anything,
//! 4. commit, or, if computing the effects overflowed, a rollback of everything
//!    touched (D-031) and a `numeric_overflow` refusal.
//!
//! A refused input changes nothing (not even `last_seq_id`); an accepted one,
//! including a `duplicate`, consumes its `seq_id` (D-030).
//!
//! Python keys its maps by `(venue, instrument)` tuples; here each pair is interned
//! once (`InstrumentKeys`) and per-instrument state lives in a `Vec` indexed by the
//! interned id. No map is ever iterated into an output: snapshots sort explicitly.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

// hashbrown's default hasher (foldhash) is several times faster than SipHash on short
// keys; these maps are only ever looked up, never iterated into an output.
use hashbrown::{HashMap, HashSet};

use super::accounting::{apply_fill_to_position, cash_delta, fill_fee, Position};
use super::canonical::write_str;
use super::config::{CoreConfig, LatePolicy};
use super::errors::EngineError;
use super::fast_input::{self, Fields};
use super::inputs::{self, Body, Event, EventPayload, Intent, ParsedInput, Refusal, Source};
use super::numbers::{self, NumError, Raw};
use super::orders::{transition, KeyId, Order, Reason, SavedOrder, State};
use super::results::{
    self, refused, view_without_effect, Code, Diagnostic, Fill, ResultBuilder, ResultView, TransitionResult,
};
use super::strict_json;
use super::value::{JsonView, Value};
use super::{intents, matching, reports, snapshot};

/// Why a handler stopped: a state-check refusal, or an overflow while computing the
/// effects (refused as `numeric_overflow` at `""`, D-031).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Refused(Refusal),
    Overflow,
}

impl From<Refusal> for Stop {
    fn from(refusal: Refusal) -> Self {
        Stop::Refused(refusal)
    }
}

impl From<NumError> for Stop {
    fn from(_: NumError) -> Self {
        Stop::Overflow
    }
}

/// How an input ended (`Core::run`).
enum Outcome {
    Refused(Code, Cow<'static, str>),
    Duplicate { late: bool },
    /// Applied; its effects are in `Core::result`.
    Applied { late: bool },
}

/// What a handler returns.
pub type Step<T = ()> = Result<T, Stop>;

/// An index that does not resolve would be a bug in this crate; it stops the input
/// (rolled back, refused) instead of panicking.
fn missing() -> Stop {
    Stop::Overflow
}

/// The newest bar of an instrument (D-036).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    pub time: i64,
    pub open: Raw,
    pub high: Raw,
    pub low: Raw,
    pub close: Raw,
    pub volume: Raw,
    pub timeframe_ms: i64,
}

/// Everything kept per (venue, instrument).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyState {
    pub(crate) position: Option<Position>,
    pub(crate) last_bar: Option<Bar>,
    pub(crate) last_price: Option<(i64, Raw)>,
    /// Non-terminal orders of this instrument, in submit order (Python's `working`).
    pub(crate) working: Vec<usize>,
}

/// An interned (venue, instrument) pair as a map key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PairKey(Arc<str>, Arc<str>);

/// A borrowed (venue, instrument) pair: looks up a `PairKey` with one hash of the two
/// strings and no allocation (hashes exactly as `PairKey` does).
#[derive(Hash)]
struct PairRef<'a>(&'a str, &'a str);

impl std::hash::Hash for PairKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        PairRef(&self.0, &self.1).hash(state);
    }
}

impl hashbrown::Equivalent<PairKey> for PairRef<'_> {
    fn equivalent(&self, key: &PairKey) -> bool {
        *key.0 == *self.0 && *key.1 == *self.1
    }
}

/// A stream `[source, venue, instrument, producer]` (D-032) as a map key; its
/// canonical JSON text (the snapshot's key) is written only for snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StreamKey {
    pub(crate) source: Source,
    pub(crate) venue: Option<Box<str>>,
    pub(crate) instrument: Option<Box<str>>,
    pub(crate) producer: i64,
}

/// A borrowed stream key (hashes exactly as `StreamKey`).
#[derive(Hash)]
struct StreamRef<'a> {
    source: Source,
    venue: Option<&'a str>,
    instrument: Option<&'a str>,
    producer: i64,
}

impl StreamKey {
    fn as_ref(&self) -> StreamRef<'_> {
        StreamRef {
            source: self.source,
            venue: self.venue.as_deref(),
            instrument: self.instrument.as_deref(),
            producer: self.producer,
        }
    }

    /// The canonical JSON of `[source, venue, instrument, producer]`.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::with_capacity(48);
        let key = self.as_ref();
        write_stream_key(&mut out, key.source, key.venue, key.instrument, key.producer);
        out
    }
}

impl std::hash::Hash for StreamKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_ref().hash(state);
    }
}

impl hashbrown::Equivalent<StreamKey> for StreamRef<'_> {
    fn equivalent(&self, key: &StreamKey) -> bool {
        self.source == key.source
            && self.producer == key.producer
            && self.venue == key.venue.as_deref()
            && self.instrument == key.instrument.as_deref()
    }
}

fn stream_of<'a>(event: &Event<'a>) -> StreamRef<'a> {
    StreamRef { source: event.source, venue: event.venue, instrument: event.instrument, producer: event.producer }
}

/// Interned (venue, instrument) pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstrumentKeys {
    by_pair: HashMap<PairKey, KeyId>,
    names: Vec<(Arc<str>, Arc<str>)>,
}

impl InstrumentKeys {
    /// The id of an interned pair, without interning it.
    pub(crate) fn lookup(&self, venue: &str, instrument: &str) -> Option<KeyId> {
        self.by_pair.get(&PairRef(venue, instrument)).copied()
    }

    /// (venue, instrument) of an id.
    pub(crate) fn names(&self, key: KeyId) -> (Arc<str>, Arc<str>) {
        match self.names.get(key) {
            Some((venue, instrument)) => (Arc::clone(venue), Arc::clone(instrument)),
            None => (Arc::from(""), Arc::from("")),
        }
    }

    /// How many pairs are interned.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// What a transaction saved before its first change (D-031).
#[derive(Debug, Clone, Default)]
struct Transaction {
    epoch: u64,
    saved_orders: Vec<(usize, SavedOrder)>,
    saved_positions: Vec<(KeyId, Option<Position>)>,
    saved_money: (Raw, Raw),
    orders_len: usize,
}

/// A deterministic core (rust backend).
#[derive(Debug, Clone)]
pub struct Core {
    pub(crate) config: CoreConfig,
    pub(crate) last_seq_id: i64,
    pub(crate) cash: Raw,
    pub(crate) fees_paid: Raw,
    pub(crate) keys: InstrumentKeys,
    pub(crate) per_key: Vec<KeyState>,
    /// All orders ever placed, in submit order.
    pub(crate) orders: Vec<Order>,
    pub(crate) order_index: HashMap<Arc<str>, usize>,
    /// parent order id -> children, in submit order.
    pub(crate) children: HashMap<String, Vec<usize>>,
    /// OCO group -> members, in submit order.
    pub(crate) oco_groups: HashMap<String, Vec<usize>>,
    pub(crate) applied_keys: HashSet<String>,
    /// Stream (D-032) -> last event_time.
    pub(crate) stream_times: HashMap<StreamKey, i64>,
    pub(crate) kill_switch: bool,
    pub(crate) allow_short: bool,
    tx: Transaction,
    /// The effects of the input being applied (buffers reused across inputs).
    result: ResultBuilder,
    /// Reused buffers: `working_of`'s copies and `settle`'s queue.
    spare_indices: Vec<usize>,
    settle_queue: VecDeque<(usize, bool, bool)>,
    /// Scratch buffer for the idempotency key (no allocation per lookup).
    key_scratch: String,
}

impl Core {
    /// A fresh core (nothing applied yet) with this config.
    pub fn new(config: CoreConfig) -> Core {
        Core {
            last_seq_id: 0,
            cash: config.starting_cash,
            fees_paid: 0,
            keys: InstrumentKeys::default(),
            per_key: Vec::new(),
            orders: Vec::new(),
            order_index: HashMap::new(),
            children: HashMap::new(),
            oco_groups: HashMap::new(),
            applied_keys: HashSet::new(),
            stream_times: HashMap::new(),
            kill_switch: false,
            allow_short: config.allow_short,
            tx: Transaction::default(),
            result: ResultBuilder::new(),
            spare_indices: Vec::new(),
            settle_queue: VecDeque::new(),
            key_scratch: String::new(),
            config,
        }
    }

    /// A core from a config value (`None`: all defaults), or `InvalidConfig`.
    pub fn from_config_value(config: Option<&Value>) -> Result<Core, EngineError> {
        Ok(Core::new(CoreConfig::from_value(config)?))
    }

    /// The core's config.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    // ------------------------------------------------------------- indexes
    /// The id of (venue, instrument), interning the pair on first use.
    pub(crate) fn intern(&mut self, venue: &str, instrument: &str) -> KeyId {
        if let Some(key) = self.keys.lookup(venue, instrument) {
            return key;
        }
        let key = self.keys.names.len();
        // share the venue's text with its other instruments
        let venue_arc: Arc<str> = match self.keys.names.iter().find(|(v, _)| **v == *venue) {
            Some((existing, _)) => Arc::clone(existing),
            None => Arc::from(venue),
        };
        let instrument_arc: Arc<str> = Arc::from(instrument);
        self.keys.by_pair.insert(PairKey(Arc::clone(&venue_arc), Arc::clone(&instrument_arc)), key);
        self.keys.names.push((venue_arc, instrument_arc));
        self.per_key.push(KeyState::default());
        key
    }

    /// (venue, instrument) of an interned id.
    pub(crate) fn key_names(&self, key: KeyId) -> (Arc<str>, Arc<str>) {
        self.keys.names(key)
    }

    /// The current bar of an instrument (D-036).
    pub(crate) fn last_bar(&self, key: KeyId) -> Option<&Bar> {
        self.per_key.get(key).and_then(|k| k.last_bar.as_ref())
    }

    /// The current bar's time (None before any bar).
    pub(crate) fn last_bar_time(&self, key: Option<KeyId>) -> Option<i64> {
        key.and_then(|k| self.last_bar(k)).map(|bar| bar.time)
    }

    /// The position of an instrument, if one was ever opened.
    pub(crate) fn position_of(&self, key: KeyId) -> Option<&Position> {
        self.per_key.get(key).and_then(|k| k.position.as_ref())
    }

    /// The index of an order by its id.
    pub(crate) fn order_by_id(&self, order_id: &str) -> Option<usize> {
        self.order_index.get(order_id).copied()
    }

    /// The order at an index (a bad index stops the input, never panics).
    pub(crate) fn order(&self, index: usize) -> Step<&Order> {
        self.orders.get(index).ok_or_else(missing)
    }

    /// The order at an index, mutably; callers `touch` it first.
    pub(crate) fn order_mut(&mut self, index: usize) -> Step<&mut Order> {
        self.orders.get_mut(index).ok_or_else(missing)
    }

    /// Non-terminal orders, per instrument in first-seen order, then submit order
    /// (only summed, so the order does not matter; D-250).
    pub(crate) fn live_orders(&self) -> impl Iterator<Item = (usize, &Order)> {
        self.per_key.iter().flat_map(move |k| {
            k.working.iter().filter_map(move |index| {
                self.orders.get(*index).filter(|o| !o.state.is_terminal()).map(|o| (*index, o))
            })
        })
    }

    /// A copy of an instrument's working orders, in submit order, in a reused buffer
    /// (give it back with `recycle`).
    pub(crate) fn working_of(&mut self, key: KeyId) -> Vec<usize> {
        let mut copy = std::mem::take(&mut self.spare_indices);
        copy.clear();
        if let Some(state) = self.per_key.get(key) {
            copy.extend_from_slice(&state.working);
        }
        copy
    }

    /// Return a buffer from `working_of` for reuse.
    pub(crate) fn recycle(&mut self, buffer: Vec<usize>) {
        self.spare_indices = buffer;
    }

    /// Append a new order and index it (working, children, OCO group).
    pub(crate) fn add_order(&mut self, order: Order) {
        let index = self.orders.len();
        self.order_index.insert(Arc::clone(&order.order_id), index);
        if let Some(state) = self.per_key.get_mut(order.key) {
            state.working.push(index);
        }
        if let Some(parent) = &order.parent_order_id {
            self.children.entry(parent.clone()).or_default().push(index);
        }
        if let Some(group) = &order.oco_group {
            self.oco_groups.entry(group.clone()).or_default().push(index);
        }
        self.orders.push(order);
    }

    fn unindex_last(&mut self) {
        let Some(order) = self.orders.pop() else { return };
        let index = self.orders.len();
        self.order_index.remove(&order.order_id);
        if let Some(state) = self.per_key.get_mut(order.key) {
            state.working.retain(|i| *i != index);
        }
        if let Some(parent) = &order.parent_order_id {
            if let Some(list) = self.children.get_mut(parent) {
                list.retain(|i| *i != index);
            }
        }
        if let Some(group) = &order.oco_group {
            if let Some(list) = self.oco_groups.get_mut(group) {
                list.retain(|i| *i != index);
            }
        }
    }

    // ---------------------------------------------------------- transaction
    fn begin(&mut self) {
        self.tx.epoch = self.tx.epoch.wrapping_add(1);
        self.tx.saved_orders.clear();
        self.tx.saved_positions.clear();
        self.tx.saved_money = (self.cash, self.fees_paid);
        self.tx.orders_len = self.orders.len();
    }

    /// Save an order's mutable fields before its first change in this input.
    pub(crate) fn touch(&mut self, index: usize) -> Step {
        let epoch = self.tx.epoch;
        let order = self.orders.get_mut(index).ok_or_else(missing)?;
        if order.saved_epoch != epoch {
            order.saved_epoch = epoch;
            self.tx.saved_orders.push((index, order.save()));
        }
        Ok(())
    }

    /// The position for `key`, saved before its first change in this input.
    pub(crate) fn position_mut(&mut self, key: KeyId) -> Step<&mut Position> {
        let state = self.per_key.get_mut(key).ok_or_else(missing)?;
        if !self.tx.saved_positions.iter().any(|(k, _)| *k == key) {
            self.tx.saved_positions.push((key, state.position));
        }
        Ok(state.position.get_or_insert_with(Position::default))
    }

    fn rollback(&mut self) {
        let saved_orders = std::mem::take(&mut self.tx.saved_orders);
        for (index, saved) in &saved_orders {
            if let Some(order) = self.orders.get_mut(*index) {
                order.load(saved);
            }
        }
        self.tx.saved_orders = saved_orders;
        for (key, saved) in &self.tx.saved_positions {
            if let Some(state) = self.per_key.get_mut(*key) {
                state.position = *saved;
            }
        }
        while self.orders.len() > self.tx.orders_len {
            self.unindex_last();
        }
        (self.cash, self.fees_paid) = self.tx.saved_money;
    }

    fn commit(&mut self) {
        // Only touched orders can have become terminal in this input.
        let mut keys: Vec<KeyId> = Vec::new();
        for (index, _) in &self.tx.saved_orders {
            if let Some(order) = self.orders.get(*index) {
                if order.state.is_terminal() && !keys.contains(&order.key) {
                    keys.push(order.key);
                }
            }
        }
        for key in keys {
            if let Some(state) = self.per_key.get_mut(key) {
                let orders = &self.orders;
                state.working.retain(|i| orders.get(*i).is_some_and(|o| !o.state.is_terminal()));
            }
        }
    }

    // ---------------------------------------------------------------- apply
    /// Apply one event or intent; return its `transition_result`.
    pub fn apply<V: JsonView>(&mut self, obj: &V) -> TransitionResult {
        self.apply_with(obj, false)
    }

    /// `apply` for an input object some of whose keys could not be represented (see
    /// `inputs::parse_input_with`).
    pub fn apply_with<V: JsonView>(&mut self, obj: &V, has_bad_key: bool) -> TransitionResult {
        match inputs::parse_input_with(obj, has_bad_key) {
            Ok(parsed) => self.apply_parsed(&parsed),
            Err(refusal) => refused(results::echo_seq_id(obj), refusal.code, refusal.field),
        }
    }

    /// JSON lines in, canonical JSON lines out (one per input line, D-008), as UTF-8
    /// bytes (Python receives `bytes`).
    pub fn apply_jsonl(&mut self, data: &[u8]) -> Vec<u8> {
        // results are typically about twice the size of their inputs
        let mut out = Vec::with_capacity(data.len().saturating_mul(2).saturating_add(256));
        let mut fields = Fields::new();
        for line in strict_json::lines(data) {
            // Typed reading straight from the line; anything it is not sure about
            // (every refusal, and unusual spellings) takes the reference path.
            match fast_input::read_line(line, &mut fields) {
                Some(parsed) => self.apply_parsed_with(&parsed, |view| results::write_result(&mut out, view)),
                None => results::write_result(&mut out, &self.apply_line_reference(line).view()),
            }
            out.push(b'\n');
        }
        out
    }

    /// One line through the reference reader (strict JSON, then `parse_input`).
    fn apply_line_reference(&mut self, line: &[u8]) -> TransitionResult {
        // zero-copy: the line's strings are borrowed while it is applied
        match strict_json::parse_bytes_ref(line) {
            Ok(value) => self.apply(&value),
            Err(_) => refused(None, Code::InvalidPayload, Cow::Borrowed("")),
        }
    }

    /// Apply an input that passed validation (`inputs::parse_input` or
    /// `fast_input::build`; nothing else makes a `ParsedInput`).
    pub fn apply_parsed(&mut self, parsed: &ParsedInput<'_>) -> TransitionResult {
        self.apply_parsed_with(parsed, |view| view.to_owned())
    }

    /// `apply_parsed`, handing the result to `emit` as a view of the core's reused
    /// buffers (no per-input allocation for the result itself).
    pub fn apply_parsed_with<R>(&mut self, parsed: &ParsedInput<'_>, emit: impl FnOnce(&ResultView<'_>) -> R) -> R {
        let seq_id = Some(parsed.seq_id);
        match self.run(parsed) {
            Outcome::Refused(code, field) => {
                let diagnostic = Diagnostic { code, field };
                emit(&view_without_effect(seq_id, code, false, Some(&diagnostic)))
            }
            Outcome::Duplicate { late } => emit(&view_without_effect(seq_id, Code::Duplicate, late, None)),
            Outcome::Applied { late } => {
                let keys = &self.keys;
                emit(&self.result.view(parsed.seq_id, Code::Ok, late, |k| keys.names(k)))
            }
        }
    }

    /// Everything `apply_parsed` does to the state; an applied input's effects are
    /// left in `self.result`.
    fn run(&mut self, parsed: &ParsedInput<'_>) -> Outcome {
        let seq_id = parsed.seq_id;
        if seq_id <= self.last_seq_id {
            return Outcome::Refused(Code::OutOfSequence, Cow::Borrowed("/seq_id"));
        }
        let mut late = false;
        if let Body::Event(event) = &parsed.body {
            if let Some(last) = self.stream_times.get(&stream_of(event)) {
                if event.event_time < *last {
                    if self.config.late_policy == LatePolicy::Reject {
                        return Outcome::Refused(Code::LateEvent, Cow::Borrowed("/event_time"));
                    }
                    late = true;
                }
            }
        }
        let has_key = write_idempotency_key(&mut self.key_scratch, parsed);
        if has_key && self.applied_keys.contains(self.key_scratch.as_str()) {
            self.last_seq_id = seq_id;
            return Outcome::Duplicate { late };
        }
        // the builder's buffers are reused from input to input
        let mut result = std::mem::take(&mut self.result);
        result.clear();
        self.begin();
        let outcome = self.dispatch(parsed, &mut result);
        self.result = result;
        match outcome {
            Ok(()) => {}
            Err(Stop::Refused(refusal)) => {
                self.rollback();
                return Outcome::Refused(refusal.code, refusal.field);
            }
            Err(Stop::Overflow) => {
                self.rollback();
                return Outcome::Refused(Code::NumericOverflow, Cow::Borrowed(""));
            }
        }
        self.commit();
        self.last_seq_id = seq_id;
        if let (false, Body::Event(event)) = (late, &parsed.body) {
            self.record_stream_time(event);
        }
        if has_key {
            self.applied_keys.insert(self.key_scratch.clone());
        }
        Outcome::Applied { late }
    }

    /// The stream's time after an applied event (never lowered: a late event was not
    /// applied).
    fn record_stream_time(&mut self, event: &Event<'_>) {
        match self.stream_times.get_mut(&stream_of(event)) {
            Some(time) => *time = event.event_time,
            None => {
                let key = StreamKey {
                    source: event.source,
                    venue: event.venue.map(Box::from),
                    instrument: event.instrument.map(Box::from),
                    producer: event.producer,
                };
                self.stream_times.insert(key, event.event_time);
            }
        }
    }

    fn dispatch(&mut self, parsed: &ParsedInput<'_>, result: &mut ResultBuilder) -> Step {
        match &parsed.body {
            Body::Intent(intent) => intents::apply_intent(self, parsed.seq_id, intent, result),
            Body::Event(event) => match &event.payload {
                EventPayload::Bar(bar) => self.on_bar(event, bar, result),
                EventPayload::Trade { price, .. } => {
                    if let (Some(venue), Some(instrument)) = (event.venue, event.instrument) {
                        let key = self.intern(venue, instrument);
                        self.record_price(key, event.event_time, *price);
                    }
                    Ok(())
                }
                EventPayload::KillSwitch { enabled } => {
                    self.kill_switch = *enabled;
                    Ok(())
                }
                EventPayload::Timer { .. } => Ok(()), // consumes its seq_id only
                _ => reports::apply_report(self, event, result),
            },
        }
    }

    fn on_bar(&mut self, event: &Event<'_>, p: &inputs::BarPayload, result: &mut ResultBuilder) -> Step {
        let (Some(venue), Some(instrument)) = (event.venue, event.instrument) else { return Ok(()) };
        let key = self.intern(venue, instrument);
        if self.config.simulated {
            matching::match_bar(self, key, event.event_time, p.open, p.high, p.low, result)?;
        }
        let bar = Bar {
            time: event.event_time,
            open: p.open,
            high: p.high,
            low: p.low,
            close: p.close,
            volume: p.volume,
            timeframe_ms: p.timeframe_ms,
        };
        if let Some(state) = self.per_key.get_mut(key) {
            // The current bar is the newest by event time; an older (late) bar does
            // not replace it (D-036).
            if state.last_bar.is_none_or(|current| bar.time >= current.time) {
                state.last_bar = Some(bar);
            }
        }
        self.record_price(key, event.event_time, p.close);
        Ok(())
    }

    fn record_price(&mut self, key: KeyId, time: i64, price: Raw) {
        if let Some(state) = self.per_key.get_mut(key) {
            if state.last_price.is_none_or(|(current, _)| time >= current) {
                state.last_price = Some((time, price));
            }
        }
    }

    // ----------------------------------------------- shared state mechanics
    /// Move the order to `state` and record the transition.
    pub(crate) fn set_state(
        &mut self,
        index: usize,
        state: State,
        result: &mut ResultBuilder,
        reason: Option<Reason>,
    ) -> Step {
        self.touch(index)?;
        let order = self.order_mut(index)?;
        let previous = order.state;
        order.state = state;
        result.transitions.push(transition(order, Some(previous), reason));
        Ok(())
    }

    /// created -> submitted (-> accepted in simulated mode).
    pub(crate) fn submit(
        &mut self,
        index: usize,
        result: &mut ResultBuilder,
        reason: Option<Reason>,
        bar_time: Option<i64>,
    ) -> Step {
        self.touch(index)?;
        self.order_mut(index)?.placed_bar_time = bar_time;
        self.set_state(index, State::Submitted, result, reason)?;
        if self.config.simulated {
            self.set_state(index, State::Accepted, result, reason)?;
        }
        Ok(())
    }

    /// Book one fill: order quantities, cash, fees, position, result records.
    pub(crate) fn book_fill(
        &mut self,
        index: usize,
        qty: Raw,
        price: Raw,
        explicit_fee: Option<Raw>,
        fill_id: Option<&str>,
        result: &mut ResultBuilder,
    ) -> Step {
        let notional = numbers::mul(qty, price)?;
        let fee = fill_fee(notional, explicit_fee, self.config.commission_rate)?;
        let is_buy = self.order(index)?.is_buy();
        let delta = cash_delta(is_buy, notional, fee)?;
        self.touch(index)?;
        let order = self.order_mut(index)?;
        order.filled_qty = numbers::add(order.filled_qty, qty)?;
        order.fill_notional = numbers::add(order.fill_notional, numbers::mul_exact(qty, price)?)?;
        order.fill_count = order.fill_count.checked_add(1).ok_or(Stop::Overflow)?;
        let fill_id = match fill_id {
            Some(id) => id.to_owned(),
            None => {
                // "{order_id}:{fill_count}", without the formatting machinery
                let mut id = String::with_capacity(order.order_id.len().saturating_add(8));
                id.push_str(&order.order_id);
                id.push(':');
                push_int(&mut id, order.fill_count);
                id
            }
        };
        let fill = Fill {
            order_id: Arc::clone(&order.order_id),
            fill_id,
            venue: Arc::clone(&order.venue),
            instrument: Arc::clone(&order.instrument),
            side: order.side,
            qty,
            price,
            fee,
        };
        let key = order.key;
        self.cash = numbers::add(self.cash, delta)?;
        self.fees_paid = numbers::add(self.fees_paid, fee)?;
        let signed_qty = if is_buy { qty } else { numbers::neg(qty)? };
        let realized = apply_fill_to_position(self.position_mut(key)?, signed_qty, price)?;
        result.add_cash(delta)?;
        result.add_position_delta(key, signed_qty, realized)?;
        result.fills.push(fill);
        Ok(())
    }

    /// Apply what an order's change does to its relatives (D-034).
    ///
    /// Worklist, not recursion: a hostile chain of brackets cannot exhaust the stack.
    /// A complete fill activates waiting children; an end without a complete fill
    /// (cancelled, rejected, expired) cancels live children; a fill (`filled_now`),
    /// cancellation or expiry of an OCO member cancels the other live members of its
    /// group. Rejection does not trigger OCO, and neither does a cancellation the group
    /// itself caused (D-254): the group fires once, so the member whose fill fired it
    /// stays working.
    pub(crate) fn settle(
        &mut self,
        first: usize,
        result: &mut ResultBuilder,
        bar_time: Option<i64>,
        filled_now: bool,
    ) -> Step {
        // (order, fired by a fill, may fire its OCO group)
        let mut queue = std::mem::take(&mut self.settle_queue);
        queue.clear();
        queue.push_back((first, filled_now, true));
        let settled = self.settle_queue_run(&mut queue, result, bar_time);
        self.settle_queue = queue;
        settled
    }

    fn settle_queue_run(
        &mut self,
        queue: &mut VecDeque<(usize, bool, bool)>,
        result: &mut ResultBuilder,
        bar_time: Option<i64>,
    ) -> Step {
        while let Some((index, fired_by_fill, may_fire_group)) = queue.pop_front() {
            let order = self.order(index)?;
            let state = order.state;
            let children = match self.children.get(order.order_id.as_ref()) {
                Some(list) if !list.is_empty() => list.clone(),
                _ => Vec::new(),
            };
            let group = order.oco_group.clone();
            if state == State::Filled {
                for child in children {
                    let child_order = self.order(child)?;
                    if child_order.state == State::Created {
                        // the newer of the bar being matched and the child's own current
                        // bar, so a late or lagging bar never fills it on older data (D-342)
                        let current = self.last_bar_time(Some(child_order.key));
                        let child_bar = match (bar_time, current) {
                            (Some(time), Some(now)) => Some(time.max(now)),
                            (Some(time), None) => Some(time),
                            (None, now) => now,
                        };
                        self.submit(child, result, Some(Reason::ParentFilled), child_bar)?;
                    }
                }
            } else if matches!(state, State::Cancelled | State::Rejected | State::Expired) {
                for child in children {
                    if !self.order(child)?.state.is_terminal() {
                        self.set_state(child, State::Cancelled, result, Some(Reason::ParentEnded))?;
                        queue.push_back((child, false, true));
                    }
                }
            }
            let Some(group) = group.filter(|_| may_fire_group) else { continue };
            if fired_by_fill || matches!(state, State::Cancelled | State::Expired) {
                let members = self.oco_groups.get(&group).cloned().unwrap_or_default();
                for member in members {
                    if member != index && !self.order(member)?.state.is_terminal() {
                        self.set_state(member, State::Cancelled, result, Some(Reason::Oco))?;
                        queue.push_back((member, false, false));
                    }
                }
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------ snapshots
    /// Canonical JSON of the snapshot (schema `core_snapshot`).
    pub fn snapshot_json(&self) -> String {
        snapshot::to_json(self)
    }

    /// Replace this core's state (and config) with the snapshot's; on error the core
    /// is unchanged.
    pub fn restore(&mut self, value: &Value) -> Result<(), EngineError> {
        *self = snapshot::restore(value)?;
        Ok(())
    }

    /// Lower-case hex SHA-256 of the canonical snapshot.
    pub fn state_hash(&self) -> String {
        super::canonical::sha256_hex(self.snapshot_json().as_bytes())
    }
}

/// `[source, venue, instrument, producer]` as canonical JSON (the stream key, D-032).
fn write_stream_key(out: &mut String, source: Source, venue: Option<&str>, instrument: Option<&str>, producer: i64) {
    out.push('[');
    write_str(out, source.as_str());
    for part in [venue, instrument] {
        out.push(',');
        match part {
            Some(text) => write_str(out, text),
            None => out.push_str("null"),
        }
    }
    out.push(',');
    push_int(out, i128::from(producer));
    out.push(']');
}

/// An integer in decimal, without the formatting machinery.
fn push_int(out: &mut String, value: i128) {
    if value < 0 {
        out.push('-');
    }
    numbers::write_unsigned(out, value.unsigned_abs());
}

/// Write the idempotency key of `parsed` into `out` (cleared first); `false` when the
/// input has none. The text is exactly `idempotency_key`'s.
pub fn write_idempotency_key(out: &mut String, parsed: &ParsedInput<'_>) -> bool {
    out.clear();
    match &parsed.body {
        Body::Intent(Intent::PlaceOrder(place)) => {
            out.push_str("intent:");
            out.push_str(place.intent_id);
        }
        Body::Intent(_) => return false,
        Body::Event(event) => {
            if let Some(key) = event.idempotency_key {
                out.push_str(key);
                return true;
            }
            if !event.event_type.is_report() {
                return false;
            }
            let venue = event.venue.unwrap_or("");
            let order_id = event.payload.report_order_id().unwrap_or("");
            match &event.payload {
                EventPayload::OrderFilled { fill_id, .. } => {
                    for part in ["fill:", venue, ":", order_id, ":", fill_id] {
                        out.push_str(part);
                    }
                }
                _ => {
                    for part in [event.event_type.as_str(), ":", venue, ":", order_id] {
                        out.push_str(part);
                    }
                }
            }
        }
    }
    true
}

/// The key whose second application is a `duplicate` (DESIGN.md section 6, D-033);
/// `apply` writes it into a reused buffer with `write_idempotency_key`.
pub fn idempotency_key(parsed: &ParsedInput<'_>) -> Option<String> {
    let mut out = String::new();
    write_idempotency_key(&mut out, parsed).then_some(out)
}

#[cfg(test)]
mod tests {
    use crate::engine::test_support::{code, moves, Harness};

    #[test]
    fn a_refused_input_changes_nothing_and_keeps_its_seq_id() {
        let mut h = Harness::new(r#"{"mode":"external","starting_cash":"100"}"#);
        h.place("o", r#""order_type":"limit","limit_price":"1","qty":"2""#);
        h.report("order_accepted", r#"{"order_id":"o"}"#);
        let before = h.core.snapshot_json();
        // qty x price raws overflow i128 while booking: the whole input is refused
        let result = h.report("order_filled", r#"{"order_id":"o","fill_id":"f","qty":"1","price":"1e29","fee":null}"#);
        assert_eq!(code(&result), "numeric_overflow");
        assert!(result.contains(r#""diagnostics":[{"code":"numeric_overflow","field":""}]"#));
        assert_eq!(h.core.snapshot_json(), before);
        h.seq -= 1; // the refused seq_id is still free
        let again = h.report("order_filled", r#"{"order_id":"o","fill_id":"f","qty":"1","price":"1","fee":null}"#);
        assert_eq!(code(&again), "ok");
    }

    #[test]
    fn duplicates_consume_their_seq_id_only() {
        let mut h = Harness::new(r#"{"mode":"external"}"#);
        h.place("o", r#""order_type":"limit","limit_price":"1""#);
        assert_eq!(code(&h.report("order_accepted", r#"{"order_id":"o"}"#)), "ok");
        let before = h.at(&["orders"]);
        let duplicate = h.report("order_accepted", r#"{"order_id":"o"}"#);
        assert_eq!(code(&duplicate), "duplicate");
        assert!(moves(&duplicate).is_empty());
        assert_eq!(h.at(&["orders"]), before);
        assert_eq!(h.at(&["last_seq_id"]), crate::engine::value::Value::Int(3));
    }

    #[test]
    fn late_events_follow_the_policy() {
        for (policy, want) in [("reject", "late_event"), ("accept", "ok")] {
            let mut h = Harness::new(&format!(r#"{{"late_policy":"{policy}"}}"#));
            h.bar("1", "1", "1", "1");
            h.time -= 120_000; // one minute before the last bar
            let late = h.bar("1", "1", "1", "1");
            assert_eq!(code(&late), want);
            assert_eq!(late.contains(r#""late":true"#), policy == "accept");
        }
    }

    #[test]
    fn stream_keys_are_canonical_json() {
        let mut h = Harness::new("{}");
        h.bar("1", "1", "1", "1");
        let streams = h.at(&["stream_times"]);
        assert_eq!(streams.keys().collect::<Vec<_>>(), vec![r#"["market_data","v","i",0]"#]);
    }

    #[test]
    fn kill_switch_event_and_flag() {
        let mut h = Harness::new("{}");
        h.bar("1", "1", "1", "1");
        let on = format!(
            r#"{{"kind":"event","seq_id":{},"event_time":1,"ingest_time":1,"source":"control","venue":null,"instrument":null,"event_type":"kill_switch","payload":{{"enabled":true}},"idempotency_key":null,"producer":0}}"#,
            h.next()
        );
        assert_eq!(code(&h.apply(&on)), "ok");
        assert_eq!(code(&h.place("o", "")), "kill_switch");
        h.intent("set_risk_flag", r#"{"name":"kill_switch","value":false}"#);
        assert_eq!(code(&h.place("o", "")), "ok");
    }
}
