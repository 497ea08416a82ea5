//! Twin of `cracktrader/engine/orders.py`: orders and the state machine table of
//! DESIGN.md section 6.
//!
//! An `Order` is a plain record; the rules that move it live in `core.rs` (reports and
//! intents) and `matching.rs` (simulated fills). This module holds what both share:
//! the states, which of them are live or terminal, and the transition record.

use std::sync::Arc;

use super::numbers::{div_half_even, Raw};

/// An order state (DESIGN.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Created,
    Submitted,
    Accepted,
    PartiallyFilled,
    Filled,
    CancelPending,
    Cancelled,
    Rejected,
    Expired,
}

impl State {
    /// Every state, in the order of DESIGN.md section 6.
    pub const ALL: [State; 9] = [
        State::Created,
        State::Submitted,
        State::Accepted,
        State::PartiallyFilled,
        State::Filled,
        State::CancelPending,
        State::Cancelled,
        State::Rejected,
        State::Expired,
    ];

    /// The wire name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Submitted => "submitted",
            State::Accepted => "accepted",
            State::PartiallyFilled => "partially_filled",
            State::Filled => "filled",
            State::CancelPending => "cancel_pending",
            State::Cancelled => "cancelled",
            State::Rejected => "rejected",
            State::Expired => "expired",
        }
    }

    /// The state with this wire name.
    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// `TERMINAL`: nothing moves an order out of these.
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Filled | State::Cancelled | State::Rejected | State::Expired)
    }

    /// `WORKING`: at the venue; can fill, be cancelled, expire or be replaced.
    pub fn is_working(self) -> bool {
        matches!(self, State::Accepted | State::PartiallyFilled)
    }

    /// `FILLABLE`: working, or cancel pending (a fill may still arrive before the cancel).
    pub fn is_fillable(self) -> bool {
        matches!(self, State::Accepted | State::PartiallyFilled | State::CancelPending)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// "buy" or "sell".
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }

    /// The side with this wire name.
    pub fn parse(text: &str) -> Option<Side> {
        match text {
            "buy" => Some(Side::Buy),
            "sell" => Some(Side::Sell),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    Market,
    Limit,
    Stop,
    StopLimit,
}

impl OrderType {
    /// The wire name of the order type.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Market => "market",
            OrderType::Limit => "limit",
            OrderType::Stop => "stop",
            OrderType::StopLimit => "stop_limit",
        }
    }

    /// The order type with this wire name.
    pub fn parse(text: &str) -> Option<OrderType> {
        match text {
            "market" => Some(OrderType::Market),
            "limit" => Some(OrderType::Limit),
            "stop" => Some(OrderType::Stop),
            "stop_limit" => Some(OrderType::StopLimit),
            _ => None,
        }
    }

    /// limit and stop_limit orders carry a limit price.
    pub fn has_limit(self) -> bool {
        matches!(self, OrderType::Limit | OrderType::StopLimit)
    }

    /// stop and stop_limit orders carry a stop price.
    pub fn has_stop(self) -> bool {
        matches!(self, OrderType::Stop | OrderType::StopLimit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeInForce {
    Gtc,
    Ioc,
    Fok,
}

impl TimeInForce {
    /// The wire name of the time in force.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
        }
    }

    /// The time in force with this wire name.
    pub fn parse(text: &str) -> Option<TimeInForce> {
        match text {
            "gtc" => Some(TimeInForce::Gtc),
            "ioc" => Some(TimeInForce::Ioc),
            "fok" => Some(TimeInForce::Fok),
            _ => None,
        }
    }
}

/// Why the core itself moved an order (`transition_reason` in codes.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    InsufficientCash,
    TimeInForce,
    Oco,
    ParentEnded,
    ParentFilled,
    ExpireTime,
}

impl Reason {
    /// The wire name of the reason (`transition_reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::InsufficientCash => "insufficient_cash",
            Reason::TimeInForce => "time_in_force",
            Reason::Oco => "oco",
            Reason::ParentEnded => "parent_ended",
            Reason::ParentFilled => "parent_filled",
            Reason::ExpireTime => "expire_time",
        }
    }
}

/// Index of an interned (venue, instrument) pair (see `core::InstrumentKeys`).
pub type KeyId = usize;

/// One order's full state (everything the snapshot needs).
#[derive(Debug, Clone)]
pub struct Order {
    pub order_id: Arc<str>,
    pub intent_id: String,
    pub strategy_id: String,
    pub venue: Arc<str>,
    pub instrument: Arc<str>,
    /// The interned (venue, instrument) of this order.
    pub key: KeyId,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Raw,
    pub limit_price: Option<Raw>,
    pub stop_price: Option<Raw>,
    pub time_in_force: TimeInForce,
    pub expire_time: Option<i64>,
    pub parent_order_id: Option<String>,
    pub oco_group: Option<String>,
    pub state: State,
    pub filled_qty: Raw,
    /// Sum of qty x price raws, exact (scale 10^18).
    pub fill_notional: Raw,
    pub fill_count: i128,
    pub submit_seq: i64,
    pub triggered: bool,
    pub placed_bar_time: Option<i64>,
    /// The transaction epoch in which this order was last saved (`Core::touch`).
    pub(crate) saved_epoch: u64,
}

/// The fields a transaction may change (saved before the first change, D-031); the
/// twin of Python's `Order.MUTABLE`.
#[derive(Debug, Clone, Copy)]
pub struct SavedOrder {
    qty: Raw,
    limit_price: Option<Raw>,
    stop_price: Option<Raw>,
    state: State,
    filled_qty: Raw,
    fill_notional: Raw,
    fill_count: i128,
    triggered: bool,
    placed_bar_time: Option<i64>,
}

impl Order {
    /// qty - filled_qty. Both are in range and 0 <= filled_qty <= qty (restore checks
    /// it, fills and replaces keep it), so this cannot overflow; saturating keeps it
    /// total anyway.
    pub fn remaining(&self) -> Raw {
        self.qty.saturating_sub(self.filled_qty)
    }

    /// Whether the order buys.
    pub fn is_buy(&self) -> bool {
        self.side == Side::Buy
    }

    /// Exact notional sum over filled qty, rounded half-even once (section 7).
    pub fn avg_fill_price(&self) -> Option<Raw> {
        if self.filled_qty == 0 {
            return None;
        }
        // 0 < filled_qty and |fill_notional| fits, so the quotient fits too.
        div_half_even(self.fill_notional, self.filled_qty).ok()
    }

    /// The mutable fields, saved before a transaction's first change (D-031).
    pub fn save(&self) -> SavedOrder {
        SavedOrder {
            qty: self.qty,
            limit_price: self.limit_price,
            stop_price: self.stop_price,
            state: self.state,
            filled_qty: self.filled_qty,
            fill_notional: self.fill_notional,
            fill_count: self.fill_count,
            triggered: self.triggered,
            placed_bar_time: self.placed_bar_time,
        }
    }

    /// Put saved mutable fields back (rollback).
    pub fn load(&mut self, saved: &SavedOrder) {
        self.qty = saved.qty;
        self.limit_price = saved.limit_price;
        self.stop_price = saved.stop_price;
        self.state = saved.state;
        self.filled_qty = saved.filled_qty;
        self.fill_notional = saved.fill_notional;
        self.fill_count = saved.fill_count;
        self.triggered = saved.triggered;
        self.placed_bar_time = saved.placed_bar_time;
    }
}

/// One `order_transition` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub order_id: Arc<str>,
    pub from: Option<State>,
    pub to: State,
    pub filled_qty: Raw,
    pub remaining_qty: Raw,
    pub avg_fill_price: Option<Raw>,
    pub reason: Option<Reason>,
}

/// The `order_transition` record for `order` now in its current state.
pub fn transition(order: &Order, from: Option<State>, reason: Option<Reason>) -> Transition {
    Transition {
        order_id: Arc::clone(&order.order_id),
        from,
        to: order.state,
        filled_qty: order.filled_qty,
        remaining_qty: order.remaining(),
        avg_fill_price: order.avg_fill_price(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_classify() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        let terminal: Vec<_> = State::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [State::Filled, State::Cancelled, State::Rejected, State::Expired]);
        let working: Vec<_> = State::ALL.into_iter().filter(|s| s.is_working()).collect();
        assert_eq!(working, [State::Accepted, State::PartiallyFilled]);
        assert_eq!(State::parse("nope"), None);
    }

    #[test]
    fn enums_parse_their_own_text_only() {
        assert_eq!(Side::parse("buy"), Some(Side::Buy));
        assert_eq!(Side::parse("BUY"), None);
        assert_eq!(OrderType::parse("stop_limit"), Some(OrderType::StopLimit));
        assert!(OrderType::StopLimit.has_limit() && OrderType::StopLimit.has_stop());
        assert!(!OrderType::Market.has_limit() && !OrderType::Market.has_stop());
        assert_eq!(TimeInForce::parse("fok"), Some(TimeInForce::Fok));
        assert_eq!(TimeInForce::parse("day"), None);
    }
}
