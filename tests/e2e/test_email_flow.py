"""End to end through real servers: Dovecot behind the NetEase double (IMAPS) in, aiosmtpd
(TLS + AUTH) out.

A GBK complaint becomes one routed case; the acknowledgement to the complainant and the transfer
letter arrive at the SMTP server; the unit's 签收 and 办结 replies are confirmed and move the case
to result reported, the complainant is asked for their opinion and answers 满意; polling again, or
restarting and running again, creates nothing new and sends nothing twice.
"""

from __future__ import annotations

import threading
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select

from daemon.jobs import make_jobs
from store.models import Case, CaseEvent, OutboxMessage, Submission
from tests import mailfactory

COMPLAINT_BODY = (
    "尊敬的信用办：\n我是盐湖区解州镇居民王堃，盐湖区人民政府2025年招商引资时承诺给入驻企业的"
    "设备补贴至今没有兑现，多次反映无人答复。请督促盐湖区人民政府履行承诺。\n"
    "联系电话：13835900001\n王堃\n"
)

pytestmark = pytest.mark.imap


@pytest.fixture
def settings(make_settings, dovecot, netease, imap_folder, smtp_server, database_url):
    return make_settings(
        database={"url": database_url},
        intake={"source": "imap"},
        imap={
            "host": "127.0.0.1",
            "port": netease.port,  # imap.126.com's behaviour: SELECT refused until ID
            "security": "ssl",
            "ca_file": str(dovecot.ca_file),
            "username": "office@test.example",
            "folder": imap_folder,
        },
        outbox={"transport": "smtp"},
        smtp={
            "host": "127.0.0.1",
            "port": smtp_server.port,
            "security": "ssl",
            "ca_file": str(dovecot.ca_file),
            "username": "office@test.example",
        },
    )


ENV = {"ZWSX_IMAP_PASSWORD": "office-secret", "ZWSX_SMTP_PASSWORD": "smtp-secret"}


def run_all(service) -> list[str]:
    return [job.run_once() for job in make_jobs(service, threading.Event())]


def counts(service) -> tuple[int, int, int]:
    with service.sessions() as session:
        return (
            session.scalar(select(func.count(Case.id))),
            session.scalar(select(func.count(OutboxMessage.id))),
            session.scalar(select(func.count(Submission.id))),
        )


def test_complaint_to_closed_case_through_real_servers(
    settings, make_service, dovecot, imap_folder, smtp_server
):
    service = make_service(settings, ENV)
    dovecot.append(
        mailfactory.complaint(
            subject="盐湖区政府招商引资承诺不兑现", body=COMPLAINT_BODY, label="gb2312"
        ),
        folder=imap_folder,
    )
    run_all(service)

    with service.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.unit_code == "yanhu"
        assert case.status == "transferred"
        assert "王堃" in case.body  # GBK-only character survived the gb2312 label
        number = case.number

    assert len(smtp_server.received) == 2
    by_recipient = {tuple(r.recipients): r for r in smtp_server.received}
    assert ("wangkun@example.com",) in by_recipient  # 受理告知 to the complainant
    letter = by_recipient[("yanhu@units.yuncheng.example",)]
    assert smtp_server.authenticator.attempts == ["office@test.example"]
    subject = str(make_header(decode_header(letter.message["Subject"])))
    assert number in subject
    assert letter.message["Auto-Submitted"] == "auto-generated"
    letter_id = letter.message["Message-ID"]

    unit = "yanhu@units.yuncheng.example"
    dovecot.append(
        mailfactory.reply(
            sender=unit, subject=f"回复：{subject}", body="我单位已签收。", in_reply_to=letter_id
        ),
        folder=imap_folder,
    )
    run_all(service)
    with service.sessions() as session:
        assert session.scalars(select(Case)).one().status == "acknowledged"
    confirmation = smtp_server.received[-1]
    assert confirmation.recipients == [unit]
    assert "签收" in str(make_header(decode_header(confirmation.message["Subject"])))

    dovecot.append(
        mailfactory.reply(
            sender=unit,
            subject=f"回复：{subject}",
            body="办结\n经核实，补贴已于11月24日兑现，已告知投诉人。\n\n> 原函内容",
            in_reply_to=letter_id,
        ),
        folder=imap_folder,
    )
    run_all(service)
    with service.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert case.status == "result_reported"
        assert case.result_text == "经核实，补贴已于11月24日兑现，已告知投诉人。"
    assert [r.recipients for r in smtp_server.received[-2:]] == [["wangkun@example.com"], [unit]]
    feedback_request = smtp_server.received[-2].message

    dovecot.append(
        mailfactory.reply(
            sender="wangkun@example.com",
            subject=f"回复：{number}",
            body="满意，谢谢。",
            in_reply_to=feedback_request["Message-ID"],
        ),
        folder=imap_folder,
    )
    run_all(service)
    with service.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.status, case.satisfaction) == ("feedback_received", "satisfied")
        kinds = [
            e.kind for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
        ]
        assert kinds[-3:] == ["acknowledge", "report_result", "record_feedback"]

    before = counts(service)
    sent = len(smtp_server.received)
    run_all(service)
    assert counts(service) == before
    assert len(smtp_server.received) == sent == 5


def test_restart_creates_no_duplicate_case_or_letter(
    settings, make_service, dovecot, imap_folder, smtp_server
):
    dovecot.append(
        mailfactory.complaint(subject="盐湖区政府招商引资承诺不兑现", body=COMPLAINT_BODY),
        folder=imap_folder,
    )
    first = make_service(settings, ENV)
    run_all(first)
    first.close()
    assert counts(first)[0] == 1

    restarted = make_service(settings, ENV)  # a new process: nothing shared but the store
    run_all(restarted)
    assert counts(restarted) == (1, 2, 1)  # the acknowledgement and the transfer letter
    assert len(smtp_server.received) == 2
