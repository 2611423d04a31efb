"""Intake health: the last attempt, success and error of each source, for status and the digest."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from store.db import transaction
from store.models import SourceHealth


def record_poll(
    factory: sessionmaker[Session], source: str, clock: Clock, *, count: int = 0, error: str = ""
) -> None:
    """Record one poll of ``source``: success with ``count`` items, or failure with ``error``."""
    now = clock.now()
    with transaction(factory) as session:
        health = session.get(SourceHealth, source)
        if health is None:
            health = SourceHealth(source=source, consecutive_failures=0, last_count=0)
            session.add(health)
        health.last_attempt_at = now
        if error:
            health.last_error = error[:2000]
            health.consecutive_failures = (health.consecutive_failures or 0) + 1
        else:
            health.last_success_at = now
            health.last_error = None
            health.consecutive_failures = 0
            health.last_count = count
