from __future__ import annotations

import pytest

from processing.lifecycle import STATES, TRANSITIONS, InvalidTransition, target_of


def test_every_transition_uses_known_states() -> None:
    for transition in TRANSITIONS:
        assert transition.target in STATES
        assert set(transition.sources) <= set(STATES)


def test_invalid_transition_message_is_plain_chinese() -> None:
    with pytest.raises(InvalidTransition, match="案件当前状态为“已办结”，不能执行“签收”"):
        target_of("acknowledge", "closed")


def test_happy_path() -> None:
    state = "received"
    for action in ("accept", "transfer", "acknowledge", "close_with_result"):
        state = target_of(action, state)
    assert state == "closed"
