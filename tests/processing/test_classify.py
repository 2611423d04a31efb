from __future__ import annotations

from pathlib import Path

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


EML = Path(__file__).resolve().parents[1] / "data" / "eml"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("dsn_permanent_failure.eml", "bounce"),
        ("dsn_delayed.eml", "bounce"),
        ("nodemailer_delivery_status_ses.eml", "bounce"),
        ("auto_reply_vacation_subject_gbk.eml", "auto_reply"),
        ("mailing_list_bulk.eml", "bulk"),
        ("gb2312_label_gbk_body.eml", "complaint"),
        ("hotline_export_xlsx.eml", "complaint"),  # not from a registered hotline address
    ],
)
def test_fixture_kinds(name: str, kind: str) -> None:
    assert kind_of((EML / name).read_bytes()) == kind


def test_hotline_export_from_a_registered_address() -> None:
    mail = parse_mail((EML / "hotline_export_xlsx.eml").read_bytes())
    result = classify_message(
        mail,
        refers_to_case="",
        own_addresses=OWN,
        hotline_senders=frozenset({"export@12345.yuncheng.example"}),
    )
    assert result.kind == "hotline_export"


def test_hotline_address_without_export_is_an_ordinary_mail() -> None:
    raw = mailfactory.reply(sender="export@12345.yuncheng.example", subject="通知", body="x")
    result = classify_message(
        parse_mail(raw),
        refers_to_case="",
        own_addresses=OWN,
        hotline_senders=frozenset({"export@12345.yuncheng.example"}),
    )
    assert result.kind == "complaint"
