from __future__ import annotations

from pathlib import Path

from processing.parse import parse_mail

EML = Path(__file__).resolve().parents[1] / "data" / "eml"
OURS = "<zwsx.c1.transfer.0123456789ab.abcdefghijklmnop@126.com>"


def report(name: str):
    mail = parse_mail((EML / name).read_bytes())
    assert mail.delivery_report is not None
    return mail.delivery_report


def test_permanent_failure_names_our_message() -> None:
    dsn = report("dsn_permanent_failure.eml")
    assert dsn.permanent and dsn.original_ids == (OURS,)
    (recipient,) = dsn.recipients
    assert (recipient.recipient, recipient.action, recipient.status) == (
        "yanhu@units.yuncheng.example",
        "failed",
        "5.1.1",
    )
    assert "User not found" in dsn.reason


def test_delay_is_temporary() -> None:
    dsn = report("dsn_delayed.eml")
    assert not dsn.permanent and dsn.recipients[0].status == "4.4.1"


def test_returned_full_message() -> None:
    dsn = report("nodemailer_delivery_status_ses.eml")
    assert dsn.permanent
    assert dsn.original_ids[0] == "<xxxxx@email.amazonses.com>"
    assert dsn.recipients[0].recipient == "xxxx@xxxx.com"


def test_plain_text_bounce_from_mailer_daemon() -> None:
    raw = (
        "From: MAILER-DAEMON@126.com\r\nTo: ycsxyb123@126.com\r\nSubject: 系统退信\r\n"
        "Message-ID: <b@126.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"您的邮件无法投递。\r\n原邮件 Message-ID: {OURS}\r\n"
    ).encode()
    mail = parse_mail(raw)
    assert mail.delivery_report is not None
    assert mail.delivery_report.original_ids == (OURS,)
    assert mail.delivery_report.permanent
