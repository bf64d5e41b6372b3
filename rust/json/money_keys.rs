//! The money naming rule of events.md: which keys of an event must hold int
//! cents (INV-1). The writer and the key cache both consult it.

/// Keys that carry floats although their names sound like money.
const FLOAT_KEYS: [&str; 3] = ["old_value", "new_value", "fraction"];
/// A key whose name contains one of these holds int cents.
const MONEY_WORDS: [&str; 8] = [
    "amount", "cost", "value", "balance", "total", "limit", "outflow", "penalt",
];

/// Suffixes of keys that name a thing rather than an amount (`max_net_outflow_agent`).
const NAME_SUFFIXES: [&str; 3] = ["_agent", "_id", "_ids"];

/// Whether values under `key` must be int cents (events.md's naming rule).
pub fn is_money_key(key: &str) -> bool {
    !FLOAT_KEYS.contains(&key)
        && !NAME_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
        && MONEY_WORDS.iter().any(|word| key.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_rule_follows_the_event_catalog() {
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
            assert!(is_money_key(key), "{key}");
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
            assert!(!is_money_key(key), "{key}");
        }
    }
}
