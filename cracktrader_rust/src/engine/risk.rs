//! Twin of `cracktrader/engine/risk.py`: checks when an order is placed or replaced
//! (DESIGN.md section 7, D-035). They run in precedence order: `kill_switch`,
//! `risk_limit`, `insufficient_position`, `insufficient_cash`.

use super::core::{Core, Stop};
use super::inputs::Refusal;
use super::numbers::{self, ExactSum, NumResult, Raw};
use super::orders::{KeyId, OrderType, Side, State};
use super::results::Code;

/// The price a check values an order at: its limit (limit, stop_limit), its stop
/// (stop), or the instrument's last close (market; `None` when no bar was seen).
pub fn reference_price(
    core: &Core,
    key: Option<KeyId>,
    order_type: OrderType,
    limit_price: Option<Raw>,
    stop_price: Option<Raw>,
) -> Option<Raw> {
    match order_type {
        OrderType::Limit | OrderType::StopLimit => limit_price,
        OrderType::Stop => stop_price,
        OrderType::Market => key.and_then(|k| core.last_bar(k)).map(|bar| bar.close),
    }
}

/// Cash a buy of `qty` at `price` may need: notional plus commission.
pub fn buy_commitment(core: &Core, qty: Raw, price: Raw) -> NumResult {
    let notional = numbers::mul(qty, price)?;
    numbers::add(notional, numbers::abs_mul(notional, core.config.commission_rate)?)
}

/// Cash committed to live buys, an exact sum range-checked once (D-250). Waiting
/// bracket children (`created`) commit nothing (D-035).
fn committed_cash(core: &Core, exclude: Option<usize>) -> Result<Raw, Stop> {
    let mut cash = ExactSum::default();
    for (index, order) in core.live_orders() {
        if !order.is_buy() || Some(index) == exclude || order.state == State::Created {
            continue;
        }
        let price = reference_price(core, Some(order.key), order.order_type, order.limit_price, order.stop_price);
        if let Some(price) = price {
            cash.add(buy_commitment(core, order.remaining(), price)?);
        }
    }
    Ok(cash.total()?)
}

/// Quantity committed to live sells of one instrument (only sells are summed, so the
/// checked running sum cannot depend on the order of the orders).
fn committed_sells(core: &Core, key: Option<KeyId>, exclude: Option<usize>) -> Result<Raw, Stop> {
    let mut total: Raw = 0;
    for (index, order) in core.live_orders() {
        if order.is_buy() || Some(order.key) != key || Some(index) == exclude || order.state == State::Created {
            continue;
        }
        total = numbers::add(total, order.remaining())?;
    }
    Ok(total)
}

/// What `check_order` is asked about.
pub struct Proposal {
    pub key: Option<KeyId>,
    pub side: Side,
    pub order_type: OrderType,
    /// The quantity still to trade (a replace passes its new remaining).
    pub qty: Raw,
    pub limit_price: Option<Raw>,
    pub stop_price: Option<Raw>,
    pub is_child: bool,
    /// The order being replaced, whose own commitment is not counted.
    pub exclude: Option<usize>,
}

/// All placement checks after the state checks, in precedence order.
pub fn check_order(core: &Core, p: &Proposal) -> Result<(), Stop> {
    if core.kill_switch {
        return Err(Refusal::new(Code::KillSwitch, "/intent_type").into());
    }
    let config = &core.config;
    if config.max_order_qty.is_some_and(|max| p.qty > max) {
        return Err(Refusal::new(Code::RiskLimit, "/payload/qty").into());
    }
    let price = reference_price(core, p.key, p.order_type, p.limit_price, p.stop_price);
    let is_buy = p.side == Side::Buy;
    let Some(price) = price else {
        if config.max_notional.is_some() || (is_buy && !p.is_child) {
            // A market order before any bar of its instrument cannot be valued (D-035).
            return Err(Refusal::new(Code::RiskLimit, "/payload/instrument").into());
        }
        // an unvalued sell or bracket child with no notional limit: nothing to check
        // but the sell's position (children skip that too)
        return check_funds(core, p, None);
    };
    if let Some(max) = config.max_notional {
        // Python compares abs(notional), which is 2^127 for i128::MIN
        if numbers::mul(p.qty, price)?.unsigned_abs() > max.unsigned_abs() {
            return Err(Refusal::new(Code::RiskLimit, "/payload/qty").into());
        }
    }
    check_funds(core, p, Some(price))
}

/// `insufficient_position` / `insufficient_cash`; bracket children are exempt.
fn check_funds(core: &Core, p: &Proposal, price: Option<Raw>) -> Result<(), Stop> {
    if p.is_child {
        return Ok(()); // bracket children close what the parent opens
    }
    if p.side == Side::Sell {
        if !core.allow_short {
            let size = p.key.and_then(|k| core.position_of(k)).map_or(0, |position| position.size);
            if numbers::sub(size, committed_sells(core, p.key, p.exclude)?)? < p.qty {
                return Err(Refusal::new(Code::InsufficientPosition, "/payload/qty").into());
            }
        }
        return Ok(());
    }
    // A buy always has a price here: an unvalued buy that is not a child was refused.
    let Some(price) = price else { return Ok(()) };
    let needed = buy_commitment(core, p.qty, price)?;
    if needed > numbers::sub(core.cash, committed_cash(core, p.exclude)?)? {
        return Err(Refusal::new(Code::InsufficientCash, "/payload/qty").into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::engine::test_support::{code, Harness};

    #[test]
    fn cash_is_checked_net_of_commitments() {
        let mut h = Harness::new(r#"{"mode":"external","starting_cash":"100","commission_rate":"0.01"}"#);
        assert_eq!(code(&h.place("a", r#""order_type":"limit","limit_price":"10","qty":"9""#)), "ok");
        // 90.9 committed; 1 x 10 x 1.01 = 10.1 > 9.1
        assert_eq!(code(&h.place("b", r#""order_type":"limit","limit_price":"10","qty":"1""#)), "insufficient_cash");
        assert_eq!(code(&h.place("b", r#""order_type":"limit","limit_price":"10","qty":"0.9""#)), "ok");
    }

    #[test]
    fn limits_and_positions() {
        let mut h = Harness::new(r#"{"mode":"external","max_order_qty":"2","allow_short":false}"#);
        let too_big = h.place("a", r#""order_type":"limit","limit_price":"1","qty":"3""#);
        assert!(too_big.contains(r#""field":"/payload/qty""#) && code(&too_big) == "risk_limit");
        assert_eq!(code(&h.place("m", "")), "risk_limit"); // market buy, no bar yet
        assert_eq!(code(&h.place("s", r#""side":"sell","order_type":"limit","limit_price":"1""#)), "insufficient_position");
    }
}
