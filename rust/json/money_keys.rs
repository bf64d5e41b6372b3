//! The money rule of events.md (INV-1): the catalog's money fields hold int
//! cents; any other money-sounding key may hold anything but a float or a
//! bool. The writer and the key cache both consult it.

/// Keys that carry floats although their names sound like money.
const FLOAT_KEYS: [&str; 3] = ["old_value", "new_value", "fraction"];
/// A key whose name contains one of these sounds like money.
const MONEY_WORDS: [&str; 8] = [
    "amount", "cost", "value", "balance", "total", "limit", "outflow", "penalt",
];

/// Suffixes of keys that name a thing rather than an amount (`max_net_outflow_agent`).
const NAME_SUFFIXES: [&str; 3] = ["_agent", "_id", "_ids"];

/// The keys the event catalog (events.md) uses for int cents: the money
/// fields of its events and of their nested `costs`. A test checks this
/// list against the catalog in `simcash_db.workload.catalog`.
pub const CATALOG_MONEY_KEYS: [&str; 34] = [
    "amount",
    "amount_a",
    "amount_b",
    "balance_after",
    "bilateral_limit",
    "collateral_cost",
    "costs",
    "current_bilateral_outflow",
    "current_total_outflow",
    "cycle_value",
    "deadline_penalty_cost",
    "delay_cost",
    "estimated_delay_cost",
    "incoming_amount",
    "liquidity_cost",
    "max_net_outflow",
    "max_value",
    "multilateral_limit",
    "new_total",
    "offset_amount",
    "penalty_cost",
    "queued_amount",
    "remaining_amount",
    "requested_amount",
    "sender_balance_after",
    "sender_balance_before",
    "settled_amount",
    "settled_value",
    "split_friction_cost",
    "total",
    "total_penalties",
    "total_ticks_overdue",
    "total_value",
    "tx_amounts",
];

/// How the values under a key are held to INV-1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Money {
    /// Not money: any JSON value.
    No,
    /// A money-sounding name outside the catalog (`limit_type`, `value_date`):
    /// only a float or a bool is refused, the mistake INV-1 guards against.
    Loose,
    /// A money field of the catalog: int cents (or None), nothing else.
    Strict,
}

/// The money rule for values under `key`.
pub fn money_rule(key: &str) -> Money {
    if CATALOG_MONEY_KEYS.contains(&key) {
        Money::Strict
    } else if !FLOAT_KEYS.contains(&key)
        && !NAME_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
        && MONEY_WORDS.iter().any(|word| key.contains(word))
    {
        Money::Loose
    } else {
        Money::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rule_follows_the_event_catalog() {
        for key in [
            "limit_type",
            "value_date",
            "cost_model",
            "penalty_reason",
            "my_amount",
        ] {
            assert_eq!(money_rule(key), Money::Loose, "{key}");
        }
        for key in [
            "amount",
            "tx_amounts",
            "total_value",
            "liquidity_cost",
            "new_total",
            "bilateral_limit",
            "max_net_outflow",
            "deadline_penalty_cost",
            "balance_after",
        ] {
            assert_eq!(money_rule(key), Money::Strict, "{key}");
        }
        for key in [
            "old_value",
            "new_value",
            "fraction",
            "tick",
            "tx_id",
            "priority",
            "settlements",
            "num_splits",
        ] {
            assert_eq!(money_rule(key), Money::No, "{key}");
        }
    }
}
