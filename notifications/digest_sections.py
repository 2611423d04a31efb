"""The digest's sections, in order: each a query over the store that returns one table or None.

To add a section (deadlines, supervision letters, calendar warnings …) write a builder
``(session, ctx) -> DigestSection | None`` and put it in ``DIGEST_SECTIONS``. Builders only read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import format_local, to_local
from core.workdays import calendar_warnings
from notifications.digest import DigestContext, DigestRow, DigestSection, SectionBuilder
from notifications.digest_deadlines import (
    deadlines_due_soon,
    deadlines_overdue,
    provisional_deadlines,
    supervision_letters,
)
from notifications.digest_imports import import_problems
from notifications.letters import LETTER_KINDS
from notifications.render import channel_label
from processing.lifecycle import ACTIONS, status_label
from store.models import Case, CaseEvent, OutboxMessage, SourceHealth, Submission

TITLE_CHARS = 30
ERROR_CHARS = 80
# Outbox rows still retrying after this many attempts are shown with the failures.
SLOW_ATTEMPTS = 3
# An intake source with no success for this long is a problem even without an error.
STALE_SOURCE = dt.timedelta(hours=6)

OUTBOX_PROBLEM_LABELS = {"failed": "发送失败", "bounced": "被退信"}
EVENT_LABELS = {
    **ACTIONS,
    "unit_reply_unclear": "回复无法识别",
    "unit_reply_not_applied": "指令未执行",
    "unverified_reply": "未核实来信",
    "complainant_followup": "投诉举报者补充",
    "letter_bounced": "函件被退信",
    # Flagged by the workflow (issue 6).
    "appeal_needs_review": "异议待审查",
    "letter_not_sent": "函件未能发出",
    "decline": "承办单位退回",
    "request_extension": "延期申请待审批",
}


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@dataclass(frozen=True, slots=True)
class CaseRef:
    number: str
    names: tuple[str, ...]


def _case_refs(session: Session, ids: Iterable[int | None]) -> dict[int, CaseRef]:
    """Number and complainant of each case, for rows about events or letters of those cases."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Case.id, Case.number, Case.complainant_name).where(Case.id.in_(wanted))
    )
    return {case_id: CaseRef(number, (name,)) for case_id, number, name in rows}


NO_CASE = CaseRef("", ())


def new_cases(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Cases opened since the previous digest, counted by channel."""
    cases = session.scalars(
        select(Case)
        .where(Case.created_at > ctx.window.start, Case.created_at <= ctx.window.end)
        .order_by(Case.id)
    ).all()
    by_channel = Counter(channel_label(c.channel) for c in cases)
    summary = f"共 {len(cases)} 件：" + "、".join(f"{k} {n} 件" for k, n in by_channel.items())
    return DigestSection(
        key="new_cases",
        title="新收案件",
        columns=("案件编号", "渠道", "标题", "状态", "承办单位"),
        rows=tuple(
            DigestRow(
                c.number,
                (
                    c.number,
                    channel_label(c.channel),
                    c.title,
                    status_label(c.status),
                    ctx.unit_name(c.unit_code) if c.unit_code else "—",
                ),
                (c.complainant_name,),
            )
            for c in cases
        ),
        summary=summary,
        limits=(0, 0, TITLE_CHARS),
    )


def triage_queue(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Cases waiting for a clerk to choose the handling unit, oldest first."""
    cases = session.scalars(select(Case).where(Case.status == "triage").order_by(Case.id)).all()
    return DigestSection(
        key="triage",
        title="待人工分办",
        columns=("案件编号", "收件时间", "标题", "系统建议", "置信度"),
        rows=tuple(
            DigestRow(
                c.number,
                (
                    c.number,
                    format_local(c.received_at),
                    c.title,
                    ctx.unit_name(c.unit_code),
                    "—" if c.route_confidence is None else f"{c.route_confidence:.2f}",
                ),
                (c.complainant_name,),
            )
            for c in cases
        ),
        summary=f"共 {len(cases)} 件，请使用 cases show 查看分办依据后分办。",
        limits=(0, 0, TITLE_CHARS),
    )


def _screening_reasons(case: Case) -> str:
    hits = (case.screening_detail or {}).get("hits", [])
    return "；".join(f"{h.get('article', '')} {h.get('label', '')}".strip() for h in hits) or "—"


def screening_review(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Art. 9: proposals not to accept, waiting for a clerk's confirmation."""
    cases = session.scalars(
        select(Case).where(Case.status == "screening_review").order_by(Case.id)
    ).all()
    return DigestSection(
        key="screening_review",
        title="不予受理待确认",
        columns=("案件编号", "收件时间", "标题", "初审意见"),
        rows=tuple(
            DigestRow(
                c.number,
                (c.number, format_local(c.received_at), c.title, _screening_reasons(c)),
                (c.complainant_name,),
            )
            for c in cases
        ),
        summary=f"共 {len(cases)} 件，系统仅提出建议，须由工作人员确认。",
        limits=(0, 0, TITLE_CHARS),
    )


def _window_events(session: Session, ctx: DigestContext) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.at > ctx.window.start, CaseEvent.at <= ctx.window.end)
            .order_by(CaseEvent.id)
        )
    )


def needs_staff(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Events since the previous digest that asked for a person (``data.needs_staff``)."""
    events = [e for e in _window_events(session, ctx) if (e.data or {}).get("needs_staff")]
    refs = _case_refs(session, (e.case_id for e in events))
    return DigestSection(
        key="needs_staff",
        title="需要工作人员处理",
        columns=("案件编号", "时间", "事项", "说明"),
        rows=tuple(
            DigestRow(
                refs.get(e.case_id, NO_CASE).number,
                (
                    refs.get(e.case_id, NO_CASE).number,
                    format_local(e.at),
                    EVENT_LABELS.get(e.kind, e.kind),
                    e.note or "",
                ),
                refs.get(e.case_id, NO_CASE).names,
            )
            for e in events
        ),
        limits=(0, 0, 0, ERROR_CHARS),
    )


def unit_replies(session: Session, ctx: DigestContext) -> DigestSection | None:
    """What handling units did by email since the previous digest (签收, 办结 …)."""
    events = [e for e in _window_events(session, ctx) if e.actor.startswith("unit:")]
    refs = _case_refs(session, (e.case_id for e in events))
    return DigestSection(
        key="unit_replies",
        title="承办单位回复",
        columns=("案件编号", "时间", "承办单位", "事项"),
        rows=tuple(
            DigestRow(
                refs.get(e.case_id, NO_CASE).number,
                (
                    refs.get(e.case_id, NO_CASE).number,
                    format_local(e.at),
                    ctx.unit_name(e.actor.removeprefix("unit:")),
                    EVENT_LABELS.get(e.kind, e.kind),
                ),
            )
            for e in events
        ),
    )


def outbox_problems(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Letters that failed for good, or keep failing: a unit or citizen may be waiting."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_(("failed", "bounced"))
            | ((OutboxMessage.status == "pending") & (OutboxMessage.attempts >= SLOW_ATTEMPTS))
        )
        .order_by(OutboxMessage.id)
    ).all()
    refs = _case_refs(session, (r.case_id for r in rows))
    return DigestSection(
        key="outbox_problems",
        title="发信失败、退信或多次重试",
        columns=("案件编号", "函件", "收件人", "状态", "原因"),
        rows=tuple(
            DigestRow(
                refs.get(r.case_id or 0, NO_CASE).number,
                (
                    refs.get(r.case_id or 0, NO_CASE).number or "—",
                    LETTER_KINDS.get(r.kind, (r.kind, ""))[0],
                    r.recipient,
                    OUTBOX_PROBLEM_LABELS.get(r.status, f"重试中（已试 {r.attempts} 次）"),
                    r.last_error or "",
                ),
                refs.get(r.case_id or 0, NO_CASE).names,
            )
            for r in rows
        ),
        summary="处理后可用 outbox retry 编号 重新发送，或 outbox cancel 编号 取消。",
        limits=(0, 0, 0, 0, ERROR_CHARS),
    )


def bounces(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Bounce messages received since the previous digest: an address may be wrong."""
    items = session.scalars(
        select(Submission)
        .where(
            Submission.kind == "bounce",
            Submission.received_at > ctx.window.start,
            Submission.received_at <= ctx.window.end,
        )
        .order_by(Submission.id)
    ).all()
    return DigestSection(
        key="bounces",
        title="退信",
        columns=("来件", "收到时间", "说明"),
        rows=tuple(
            DigestRow("", (str(s.id), format_local(s.received_at), s.kind_reason or ""))
            for s in items
        ),
        limits=(0, 0, ERROR_CHARS),
    )


def quarantined(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Submissions that could not be processed (mail, hotline rows): they wait for a person."""
    items = session.scalars(
        select(Submission).where(Submission.status == "quarantined").order_by(Submission.id)
    ).all()
    return DigestSection(
        key="quarantined",
        title="隔离待查的来件",
        columns=("来件", "渠道", "收到时间", "原因"),
        rows=tuple(
            DigestRow(
                "",
                (
                    str(s.id),
                    channel_label(s.channel),
                    format_local(s.received_at),
                    _last_line(s.error),
                ),
            )
            for s in items
        ),
        summary=f"共 {len(items)} 件，原件已存档，未丢失。",
        limits=(0, 0, 0, ERROR_CHARS),
    )


def _source_problem(health: SourceHealth, now: dt.datetime) -> bool:
    stale = health.last_success_at is None or now - health.last_success_at > STALE_SOURCE
    return bool(health.consecutive_failures) or stale


def intake_health(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Each intake source: last successful poll, items then, errors in a row."""
    sources = session.scalars(select(SourceHealth).order_by(SourceHealth.source)).all()
    problem = any(_source_problem(h, ctx.window.end) for h in sources)
    return DigestSection(
        key="intake_health",
        title="收件运行情况",
        columns=("来源", "最近一次成功", "该次收件", "连续失败", "最近错误"),
        rows=tuple(
            DigestRow(
                "",
                (
                    h.source,
                    format_local(h.last_success_at),
                    str(h.last_count),
                    str(h.consecutive_failures),
                    h.last_error or "—",
                ),
            )
            for h in sources
        ),
        summary="有来源收件异常，请检查。" if problem else "各来源收件正常。",
        actionable=problem,
        limits=(0, 0, 0, 0, ERROR_CHARS),
    )


def calendar_warnings_section(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Art. 26: the holiday schedule must be entered before the known calendar runs out."""
    today = to_local(ctx.window.end).date()
    warnings = calendar_warnings(ctx.calendar, today)
    return DigestSection(
        key="calendar",
        title="节假日安排提醒",
        columns=("年度", "说明"),
        rows=tuple(DigestRow("", (str(w.year), w.message)) for w in warnings),
        summary="录入后请执行 python main.py calendar show 年度 核对。",
    )


# The order in which sections appear in the digest.
DIGEST_SECTIONS: tuple[SectionBuilder, ...] = (
    needs_staff,
    screening_review,
    triage_queue,
    outbox_problems,
    quarantined,
    import_problems,
    bounces,
    deadlines_overdue,
    deadlines_due_soon,
    calendar_warnings_section,
    provisional_deadlines,
    new_cases,
    unit_replies,
    supervision_letters,
    intake_health,
)
