"""Sending pace: an hourly limit, and slowing down when NetEase says we send too fast.

NetEase (126/163) answers a sender it thinks too fast or too spam-like with codes such as
``451 MI:SFQ`` (too many messages from this sender in 15 minutes), ``421 HL:IFC`` (too many from
this IP), ``451/554 DT:SPM`` (content looks like spam; "keep the queue, retry later") and
``550 MI:STC`` (the day's quota is used up). Retrying at once makes it worse, so such a reply
pauses the whole sender with an escalating pause, and the hourly allowance halves for each level
of trouble until an hour passes quietly. A 5xx that is one of these is not a permanent failure
of the letter: the letter waits.

All decisions here are pure functions over ``ThrottleState`` values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from core.clock import to_local

# Replies meaning "slow down", whatever their 4xx/5xx code.
THROTTLE_MARKERS = (
    "MI:SFQ",
    "MI:DMC",
    "MI:CC",
    "HL:IFC",
    "HL:ICC",
    "RP:QRC",
    "RP:DRC",
    "DT:SPM",
    "MI:STC",
    "RP:TRC",
)
# Replies meaning "no more today": wait for the next day (Beijing time).
DAILY_MARKERS = ("MI:STC", "RP:TRC")
QUIET_HOUR = dt.timedelta(hours=1)
MAX_LEVEL = 6


def is_throttle_reply(text: str) -> bool:
    upper = text.upper()
    return any(marker in upper for marker in THROTTLE_MARKERS)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_per_hour: int = 60
    pause_base_seconds: int = 900  # MI:SFQ counts over 15 minutes
    pause_cap_seconds: int = 4 * 3600


@dataclass(frozen=True, slots=True)
class ThrottleState:
    level: int = 0
    paused_until: dt.datetime | None = None
    last_throttled_at: dt.datetime | None = None
    last_reply: str = ""


def current_level(state: ThrottleState, now: dt.datetime) -> int:
    """The level after decay: one level forgiven per quiet hour since the last throttle."""
    if state.level <= 0 or state.last_throttled_at is None:
        return 0
    quiet_hours = int((now - state.last_throttled_at) / QUIET_HOUR)
    return max(0, state.level - quiet_hours)


def _next_local_midnight(now: dt.datetime) -> dt.datetime:
    local = to_local(now)
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)
    return midnight.astimezone(dt.UTC)


def after_throttle(
    state: ThrottleState, reply: str, now: dt.datetime, policy: ThrottlePolicy
) -> ThrottleState:
    """The state after a throttling reply: one level up, paused for longer each time."""
    level = min(MAX_LEVEL, current_level(state, now) + 1)
    pause = dt.timedelta(
        seconds=min(policy.pause_cap_seconds, policy.pause_base_seconds * 2 ** (level - 1))
    )
    until = now + pause
    if any(marker in reply.upper() for marker in DAILY_MARKERS):
        until = max(until, _next_local_midnight(now))
    return replace(
        state, level=level, paused_until=until, last_throttled_at=now, last_reply=reply[:500]
    )


def hourly_allowance(policy: ThrottlePolicy, state: ThrottleState, now: dt.datetime) -> int:
    """Messages allowed per hour now: the configured limit, halved per level of trouble."""
    return max(1, policy.max_per_hour >> current_level(state, now))


@dataclass(frozen=True, slots=True)
class SendBudget:
    allowed: int
    reason: str = ""


def send_budget(
    policy: ThrottlePolicy, state: ThrottleState, now: dt.datetime, sent_last_hour: int
) -> SendBudget:
    """How many messages may go now, and if none, why (in Chinese, for the job summary)."""
    if state.paused_until is not None and now < state.paused_until:
        until = to_local(state.paused_until).strftime("%H:%M")
        return SendBudget(0, f"邮件服务器要求放慢发送（{state.last_reply[:60]}），暂停至 {until}")
    limit = hourly_allowance(policy, state, now)
    left = limit - sent_last_hour
    if left <= 0:
        return SendBudget(0, f"已达每小时发信上限 {limit} 封，稍后继续")
    return SendBudget(left)
