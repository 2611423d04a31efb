"""The staff digest: every working day at a set time, one email that is the clerks' dashboard.

The digest is a tuple of section builders (``notifications.digest_sections.DIGEST_SECTIONS``),
each a query over the store returning a ``DigestSection`` value or None; templates render any
section generically as a table. Empty sections are left out; a day with nothing to report still
says the service is alive. Every cell is masked here, whatever the builder did (Art. 17).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.units import UnitRegistry
from core.clock import Clock, to_local
from core.masking import mask_text
from core.workdays import UnknownYear, WorkdayCalendar
from notifications.letters import LetterWriter
from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """What the digest covers: after ``start`` (the previous digest) up to ``end`` (now)."""

    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class DigestRow:
    """One line of a section; ``case_number`` (may be empty) is what the row links to; ``names``
    are the people the row's case knows (its complainant), masked wherever they appear."""

    case_number: str
    cells: tuple[str, ...]
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DigestSection:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[DigestRow, ...]
    summary: str = ""
    # Status sections (intake health) are shown but are not news: a day with only those is quiet.
    actionable: bool = True
    # Most characters shown per column (0: all), counted after masking.
    limits: tuple[int, ...] = ()


@dataclass(frozen=True)
class DigestContext:
    """What section builders may use besides the session."""

    window: DigestWindow
    registry: UnitRegistry
    calendar: WorkdayCalendar

    def unit_name(self, code: str | None) -> str:
        unit = self.registry.find(code)
        return unit.name if unit else (code or "未定")


SectionBuilder = Callable[[Session, DigestContext], DigestSection | None]


@dataclass(frozen=True, slots=True)
class Digest:
    day: dt.date
    window: DigestWindow
    sections: tuple[DigestSection, ...]

    @property
    def quiet(self) -> bool:
        """Nothing that needs a person: the digest says only that the service is alive."""
        return not any(section.actionable for section in self.sections)


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, "…" marking a cut."""
    text = " ".join(text.split())
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"


def masked_section(section: DigestSection) -> DigestSection:
    """Mask personal data and the rows' known names in every cell and the summary (Art. 17),
    whoever built the section; only then cut long cells, so that no cut hides a number from the
    masking ("1381234567…")."""

    def cell(row: DigestRow, index: int, text: str) -> str:
        limit = section.limits[index] if index < len(section.limits) else 0
        return shorten(mask_text(text, row.names), limit)

    rows = tuple(
        DigestRow(row.case_number, tuple(cell(row, i, c) for i, c in enumerate(row.cells)))
        for row in section.rows
    )
    return replace(section, rows=rows, summary=mask_text(section.summary))


def build_digest(
    session: Session, ctx: DigestContext, builders: Sequence[SectionBuilder]
) -> Digest:
    """Run every builder; keep the sections that have something to show."""
    sections = []
    for builder in builders:
        section = builder(session, ctx)
        if section is not None and section.rows:
            sections.append(masked_section(section))
    return Digest(to_local(ctx.window.end).date(), ctx.window, tuple(sections))


def previous_digest_at(session: Session) -> dt.datetime | None:
    return session.scalar(
        select(func.max(OutboxMessage.created_at)).where(OutboxMessage.kind == "digest")
    )


def is_working_day(calendar: WorkdayCalendar, day: dt.date) -> bool:
    """Working day per the calendar, provisional in a year it does not know yet (weekends and
    statutory festivals; the digest's calendar warning asks staff to enter the year)."""
    try:
        return calendar.day_info(day).working
    except UnknownYear:
        return day.weekday() < 5


def digest_due(
    now: dt.datetime, send_at: dt.time, calendar: WorkdayCalendar, *, already_sent: bool
) -> bool:
    """Pure: send today's digest now? Working days only, at or after the set local time, once."""
    local = to_local(now)
    return (
        not already_sent
        and is_working_day(calendar, local.date())
        and local.time().replace(tzinfo=None) >= send_at
    )


@dataclass(frozen=True)
class StaffMailer:
    """What the digest and the monthly summary need to write to staff."""

    sessions: sessionmaker[Session]
    letters: LetterWriter
    registry: UnitRegistry
    calendar: WorkdayCalendar
    clock: Clock
    recipients: tuple[str, ...]
    send_at: dt.time


NO_STAFF = "未配置接收汇总的工作人员邮箱（staff.emails），不发送"


@dataclass(frozen=True)
class DigestSender:
    """Queues the day's digest for each staff address, once per day and address."""

    mailer: StaffMailer
    builders: Sequence[SectionBuilder]
    case_link: str = ""

    def run_once(self) -> str:
        m = self.mailer
        if not m.recipients:
            return NO_STAFF
        now = m.clock.now()
        day = to_local(now).date()
        with transaction(m.sessions) as session:
            if not digest_due(now, m.send_at, m.calendar, already_sent=self._sent(session, day)):
                return "今日汇总已发送或未到发送时间"
            start = previous_digest_at(session) or now - dt.timedelta(days=1)
            ctx = DigestContext(DigestWindow(start, now), m.registry, m.calendar)
            digest = build_digest(session, ctx, self.builders)
            for address in m.recipients:
                m.letters.queue(
                    session,
                    kind="digest",
                    case=None,
                    to_name="",
                    to_address=address,
                    stage=day.isoformat(),
                    context=digest_context(digest, self.case_link),
                    now=now,
                )
        what = "无新增事项" if digest.quiet else f"{len(digest.sections)} 个栏目"
        return f"已生成 {day.isoformat()} 的工作汇总（{what}），发给 {len(m.recipients)} 人"

    @staticmethod
    def _sent(session: Session, day: dt.date) -> bool:
        found = session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.kind == "digest", OutboxMessage.stage == day.isoformat()
            )
        )
        return bool(found)


def digest_context(digest: Digest, case_link: str = "") -> dict[str, object]:
    """Template context of the digest; ``case_url(number)`` is empty when no link is set."""

    def case_url(number: str) -> str:
        return case_link.replace("{number}", number) if case_link and number else ""

    return {
        "digest": digest,
        "sections": digest.sections,
        "quiet": digest.quiet,
        "window_start": digest.window.start,
        "window_end": digest.window.end,
        "case_url": case_url,
    }
