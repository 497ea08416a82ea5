//! Twin of `cracktrader/engine/matching.py`: simulated matching on bars, with
//! Backtrader's default semantics (DESIGN.md section 8). Per bar of an instrument:
//!
//! 1. expire: a non-market working order whose `expire_time` is strictly earlier than
//!    the bar's time expires;
//! 2. match: working orders in submission order, each eligible only on a bar strictly
//!    newer than the bar that was current when it was placed (next-bar rule); an
//!    order fills completely at `fill_price` or not at all (no volume limit); a fill
//!    that would make cash negative is not booked: the order is rejected with reason
//!    `insufficient_cash` (Backtrader's Margin);
//! 3. `ioc`/`fok` orders that were eligible and did not fill are cancelled.

use super::accounting::{cash_delta, fill_fee};
use super::core::{Core, Step};
use super::numbers::{self, Raw};
use super::orders::{KeyId, Order, OrderType, Reason, State, TimeInForce};
use super::results::ResultBuilder;

/// Buy: at the open if open <= limit, else at the limit if low <= limit (sells
/// mirrored).
pub fn limit_price_fill(is_buy: bool, limit: Raw, open: Raw, high: Raw, low: Raw) -> Option<Raw> {
    if is_buy {
        if open <= limit {
            return Some(open);
        }
        return (low <= limit).then_some(limit);
    }
    if open >= limit {
        return Some(open);
    }
    (high >= limit).then_some(limit)
}

/// The price `order` fills at on this bar (`None`: no fill), and whether this bar
/// triggers a stop-limit (which then rests as a limit order).
pub fn fill_price(order: &Order, open: Raw, high: Raw, low: Raw) -> (Option<Raw>, bool) {
    let is_buy = order.is_buy();
    // Prices are present for the types that need them (inputs.rs checks it); a
    // missing one can only mean "no fill".
    match order.order_type {
        OrderType::Market => (Some(open), false),
        OrderType::Limit => {
            (order.limit_price.and_then(|limit| limit_price_fill(is_buy, limit, open, high, low)), false)
        }
        OrderType::Stop => {
            let Some(stop) = order.stop_price else { return (None, false) };
            if is_buy {
                if open >= stop {
                    return (Some(open), false);
                }
                return ((high >= stop).then_some(stop), false);
            }
            if open <= stop {
                return (Some(open), false);
            }
            ((low <= stop).then_some(stop), false)
        }
        OrderType::StopLimit => {
            let (Some(stop), Some(limit)) = (order.stop_price, order.limit_price) else { return (None, false) };
            if order.triggered {
                return (limit_price_fill(is_buy, limit, open, high, low), false);
            }
            if is_buy {
                if high < stop {
                    return (None, false);
                }
                let price = open.max(stop);
                return ((price <= limit).then_some(price), true);
            }
            if low > stop {
                return (None, false);
            }
            let price = open.min(stop);
            ((price >= limit).then_some(price), true)
        }
    }
}

/// Expire, match and cancel (ioc/fok) the working orders of one instrument on a bar.
pub fn match_bar(
    core: &mut Core,
    key: KeyId,
    bar_time: i64,
    open: Raw,
    high: Raw,
    low: Raw,
    result: &mut ResultBuilder,
) -> Step {
    let orders = core.working_of(key);
    let matched = match_orders(core, &orders, bar_time, open, high, low, result);
    core.recycle(orders);
    matched
}

fn match_orders(
    core: &mut Core,
    orders: &[usize],
    bar_time: i64,
    open: Raw,
    high: Raw,
    low: Raw,
    result: &mut ResultBuilder,
) -> Step {
    if orders.is_empty() {
        return Ok(());
    }
    for &index in orders {
        let order = core.order(index)?;
        if order.state.is_working()
            && order.order_type != OrderType::Market
            && order.expire_time.is_some_and(|expire| expire < bar_time)
        {
            core.set_state(index, State::Expired, result, Some(Reason::ExpireTime))?;
            core.settle(index, result, Some(bar_time), false)?;
        }
    }
    let mut unfilled_tif: Vec<usize> = Vec::new();
    for &index in orders {
        let order = core.order(index)?;
        if !order.state.is_working() {
            continue;
        }
        if order.placed_bar_time.is_some_and(|placed| bar_time <= placed) {
            continue; // next-bar rule: never on the bar that was current at placement
        }
        let (price, triggers) = fill_price(order, open, high, low);
        let time_in_force = order.time_in_force;
        if triggers {
            core.touch(index)?;
            core.order_mut(index)?.triggered = true;
        }
        let Some(price) = price else {
            if time_in_force != TimeInForce::Gtc {
                unfilled_tif.push(index);
            }
            continue;
        };
        fill_or_reject(core, index, price, bar_time, result)?;
    }
    for index in unfilled_tif {
        if core.order(index)?.state.is_working() {
            core.set_state(index, State::Cancelled, result, Some(Reason::TimeInForce))?;
            core.settle(index, result, Some(bar_time), false)?;
        }
    }
    Ok(())
}

fn fill_or_reject(core: &mut Core, index: usize, price: Raw, bar_time: i64, result: &mut ResultBuilder) -> Step {
    let order = core.order(index)?;
    let qty = order.remaining();
    let is_buy = order.is_buy();
    let notional = numbers::mul(qty, price)?;
    let fee = fill_fee(notional, None, core.config.commission_rate)?;
    if numbers::add(core.cash, cash_delta(is_buy, notional, fee)?)? < 0 {
        core.set_state(index, State::Rejected, result, Some(Reason::InsufficientCash))?;
        return core.settle(index, result, Some(bar_time), false);
    }
    core.book_fill(index, qty, price, None, None, result)?;
    core.set_state(index, State::Filled, result, None)?;
    core.settle(index, result, Some(bar_time), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_fills_at_open_or_limit() {
        assert_eq!(limit_price_fill(true, 10, 9, 12, 8), Some(9));
        assert_eq!(limit_price_fill(true, 10, 11, 12, 9), Some(10));
        assert_eq!(limit_price_fill(true, 10, 11, 12, 11), None);
        assert_eq!(limit_price_fill(false, 10, 11, 12, 9), Some(11));
        assert_eq!(limit_price_fill(false, 10, 9, 10, 8), Some(10));
        assert_eq!(limit_price_fill(false, 10, 9, 9, 8), None);
    }
}

#[cfg(test)]
mod scenario_tests {
    use crate::engine::test_support::{code, moves, Harness};

    #[test]
    fn next_bar_rule_and_gaps() {
        let mut h = Harness::new("{}");
        h.bar("100", "100", "100", "100");
        h.place("stop", r#""order_type":"stop","stop_price":"102""#);
        h.place("ioc", r#""order_type":"limit","limit_price":"90","time_in_force":"ioc""#);
        // gap through the stop: fills at the open; the ioc missed its first bar
        let bar = h.bar("105", "106", "104", "105");
        assert!(bar.contains(r#""fill_id":"stop:1""#) && bar.contains(r#""price":"105""#));
        assert_eq!(moves(&bar).last().unwrap(), &("accepted".to_owned(), "cancelled".to_owned()));
        assert!(bar.contains(r#""reason":"time_in_force""#));
        assert_eq!(code(&bar), "ok");
    }

    #[test]
    fn margin_rejection() {
        let mut h = Harness::new(r#"{"starting_cash":"150"}"#);
        h.bar("100", "100", "100", "100");
        h.place("a", "");
        let bar = h.bar("200", "200", "200", "200");
        assert!(bar.contains(r#""reason":"insufficient_cash""#) && bar.contains(r#""fills":[]"#));
        assert_eq!(h.state(0), "rejected");
    }
}
