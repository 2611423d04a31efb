"""Staff decisions that the workflow walkthroughs do not cover: the rejection codes staff type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from processing import decisions
from processing.screen import ALL_RULES
from tests.desk import Desk, decide

README = Path(__file__).resolve().parents[2] / "README.md"
NO_BODY_NAMED = (
    "我家门口的路灯坏了很久了一直没人修，晚上出行很不方便，孩子上学也不安全，希望尽快解决。\n"
    "王堃 13835900001\n"
)


def readme_reason_codes() -> dict[str, str]:
    """code → article, from the README's table of screening reasons."""
    rows = re.findall(r"^\| `([a-z_]+)` \| (第[^|]+?) \|", README.read_text("utf-8"), re.M)
    return dict(rows)


def test_reject_codes_are_the_screening_codes_the_readme_documents() -> None:
    documented = readme_reason_codes()
    assert documented, "the README's table of screening reasons was not found"
    assert {c: a for c, (a, _) in decisions.REJECTION_REASONS.items()} == documented
    assert {r.code: (r.article, r.label) for r in ALL_RULES} == decisions.REJECTION_REASONS


@pytest.mark.parametrize(
    ("code", "article", "channel"),
    [
        ("no_government_body", "第十二条第（一）项", ""),
        ("outside_area", "第十二条第（二）项", "被投诉举报单位所在地或其上级机关"),
        ("not_handleable", "第九条第（六）项", "有关部门或 12345 市民热线"),
    ],
)
def test_staff_reject_with_a_documented_code_tells_the_complainant(
    make_settings, make_service, clock, tmp_path, code, article, channel
) -> None:
    desk = Desk(make_service(make_settings()), clock, tmp_path)
    case = desk.complain("路灯坏了没人修", NO_BODY_NAMED)
    assert case.status == "screening_review"
    event = decide(desk, decisions.reject_case, codes=[code], reason="")
    assert event.data["lawful_channel"] == channel
    assert desk.case().status == "not_accepted"
    desk.run()
    (letter,) = desk.letters("not_accepted")
    assert article in desk.text_of(letter)
    if channel:
        assert channel in desk.text_of(letter)
