"""Injected time: every component asks a Clock, so tests can set the hour instead of sleeping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Source of the current time; always timezone-aware UTC."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class FixedClock:
    """A clock tests move by hand."""

    current: dt.datetime = field(
        default_factory=lambda: dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    )

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, delta: dt.timedelta) -> None:
        self.current = self.current + delta

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.current = when


def to_local(when: dt.datetime, tz: dt.tzinfo = CHINA_TZ) -> dt.datetime:
    """Convert an aware datetime to the office's local time (Beijing time)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime; store and pass aware datetimes only")
    return when.astimezone(tz)


def format_local(when: dt.datetime | None, tz: dt.tzinfo = CHINA_TZ) -> str:
    """Render a time the way a clerk reads it: 2026-11-25 09:30."""
    if when is None:
        return "—"
    return to_local(when, tz).strftime("%Y-%m-%d %H:%M")
