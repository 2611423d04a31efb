"""The staff digest: when it goes, what it shows, what it leaves out, and that it is masked."""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from core.clock import CHINA_TZ, FixedClock
from core.workdays import WorkdayCalendar
from daemon.jobs import DigestJob
from notifications.digest import DigestRow, DigestSection, digest_due, masked_section
from store.db import transaction
from store.models import Case, CaseEvent, OutboxMessage, SourceHealth, Submission

CAL = WorkdayCalendar()
AT = dt.time(8, 30)
STAFF = ["clerk@office.example", "head@office.example"]


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA_TZ)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(2026, 11, 25, 8, 29), False),  # Wednesday, too early
        (local(2026, 11, 25, 8, 30), True),
        (local(2026, 11, 28, 9, 0), False),  # Saturday
        (local(2026, 2, 28, 9, 0), True),  # Saturday, but a make-up working day (调休)
        (local(2026, 10, 5, 9, 0), False),  # National Day holiday, a Monday
        (local(2027, 3, 3, 9, 0), True),  # a year the calendar does not know: Monday–Friday
    ],
)
def test_digest_due_on_working_days_after_the_set_time(when: dt.datetime, expected: bool) -> None:
    assert digest_due(when, AT, CAL, already_sent=False) is expected
    assert digest_due(when, AT, CAL, already_sent=True) is False


@pytest.fixture
def service(make_settings, make_service, database_url, clock: FixedClock):
    clock.set(local(2026, 11, 25, 8, 45))
    return make_service(make_settings(database={"url": database_url}, staff={"emails": STAFF}))


def digests(service) -> list[OutboxMessage]:
    with service.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "digest")
                .order_by(OutboxMessage.id)
            )
        )


def text_and_html(row: OutboxMessage) -> tuple[str, str]:
    message = email.message_from_bytes(row.raw, policy=default_policy)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_quiet_day_still_says_the_service_is_alive(service, clock: FixedClock) -> None:
    clock.set(local(2026, 6, 3, 8, 45))  # far from the calendar's end: no calendar warning
    summary = DigestJob(service).run_once()
    assert "无新增事项" in summary
    rows = digests(service)
    assert sorted(r.recipient for r in rows) == STAFF
    assert {r.stage for r in rows} == {"2026-06-03"}
    text, html = text_and_html(rows[0])
    assert "服务运行正常" in text and "服务运行正常" in html
    assert "【" not in text  # no empty sections
    assert "无新增事项" in rows[0].subject

    DigestJob(service).run_once()  # the same day again: nothing new
    assert len(digests(service)) == 2


def test_not_before_the_time_nor_at_weekends(service, clock: FixedClock) -> None:
    clock.set(local(2026, 11, 25, 7, 0))
    DigestJob(service).run_once()
    clock.set(local(2026, 11, 28, 9, 0))
    DigestJob(service).run_once()
    assert digests(service) == []


def add_case(session, number: str, status: str, **fields) -> Case:
    now = local(2026, 11, 24, 10, 0)
    case = Case(
        number=number,
        status=status,
        channel=fields.pop("channel", "email"),
        received_at=now,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(case)
    session.flush()
    return case


def test_sections_show_what_needs_a_person_masked(service, clock: FixedClock) -> None:
    now = local(2026, 11, 24, 11, 0)
    with transaction(service.sessions) as session:
        add_case(
            session,
            "YCSX-2026-000001",
            "triage",
            title="电话13835900001的投诉",
            route_confidence=0.2,
        )
        review = add_case(
            session,
            "YCSX-2026-000002",
            "screening_review",
            title="诉讼中的事项",
            screening_detail={
                "hits": [{"article": "第九条第（一）项", "label": "正在诉讼尚未裁决"}]
            },
            channel="hotline",
        )
        session.add(
            CaseEvent(
                case_id=review.id,
                at=now,
                actor="system",
                kind="unit_reply_unclear",
                data={"needs_staff": True},
                note="回复无法识别：我们研究一下",
            )
        )
        session.add(
            OutboxMessage(
                dedupe_key="x",
                case_id=review.id,
                kind="transfer",
                stage="",
                recipient="u@units.example",
                subject="s",
                message_id="<m@x>",
                raw=b"",
                status="failed",
                attempts=1,
                next_attempt_at=now,
                last_error="550 5.1.1 User not found",
                created_at=now,
            )
        )
        session.add(
            Submission(
                channel="email",
                source_key="k1",
                sha256="0" * 64,
                size=1,
                archive_path="a",
                received_at=now,
                status="quarantined",
                error="Traceback…\nValueError: 坏邮件",
            )
        )
        session.add(
            SourceHealth(
                source="imap:office",
                last_success_at=now,
                last_count=3,
                consecutive_failures=2,
                last_error="timeout",
            )
        )
    DigestJob(service).run_once()
    text, html = text_and_html(digests(service)[0])
    for title in (
        "需要工作人员处理",
        "不予受理待确认",
        "待人工分办",
        "发信失败、退信或多次重试",
        "隔离待查的来件",
        "新收案件",
        "收件运行情况",
    ):
        assert title in text and title in html, title
    assert "【退信】" not in text  # an empty section is left out
    assert "13835900001" not in text and "138****0001" in text
    assert "共 2 件：电子邮件 1 件、12345热线 1 件" in text
    assert "User not found" in html and "ValueError: 坏邮件" in text
    assert "服务运行正常" not in text
    # 25 November: the known calendar ends within 60 days, so staff are told to enter 2027.
    assert "节假日安排提醒" in text and "2027" in text


def test_case_link_in_html(make_settings, make_service, database_url, clock) -> None:
    clock.set(local(2026, 11, 25, 9, 0))
    service = make_service(
        make_settings(
            database={"url": database_url},
            staff={"emails": STAFF[:1]},
            digest={"case_link": "https://xyb.example/cases/{number}"},
        )
    )
    with transaction(service.sessions) as session:
        add_case(session, "YCSX-2026-000009", "triage", title="t")
    DigestJob(service).run_once()
    _, html = text_and_html(digests(service)[0])
    assert 'href="https://xyb.example/cases/YCSX-2026-000009"' in html


def test_no_staff_no_digest(make_settings, make_service) -> None:
    service = make_service(make_settings())
    assert "staff.emails" in DigestJob(service).run_once()


def test_cells_are_masked_before_they_are_cut() -> None:
    """A cut must never leave part of a number the masking no longer recognises."""
    title = "关于某某局拖欠工程款问题的反映请联系13812345678谢谢"
    section = DigestSection(
        "k", "标题", ("标题", "说明"), (DigestRow("N", (title, "王堃来信补充")),), limits=(30, 0)
    )
    shown = masked_section(section).rows[0].cells
    assert "1381234" not in shown[0] and shown[0].endswith("…")
    assert shown[1] == "王堃来信补充"  # no names known for this row
    named = DigestSection("k", "t", ("说明",), (DigestRow("N", ("王堃来信补充",), ("王堃",)),))
    assert masked_section(named).rows[0].cells == ("王*来信补充",)


def test_the_complainants_name_never_reaches_the_digest(service, clock: FixedClock) -> None:
    """Art. 17: a title or a follow-up quoting the complainant's name is masked by name."""
    with transaction(service.sessions) as session:
        case = add_case(
            session,
            "YCSX-2026-000003",
            "triage",
            title="王堃反映补贴未兑现",
            complainant_name="王堃",
        )
        session.add(
            CaseEvent(
                case_id=case.id,
                at=local(2026, 11, 24, 11, 0),
                actor="complainant",
                kind="complainant_followup",
                data={"needs_staff": True},
                note="我是王堃，补充一下：电话13835900001",
            )
        )
    DigestJob(service).run_once()
    text, html = text_and_html(digests(service)[0])
    for output in (text, html):
        assert "王堃" not in output and "13835900001" not in output
        assert "王*反映补贴未兑现" in output and "我是王*" in output
