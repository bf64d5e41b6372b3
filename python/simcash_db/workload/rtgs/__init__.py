"""The synthetic RTGS, by concern: its state and settlement, the payments' path,
the liquidity-saving mechanism, and costs. ``simulation.simulate_run`` drives it."""
