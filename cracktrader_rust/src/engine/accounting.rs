//! Twin of `cracktrader/engine/accounting.py`: cash, fees and positions (DESIGN.md
//! section 7), on raw fixed-point integers.
//!
//! Every product and quotient goes through `numbers` (checked, half-even); an overflow
//! is an `Err` and the core refuses the whole input, restoring what it had touched.
//! Python's `abs()` and unary minus are unbounded, so where Python takes `abs(x)` of a
//! raw that may be `i128::MIN` this module uses the exact helpers of `numbers`
//! (`abs_mul_exact`, `div_half_even_by_abs`, `neg_sub`) to get the same answer.
#![deny(clippy::arithmetic_side_effects)]

use super::canonical::JsonWriter;
use super::numbers::{self, NumResult, Raw};

/// Signed size, average entry price and realized PnL (fees excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    pub size: Raw,
    pub avg_price: Raw,
    pub realized_pnl: Raw,
}

impl Position {
    /// Canonical JSON of the position (a snapshot's `positions` entry).
    pub fn write(&self, out: &mut String) {
        let mut w = JsonWriter::object(out);
        w.decimal_field("avg_price", self.avg_price);
        w.decimal_field("realized_pnl", self.realized_pnl);
        w.decimal_field("size", self.size);
        w.end();
    }
}

/// The fill's explicit fee, else |notional| x the core's commission rate (D-040).
pub fn fill_fee(notional: Raw, explicit_fee: Option<Raw>, commission_rate: Raw) -> NumResult {
    match explicit_fee {
        Some(fee) => Ok(fee),
        None => numbers::abs_mul(notional, commission_rate),
    }
}

/// Notional paid on a buy (received on a sell), fee paid on every fill.
pub fn cash_delta(is_buy: bool, notional: Raw, fee: Raw) -> NumResult {
    if is_buy {
        numbers::neg_sub(notional, fee)
    } else {
        numbers::sub(notional, fee)
    }
}

/// Move `position` by a fill; returns the realized PnL of this fill.
///
/// Adding: avg = (|size| x avg + qty x price) / |new size|, exact then rounded once.
/// Reducing: realized += (price - avg) x reduced qty (sign flipped for shorts), avg
/// kept. Crossing zero: close the old side first, then open the rest at the fill
/// price. On `Err` the position may be partly written; the core restores it.
pub fn apply_fill_to_position(position: &mut Position, signed_qty: Raw, price: Raw) -> NumResult {
    let size = position.size;
    if size == 0 || (size > 0) == (signed_qty > 0) {
        let new_size = numbers::add(size, signed_qty)?;
        let numerator = numbers::add(
            numbers::abs_mul_exact(size, position.avg_price)?,
            numbers::abs_mul_exact(signed_qty, price)?,
        )?;
        position.avg_price = numbers::div_half_even_by_abs(numerator, new_size)?;
        position.size = new_size;
        return Ok(0);
    }
    // min(|signed_qty|, |size|): one side is a fill qty (< 2^127), so it fits.
    let reduced_magnitude = signed_qty.unsigned_abs().min(size.unsigned_abs());
    let reduced = Raw::try_from(reduced_magnitude).map_err(|_| numbers::NumError::Overflow)?;
    let per_unit = if size > 0 {
        numbers::sub(price, position.avg_price)?
    } else {
        numbers::sub(position.avg_price, price)?
    };
    let realized = numbers::mul(per_unit, reduced)?;
    position.realized_pnl = numbers::add(position.realized_pnl, realized)?;
    let new_size = numbers::add(size, signed_qty)?;
    if new_size == 0 {
        position.avg_price = 0;
    } else if (new_size > 0) != (size > 0) {
        position.avg_price = price;
    }
    position.size = new_size;
    Ok(realized)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::engine::numbers::{NumError, SCALE};

    fn d(units: i128) -> Raw {
        units * SCALE
    }

    #[test]
    fn adding_averages_the_entry_price() {
        let mut p = Position::default();
        assert_eq!(apply_fill_to_position(&mut p, d(2), d(10)), Ok(0));
        assert_eq!(apply_fill_to_position(&mut p, d(1), d(13)), Ok(0));
        assert_eq!(p, Position { size: d(3), avg_price: d(11), realized_pnl: 0 });
        // 1 @ 10 + 2 @ 10.5 -> 31/3 = 10.333333333 (half-even once)
        let mut p = Position::default();
        apply_fill_to_position(&mut p, d(1), d(10)).unwrap();
        apply_fill_to_position(&mut p, d(2), 10_500_000_000).unwrap();
        assert_eq!(p.avg_price, 10_333_333_333);
    }

    #[test]
    fn reducing_realizes_and_flipping_reopens_at_the_fill_price() {
        let mut p = Position { size: d(3), avg_price: d(10), realized_pnl: 0 };
        assert_eq!(apply_fill_to_position(&mut p, -d(1), d(12)), Ok(d(2)));
        assert_eq!(p, Position { size: d(2), avg_price: d(10), realized_pnl: d(2) });
        // sell 5 through zero: close 2 at +1 each, open short 3 at 11
        assert_eq!(apply_fill_to_position(&mut p, -d(5), d(11)), Ok(d(2)));
        assert_eq!(p, Position { size: -d(3), avg_price: d(11), realized_pnl: d(4) });
        // short profits when the price falls
        assert_eq!(apply_fill_to_position(&mut p, d(3), d(9)), Ok(d(6)));
        assert_eq!(p, Position { size: 0, avg_price: 0, realized_pnl: d(10) });
    }

    #[test]
    fn fees_and_cash() {
        assert_eq!(fill_fee(-d(100), None, 1_000_000), Ok(100_000_000));
        assert_eq!(fill_fee(d(100), Some(-5), 1_000_000), Ok(-5));
        assert_eq!(cash_delta(true, d(100), d(1)), Ok(-d(101)));
        assert_eq!(cash_delta(false, d(100), d(1)), Ok(d(99)));
        assert_eq!(cash_delta(true, Raw::MIN, 1), Ok(Raw::MAX));
        assert_eq!(cash_delta(false, Raw::MIN, 1), Err(NumError::Overflow));
    }
}
