//! Twin of `cracktrader/engine/intents.py`: intent handlers (place, cancel, replace,
//! risk flags, noop; DESIGN.md section 6). State checks refuse before anything is
//! touched.

use std::sync::Arc;

use super::core::{Core, Step};
use super::inputs::{Intent, PlaceOrder, Refusal, RiskFlag};
use super::numbers::Raw;
use super::orders::{transition, Order, State};
use super::results::{Code, ResultBuilder};
use super::risk::{check_order, Proposal};

/// Python's `HANDLERS[intent_type](core, parsed, result)`.
pub fn apply_intent(core: &mut Core, seq_id: i64, intent: &Intent<'_>, result: &mut ResultBuilder) -> Step {
    match intent {
        Intent::PlaceOrder(place) => place_order(core, seq_id, place, result),
        Intent::CancelOrder { order_id } => cancel_order(core, order_id, result),
        Intent::ReplaceOrder { order_id, qty, limit_price, stop_price } => {
            replace_order(core, order_id, *qty, *limit_price, *stop_price, result)
        }
        Intent::SetRiskFlag { name, value } => {
            match name {
                RiskFlag::KillSwitch => core.kill_switch = *value,
                RiskFlag::AllowShort => core.allow_short = *value,
            }
            Ok(())
        }
        Intent::Noop => Ok(()), // consumes its seq_id and nothing else
    }
}

fn place_order(core: &mut Core, seq_id: i64, p: &PlaceOrder<'_>, result: &mut ResultBuilder) -> Step {
    if core.order_by_id(p.order_id).is_some() {
        return Err(Refusal::new(Code::DuplicateOrderId, "/payload/order_id").into());
    }
    let mut parent_state = None;
    if let Some(parent_id) = p.parent_order_id {
        let parent = core
            .order_by_id(parent_id)
            .ok_or_else(|| Refusal::new(Code::UnknownOrder, "/payload/parent_order_id"))?;
        let state = core.order(parent)?.state;
        if matches!(state, State::Cancelled | State::Rejected | State::Expired) {
            return Err(Refusal::new(Code::IllegalTransition, "/payload/parent_order_id").into());
        }
        parent_state = Some(state);
    }
    let existing_key = core.keys.lookup(p.venue, p.instrument);
    check_order(
        core,
        &Proposal {
            key: existing_key,
            side: p.side,
            order_type: p.order_type,
            qty: p.qty,
            limit_price: p.limit_price,
            stop_price: p.stop_price,
            is_child: parent_state.is_some(),
            exclude: None,
        },
    )?;
    let key = match existing_key {
        Some(key) => key,
        None => core.intern(p.venue, p.instrument),
    };
    let bar_time = core.last_bar_time(Some(key));
    let (venue, instrument) = core.key_names(key);
    let order = Order {
        order_id: Arc::from(p.order_id),
        intent_id: p.intent_id.to_owned(),
        strategy_id: p.strategy_id.to_owned(),
        venue,
        instrument,
        key,
        side: p.side,
        order_type: p.order_type,
        qty: p.qty,
        limit_price: p.limit_price,
        stop_price: p.stop_price,
        time_in_force: p.time_in_force,
        expire_time: p.expire_time,
        parent_order_id: p.parent_order_id.map(str::to_owned),
        oco_group: p.oco_group.map(str::to_owned),
        state: State::Created,
        filled_qty: 0,
        fill_notional: 0,
        fill_count: 0,
        submit_seq: seq_id,
        triggered: false,
        placed_bar_time: bar_time,
        saved_epoch: 0,
    };
    result.transitions.push(transition(&order, None, None));
    let index = core.orders.len();
    core.add_order(order);
    if parent_state.is_none_or(|state| state == State::Filled) {
        core.submit(index, result, None, bar_time)?;
    }
    // else: a bracket child waits in `created` until its parent is completely filled
    Ok(())
}

fn cancel_order(core: &mut Core, order_id: &str, result: &mut ResultBuilder) -> Step {
    let index = core.order_by_id(order_id).ok_or_else(|| Refusal::new(Code::UnknownOrder, "/payload/order_id"))?;
    if !core.order(index)?.state.is_working() {
        return Err(Refusal::new(Code::IllegalTransition, "/payload/order_id").into());
    }
    core.set_state(index, State::CancelPending, result, None)?;
    if core.config.simulated {
        core.set_state(index, State::Cancelled, result, None)?;
        core.settle(index, result, None, false)?;
    }
    Ok(())
}

fn replace_order(
    core: &mut Core,
    order_id: &str,
    qty: Option<Raw>,
    limit_price: Option<Raw>,
    stop_price: Option<Raw>,
    result: &mut ResultBuilder,
) -> Step {
    let index = core.order_by_id(order_id).ok_or_else(|| Refusal::new(Code::UnknownOrder, "/payload/order_id"))?;
    let order = core.order(index)?;
    if !order.state.is_working() {
        return Err(Refusal::new(Code::IllegalTransition, "/payload/order_id").into());
    }
    if limit_price.is_some() && !order.order_type.has_limit() {
        return Err(Refusal::new(Code::IllegalTransition, "/payload/limit_price").into());
    }
    if stop_price.is_some() && !order.order_type.has_stop() {
        return Err(Refusal::new(Code::IllegalTransition, "/payload/stop_price").into());
    }
    let qty = qty.unwrap_or(order.qty);
    if qty <= order.filled_qty {
        return Err(Refusal::new(Code::IllegalTransition, "/payload/qty").into());
    }
    let limit_price = limit_price.or(order.limit_price);
    let stop_price = stop_price.or(order.stop_price);
    let proposal = Proposal {
        key: Some(order.key),
        side: order.side,
        order_type: order.order_type,
        // qty > filled_qty >= 0, so the difference is positive and fits
        qty: qty.saturating_sub(order.filled_qty),
        limit_price,
        stop_price,
        is_child: order.parent_order_id.is_some(),
        exclude: Some(index),
    };
    check_order(core, &proposal)?;
    core.touch(index)?;
    let order = core.order_mut(index)?;
    order.qty = qty;
    order.limit_price = limit_price;
    order.stop_price = stop_price;
    result.transitions.push(transition(order, Some(order.state), None));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::engine::test_support::{code, moves, Harness};

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn place_moves_through_created_submitted_accepted() {
        let mut h = Harness::new("{}");
        let placed = h.place("o", r#""order_type":"limit","limit_price":"5""#);
        assert_eq!(moves(&placed), pairs(&[("-", "created"), ("created", "submitted"), ("submitted", "accepted")]));
        assert_eq!(code(&h.place("o", r#""order_type":"limit","limit_price":"5","intent_id":"other""#)), "duplicate_order_id");
        assert_eq!(code(&h.place("o", r#""order_type":"limit","limit_price":"5""#)), "duplicate");
    }

    #[test]
    fn cancel_and_replace() {
        let mut h = Harness::new(r#"{"mode":"external"}"#);
        h.place("o", r#""order_type":"limit","limit_price":"5","qty":"2""#);
        assert_eq!(code(&h.intent("cancel_order", r#"{"order_id":"o"}"#)), "illegal_transition"); // submitted
        h.report("order_accepted", r#"{"order_id":"o"}"#);
        let replaced = h.intent("replace_order", r#"{"order_id":"o","qty":"3","limit_price":"4","stop_price":null}"#);
        assert_eq!(moves(&replaced), pairs(&[("accepted", "accepted")]));
        assert!(replaced.contains(r#""remaining_qty":"3""#));
        let refused = h.intent("replace_order", r#"{"order_id":"o","qty":null,"limit_price":null,"stop_price":"1"}"#);
        assert!(refused.contains(r#""field":"/payload/stop_price""#));
        let cancelled = h.intent("cancel_order", r#"{"order_id":"o"}"#);
        assert_eq!(moves(&cancelled), pairs(&[("accepted", "cancel_pending")]));
        assert_eq!(code(&h.intent("cancel_order", r#"{"order_id":"nope"}"#)), "unknown_order");
    }

    #[test]
    fn bracket_children_wait_for_their_parent() {
        let mut h = Harness::new("{}");
        h.bar("10", "10", "10", "10");
        h.place("p", "");
        let child = h.place("c", r#""side":"sell","order_type":"limit","limit_price":"20","parent_order_id":"p""#);
        assert_eq!(moves(&child), pairs(&[("-", "created")]));
        let fill = h.bar("11", "11", "11", "11");
        assert_eq!(
            moves(&fill),
            pairs(&[("accepted", "filled"), ("created", "submitted"), ("submitted", "accepted")])
        );
        assert!(fill.contains(r#""reason":"parent_filled""#));
    }
}
