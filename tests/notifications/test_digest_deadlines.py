"""The digest's deadline and supervision sections (Art. 21, 26)."""

from __future__ import annotations

import datetime as dt

from notifications.digest import DigestContext, DigestWindow, build_digest
from notifications.digest_sections import DIGEST_SECTIONS
from tests.desk import Desk, beijing
from tests.workflow.conftest import COMPLAINT_BODY, COMPLAINT_SUBJECT


def digest_sections(desk: Desk) -> dict:
    now = desk.clock.now()
    ctx = DigestContext(
        DigestWindow(now - dt.timedelta(days=1), now),
        desk.service.registry,
        desk.service.calendar_file.current(),
    )
    with desk.service.sessions() as session:
        digest = build_digest(session, ctx, DIGEST_SECTIONS)
    return {s.key: s for s in digest.sections}


def test_due_soon_then_overdue_then_supervision_listed(
    make_settings, make_service, clock, tmp_path
):
    desk = Desk(make_service(make_settings()), clock, tmp_path)
    desk.at("2026-09-30")
    case = desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.at("2026-10-08", "08:30")
    due = digest_sections(desk)["deadlines_due"]
    assert [row.cells[:3] for row in due.rows] == [(case.number, "签收反馈期限", "2026-10-10")]

    desk.clock.set(beijing("2026-10-12", "09:00"))
    desk.run()
    sections = digest_sections(desk)
    overdue = sections["deadlines_overdue"].rows
    assert overdue[0].cells[2] == "2026-10-10，已逾期 2 天"
    letters = [row.cells[1] for row in sections["supervision"].rows]
    assert letters == ["提醒督办函（第二十一条第2项）"]
