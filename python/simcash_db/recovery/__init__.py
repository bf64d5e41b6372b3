"""Mending a database file that a kill left unopenable (``simcash-db recover``)."""

from simcash_db.recovery.recover import RecoveryReport, recover

__all__ = ["RecoveryReport", "recover"]
