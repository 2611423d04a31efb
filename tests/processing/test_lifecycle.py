from __future__ import annotations

import pytest

from processing.lifecycle import (
    ACTIONS,
    STATES,
    TRANSITIONS,
    InvalidTransition,
    allowed_actions,
    target_of,
)


def test_every_transition_uses_known_states_and_actions() -> None:
    for transition in TRANSITIONS:
        assert transition.target is None or transition.target in STATES
        assert set(transition.sources) <= set(STATES)
        assert transition.action in ACTIONS


def test_every_state_is_reachable_from_received() -> None:
    reached, frontier = {"received"}, ["received"]
    while frontier:
        state = frontier.pop()
        for action in allowed_actions(state):
            nxt = target_of(action, state)
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(STATES)


def test_invalid_transition_message_is_plain_chinese() -> None:
    with pytest.raises(InvalidTransition, match="案件当前状态为“已办结”，不能执行“签收”"):
        target_of("acknowledge", "closed")


@pytest.mark.parametrize(
    "path",
    [
        # On time: accept, transfer, acknowledge, result, satisfied, close.
        ("accept", "transfer", "acknowledge", "report_result", "record_feedback", "close"),
        # Decline returns the case to routing; re-transfer.
        ("accept", "transfer", "decline", "transfer", "acknowledge", "report_result", "close"),
        # Extension requested and approved, then the result.
        (
            "accept",
            "transfer",
            "acknowledge",
            "request_extension",
            "approve_extension",
            "report_result",
            "close",
        ),
        # Appeal, supplementary investigation, result again.
        (
            "accept",
            "transfer",
            "acknowledge",
            "report_result",
            "appeal",
            "order_supplementary",
            "report_result",
            "record_feedback",
            "close",
        ),
        # Reopened after closing.
        ("accept", "transfer", "report_result", "close", "reopen", "transfer"),
    ],
)
def test_paths_of_the_measures(path: tuple[str, ...]) -> None:
    state = "received"
    for action in path:
        state = target_of(action, state)
    assert state in ("closed", "transferred")


def test_recorded_actions_keep_the_state() -> None:
    assert target_of("supervise", "acknowledged") == "acknowledged"
    assert target_of("recuse", "triage") == "triage"
    assert target_of("record_return_visit", "closed") == "closed"
    with pytest.raises(InvalidTransition):
        target_of("supervise", "closed")


def test_reopen_depends_on_where_the_case_stands() -> None:
    assert target_of("reopen", "closed") == "triage"
    assert target_of("reopen", "not_accepted") == "screening_review"
