from __future__ import annotations

import pytest

from processing.classify import classify_message
from processing.parse import parse_mail
from tests import mailfactory

OWN = frozenset({"ycsxyb123@126.com"})


def kind_of(raw: bytes, refers: str = "") -> str:
    return classify_message(parse_mail(raw), refers_to_case=refers, own_addresses=OWN).kind


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"X-Auto-Response-Suppress": "All"},
    ],
)
def test_auto_replies_by_header(headers: dict[str, str]) -> None:
    raw = mailfactory.reply(
        sender="a@example.com", subject="Re: 投诉", body="收到", extra_headers=headers
    )
    assert kind_of(raw) == "auto_reply"


def test_auto_reply_by_vacation_subject() -> None:
    assert (
        kind_of(mailfactory.reply(sender="a@example.com", subject="自动回复：您好", body="休假"))
        == "auto_reply"
    )


def test_own_mail_is_a_loop() -> None:
    assert (
        kind_of(mailfactory.reply(sender="ycsxyb123@126.com", subject="x", body="y"))
        == "own_message"
    )


def test_auto_submitted_no_is_a_person() -> None:
    raw = mailfactory.reply(
        sender="a@example.com", subject="投诉", body="内容", extra_headers={"Auto-Submitted": "no"}
    )
    assert kind_of(raw) == "complaint"
    assert kind_of(raw, refers="主题含案件编号") == "reply"
