//! Twin of `cracktrader/engine/reports.py`: broker-report handlers (external mode),
//! the venue drives every transition. In simulated mode the core is the venue, so a
//! report for a known order is `illegal_transition` (DESIGN.md section 8).

use super::core::{Core, Step};
use super::inputs::{Event, EventPayload, Refusal};
use super::numbers::Raw;
use super::orders::State;
use super::results::{Code, ResultBuilder};

const ORDER_FIELD: &str = "/payload/order_id";

fn illegal() -> Refusal {
    Refusal::new(Code::IllegalTransition, ORDER_FIELD)
}

/// Apply one broker report (external mode); refusals before any change.
pub fn apply_report(core: &mut Core, event: &Event<'_>, result: &mut ResultBuilder) -> Step {
    let order_id = event.payload.report_order_id().unwrap_or("");
    // A report names the order on its venue and instrument; another venue's report
    // for the same id is about an order this core does not know (D-037).
    let index = core
        .order_by_id(order_id)
        .filter(|index| {
            core.order(*index).is_ok_and(|order| {
                Some(order.venue.as_ref()) == event.venue && Some(order.instrument.as_ref()) == event.instrument
            })
        })
        .ok_or_else(|| Refusal::new(Code::UnknownOrder, ORDER_FIELD))?;
    if core.config.simulated {
        return Err(Refusal::new(Code::IllegalTransition, "/source").into());
    }
    let state = core.order(index)?.state;
    match &event.payload {
        EventPayload::OrderAccepted { .. } => {
            if state != State::Submitted {
                return Err(illegal().into());
            }
            core.set_state(index, State::Accepted, result, None)
        }
        EventPayload::OrderRejected { .. } => {
            if state != State::Submitted && state != State::Accepted {
                return Err(illegal().into());
            }
            core.set_state(index, State::Rejected, result, None)?;
            core.settle(index, result, None, false)
        }
        EventPayload::OrderFilled { qty, price, fee, fill_id, .. } => {
            fill(core, index, *qty, *price, *fee, fill_id, result)
        }
        EventPayload::OrderCancelled { .. } => {
            if !state.is_working() && state != State::CancelPending {
                return Err(illegal().into());
            }
            core.set_state(index, State::Cancelled, result, None)?;
            core.settle(index, result, None, false)
        }
        EventPayload::CancelRejected { .. } => {
            if state != State::CancelPending {
                return Err(illegal().into());
            }
            let back = if core.order(index)?.filled_qty == 0 { State::Accepted } else { State::PartiallyFilled };
            core.set_state(index, back, result, None)
        }
        EventPayload::OrderExpired { .. } => {
            if !state.is_working() {
                return Err(illegal().into());
            }
            core.set_state(index, State::Expired, result, None)?;
            core.settle(index, result, None, false)
        }
        // not a report: the core never dispatches one here
        _ => Ok(()),
    }
}

fn fill(
    core: &mut Core,
    index: usize,
    qty: Raw,
    price: Raw,
    fee: Option<Raw>,
    fill_id: &str,
    result: &mut ResultBuilder,
) -> Step {
    let order = core.order(index)?;
    let state = order.state;
    if state == State::Created || state == State::Submitted {
        return Err(Refusal::new(Code::FillBeforeAccept, ORDER_FIELD).into());
    }
    if state.is_terminal() {
        return Err(illegal().into());
    }
    if qty > order.remaining() {
        return Err(Refusal::new(Code::Overfill, "/payload/qty").into());
    }
    core.book_fill(index, qty, price, fee, Some(fill_id), result)?;
    let order = core.order(index)?;
    let new_state = if order.filled_qty == order.qty {
        State::Filled
    } else if state == State::CancelPending {
        State::CancelPending // a partial fill leaves cancel_pending as is
    } else {
        State::PartiallyFilled
    };
    core.set_state(index, new_state, result, None)?;
    core.settle(index, result, None, true)
}

#[cfg(test)]
mod tests {
    use crate::engine::test_support::{code, moves, Harness};

    fn accepted_order(qty: &str) -> Harness {
        let mut h = Harness::new(r#"{"mode":"external","starting_cash":"1000"}"#);
        h.place("o", &format!(r#""order_type":"limit","limit_price":"10","qty":"{qty}""#));
        assert_eq!(code(&h.report("order_accepted", r#"{"order_id":"o"}"#)), "ok");
        h
    }

    fn fill(h: &mut Harness, id: &str, qty: &str) -> String {
        h.report("order_filled", &format!(r#"{{"order_id":"o","fill_id":"{id}","qty":"{qty}","price":"10","fee":null}}"#))
    }

    #[test]
    fn fills_move_to_partially_filled_then_filled() {
        let mut h = accepted_order("2");
        let first = fill(&mut h, "a", "1");
        assert_eq!(moves(&first), vec![("accepted".to_owned(), "partially_filled".to_owned())]);
        assert!(first.contains(r#""cash_delta":"-10""#));
        assert_eq!(code(&fill(&mut h, "b", "1.5")), "overfill");
        let last = fill(&mut h, "b", "1");
        assert_eq!(moves(&last), vec![("partially_filled".to_owned(), "filled".to_owned())]);
        assert_eq!(code(&fill(&mut h, "c", "1")), "illegal_transition");
    }

    #[test]
    fn fill_before_accept_and_cancel_rejected() {
        let mut h = Harness::new(r#"{"mode":"external"}"#);
        h.place("o", r#""order_type":"limit","limit_price":"10","qty":"2""#);
        assert_eq!(code(&fill(&mut h, "a", "1")), "fill_before_accept");
        let mut h = accepted_order("2");
        fill(&mut h, "a", "1");
        h.intent("cancel_order", r#"{"order_id":"o"}"#);
        let back = h.report("cancel_rejected", r#"{"order_id":"o","reason":"too late"}"#);
        assert_eq!(moves(&back), vec![("cancel_pending".to_owned(), "partially_filled".to_owned())]);
    }

    #[test]
    fn simulated_mode_refuses_reports_for_known_orders() {
        let mut h = Harness::new("{}");
        h.place("o", r#""order_type":"limit","limit_price":"10""#);
        let refused = h.report("order_accepted", r#"{"order_id":"o"}"#);
        assert!(refused.contains(r#""diagnostics":[{"code":"illegal_transition","field":"/source"}]"#));
        assert_eq!(code(&h.report("order_accepted", r#"{"order_id":"x"}"#)), "unknown_order");
    }
}
