"""The monthly summary (Art. 23, 25): counts, completion rate, satisfaction, each unit's work.

Sent to staff on the first working day of a month, about the month before. The statistics are a
pure function over plain facts read from the store; the sender only queries and queues.

Satisfaction comes from case events carrying ``data.satisfaction`` (``satisfied``,
``basically_satisfied``, ``dissatisfied`` or the Chinese words), recorded when a complainant
answers the feedback request.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.units import UnitRegistry
from core.clock import CHINA_TZ, to_local
from core.workdays import WorkdayCalendar
from notifications.digest import NO_STAFF, StaffMailer, is_working_day
from notifications.render import category_label, channel_label
from store.db import transaction
from store.models import Case, CaseEvent, OutboxMessage

NOT_ACCEPTED = frozenset({"not_accepted"})
UNDECIDED = frozenset({"received", "screening_review"})
SATISFACTION = {
    "satisfied": "satisfied",
    "满意": "satisfied",
    "basically_satisfied": "basically_satisfied",
    "基本满意": "basically_satisfied",
    "dissatisfied": "dissatisfied",
    "不满意": "dissatisfied",
}


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the summary needs of one case received in the month."""

    channel: str
    category: str | None
    status: str
    unit_code: str | None


@dataclass(frozen=True, slots=True)
class UnitLine:
    unit_name: str
    transferred: int
    closed: int

    @property
    def completion_rate(self) -> float | None:
        return self.closed / self.transferred if self.transferred else None


@dataclass(frozen=True, slots=True)
class MonthlyStats:
    month: str  # 2026-10
    received: int
    accepted: int
    not_accepted: int
    undecided: int
    closed: int
    by_channel: tuple[tuple[str, int], ...]
    by_category: tuple[tuple[str, int], ...]
    units: tuple[UnitLine, ...]
    satisfaction: tuple[tuple[str, int], ...]

    @property
    def completion_rate(self) -> float | None:
        """办结率: closed among the accepted cases of the month (Art. 25)."""
        return self.closed / self.accepted if self.accepted else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意度: satisfied or basically satisfied among all answers (Art. 25)."""
        counts = dict(self.satisfaction)
        answers = sum(counts.values())
        good = counts.get("满意", 0) + counts.get("基本满意", 0)
        return good / answers if answers else None


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) in Beijing time, as aware datetimes."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=CHINA_TZ)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following


def _unit_name(registry: UnitRegistry, code: str) -> str:
    unit = registry.find(code)
    return unit.name if unit else code


def summarise_month(
    month: str, cases: Sequence[CaseFacts], answers: Iterable[str], registry: UnitRegistry
) -> MonthlyStats:
    """Pure statistics over the month's cases and satisfaction answers."""
    accepted = [c for c in cases if c.status not in NOT_ACCEPTED | UNDECIDED]
    per_unit: dict[str, list[CaseFacts]] = {}
    for case in accepted:
        if case.unit_code and case.status not in ("accepted", "triage"):
            per_unit.setdefault(case.unit_code, []).append(case)
    units = tuple(
        UnitLine(
            unit_name=_unit_name(registry, code),
            transferred=len(items),
            closed=sum(1 for c in items if c.status == "closed"),
        )
        for code, items in sorted(per_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    labels = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
    counted = Counter(labels[SATISFACTION[a]] for a in answers if a in SATISFACTION)
    return MonthlyStats(
        month=month,
        received=len(cases),
        accepted=len(accepted),
        not_accepted=sum(1 for c in cases if c.status in NOT_ACCEPTED),
        undecided=sum(1 for c in cases if c.status in UNDECIDED),
        closed=sum(1 for c in accepted if c.status == "closed"),
        by_channel=tuple(Counter(channel_label(c.channel) for c in cases).most_common()),
        by_category=tuple(Counter(category_label(c.category) for c in accepted).most_common()),
        units=units,
        satisfaction=tuple((label, counted[label]) for label in labels.values()),
    )


def read_month(session: Session, month: dt.date, registry: UnitRegistry) -> MonthlyStats:
    start, end = month_bounds(month)
    cases = [
        CaseFacts(c.channel, c.category, c.status, c.unit_code)
        for c in session.scalars(
            select(Case).where(Case.received_at >= start, Case.received_at < end)
        )
    ]
    events = session.scalars(select(CaseEvent).where(CaseEvent.at >= start, CaseEvent.at < end))
    answers = [str((e.data or {}).get("satisfaction", "")) for e in events]
    return summarise_month(f"{month.year}-{month.month:02d}", cases, answers, registry)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def first_working_day_of_month(calendar: WorkdayCalendar, day: dt.date) -> bool:
    """True if ``day`` is the month's first working day (Monday–Friday in unknown years)."""
    if not is_working_day(calendar, day):
        return False
    earlier = (day.replace(day=d) for d in range(1, day.day))
    return not any(is_working_day(calendar, d) for d in earlier)


@dataclass(frozen=True)
class MonthlySender:
    """Queues last month's summary for each staff address, on the month's first working day."""

    mailer: StaffMailer

    def run_once(self) -> str:
        m = self.mailer
        now = m.clock.now()
        local = to_local(now)
        if not m.recipients:
            return NO_STAFF
        if not first_working_day_of_month(m.calendar, local.date()):
            return "今日不是本月第一个工作日，不发送月度汇总"
        if local.time().replace(tzinfo=None) < m.send_at:
            return "未到发送月度汇总的时间"
        month = previous_month(local.date())
        stage = f"{month.year}-{month.month:02d}"
        with transaction(m.sessions) as session:
            if session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.kind == "monthly_summary", OutboxMessage.stage == stage
                )
            ):
                return f"{stage} 月度汇总已生成"
            stats = read_month(session, month, m.registry)
            for address in m.recipients:
                m.letters.queue(
                    session,
                    kind="monthly_summary",
                    case=None,
                    to_name="",
                    to_address=address,
                    stage=stage,
                    context={"stats": stats},
                    now=now,
                )
        return f"已生成 {stage} 月度汇总，发给 {len(m.recipients)} 人"
