"""Pure pacing decisions: throttling replies recognised, pauses escalate and decay, hourly limit."""

from __future__ import annotations

import datetime as dt

from notifications.throttle import (
    ThrottlePolicy,
    ThrottleState,
    after_throttle,
    current_level,
    hourly_allowance,
    is_throttle_reply,
    send_budget,
)

NOW = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing time
POLICY = ThrottlePolicy(max_per_hour=60, pause_base_seconds=900, pause_cap_seconds=3600)


def test_netease_replies_are_recognised() -> None:
    for reply in (
        "451 4.7.1 MI:SFQ",
        "554 DT:SPM 发送的邮件内容包含了未被许可的信息",
        "421 HL:IFC",
        "550 MI:STC 发件人当天内累计邮件数量超过限制",
    ):
        assert is_throttle_reply(reply)
    assert not is_throttle_reply("550 5.1.1 User not found")


def test_pause_escalates_to_the_cap_and_the_rate_halves() -> None:
    state = ThrottleState()
    pauses = []
    for _ in range(4):
        state = after_throttle(state, "451 MI:SFQ", NOW, POLICY)
        assert state.paused_until is not None
        pauses.append((state.paused_until - NOW).total_seconds())
    assert pauses == [900, 1800, 3600, 3600]
    assert hourly_allowance(POLICY, state, NOW) == 60 >> 4


def test_trouble_is_forgotten_one_level_per_quiet_hour() -> None:
    state = after_throttle(
        after_throttle(ThrottleState(), "MI:SFQ", NOW, POLICY), "MI:SFQ", NOW, POLICY
    )
    assert current_level(state, NOW + dt.timedelta(minutes=59)) == 2
    assert current_level(state, NOW + dt.timedelta(hours=1)) == 1
    assert current_level(state, NOW + dt.timedelta(hours=5)) == 0
    assert hourly_allowance(POLICY, state, NOW + dt.timedelta(hours=5)) == 60


def test_daily_quota_waits_for_the_next_day_in_beijing() -> None:
    state = after_throttle(ThrottleState(), "550 MI:STC", NOW, POLICY)
    assert state.paused_until == dt.datetime(2026, 11, 25, 16, 5, tzinfo=dt.UTC)  # 00:05 next day


def test_budget() -> None:
    assert send_budget(POLICY, ThrottleState(), NOW, sent_last_hour=59).allowed == 1
    full = send_budget(POLICY, ThrottleState(), NOW, sent_last_hour=60)
    assert full.allowed == 0 and "每小时发信上限 60 封" in full.reason
    paused = after_throttle(ThrottleState(), "451 MI:SFQ", NOW, POLICY)
    held = send_budget(POLICY, paused, NOW + dt.timedelta(minutes=5), sent_last_hour=0)
    assert held.allowed == 0 and "暂停至 10:15" in held.reason
