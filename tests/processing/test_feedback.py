"""The complainant's opinion of the result (Art. 16)."""

from __future__ import annotations

import pytest

from processing.feedback import parse_satisfaction


@pytest.mark.parametrize(
    ("text", "kind", "appeal"),
    [
        ("满意", "satisfied", False),
        ("非常满意，谢谢！", "satisfied", False),
        ("1", "satisfied", False),
        ("１、满意", "satisfied", False),  # full-width digit
        ("2", "basically_satisfied", False),
        ("基本满意", "basically_satisfied", False),
        ("比较满意，问题基本解决", "basically_satisfied", False),
        ("不满意", "dissatisfied", False),  # no objection: recorded, no appeal
        ("不满意！补贴至今没有到账，单位敷衍了事。", "dissatisfied", True),
        ("3. 问题根本没有解决，收费仍未退还。", "dissatisfied", True),
        ("不太满意，还有一部分费用没有退", "dissatisfied", True),
        ("满意和不满意都有", "unclear", False),
        ("谢谢", "unclear", False),
        ("2\n> 请回复 1. 满意；2. 基本满意；3. 不满意", "basically_satisfied", False),
    ],
)
def test_satisfaction(text: str, kind: str, appeal: bool) -> None:
    result = parse_satisfaction(text)
    assert (result.kind, result.opens_appeal) == (kind, appeal)


def test_objection_keeps_the_complainants_words() -> None:
    result = parse_satisfaction("不满意！补贴至今没有到账，单位敷衍了事。")
    assert result.objection == "补贴至今没有到账，单位敷衍了事。"
