//! Twin of `cracktrader/feeds/reorder.py`: the reorder buffer's plan (D-205). Stable by
//! timestamp; among equal timestamps the last arrival is kept; `out_of_order_count`
//! counts arrivals below the largest timestamp seen before them. The binding applies
//! the plan to the original Python objects, so candles come back untouched.

use std::collections::HashMap;

/// Which inputs to keep, in output order, and what was counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderPlan {
    pub order: Vec<usize>,
    pub out_of_order_count: u64,
    pub duplicates_replaced: u64,
}

pub fn plan(timestamps: &[i64]) -> ReorderPlan {
    let mut out_of_order = 0u64;
    let mut highest = -1i64;
    let mut last_index: HashMap<i64, usize> = HashMap::with_capacity(timestamps.len());
    for (index, ts) in timestamps.iter().enumerate() {
        if *ts < highest {
            out_of_order = out_of_order.saturating_add(1);
        } else {
            highest = *ts;
        }
        last_index.insert(*ts, index);
    }
    let mut kept: Vec<(i64, usize)> = last_index.into_iter().collect();
    kept.sort_unstable();
    let duplicates = timestamps.len().saturating_sub(kept.len());
    ReorderPlan {
        order: kept.into_iter().map(|(_, index)| index).collect(),
        out_of_order_count: out_of_order,
        duplicates_replaced: u64::try_from(duplicates).unwrap_or(u64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_arrival_wins_and_disorder_is_counted() {
        let p = plan(&[30, 10, 20, 10, 40, 30]);
        assert_eq!(p.order, vec![3, 2, 5, 4]);
        assert_eq!(p.out_of_order_count, 4);
        assert_eq!(p.duplicates_replaced, 2);
        assert_eq!(plan(&[]).order, Vec::<usize>::new());
    }
}
