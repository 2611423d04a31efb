"""Digest sections for deadlines and supervision (Art. 20, 21, 26): what falls due within two
working days, what is overdue, which notices and 提醒督办函 went out, and provisional dates."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.clock import format_local, to_local
from notifications.digest import DigestContext, DigestRow, DigestSection
from processing.deadline_report import (
    DeadlineLine,
    due_soon,
    overdue,
    provisional,
    supervision_sent,
)
from processing.lifecycle import status_label

DUE_SOON_WORKING_DAYS = 2
COLUMNS = ("案件编号", "期限", "到期日", "承办单位", "案件状态")


def _row(ctx: DigestContext, line: DeadlineLine, *, late: bool = False) -> DigestRow:
    due = line.due_on.isoformat() + ("（暂定）" if line.provisional else "")
    if late:
        due += f"，已逾期 {line.days_late} 天"
    return DigestRow(
        line.number,
        (line.number, line.label, due, ctx.unit_name(line.unit_code), status_label(line.status)),
    )


def deadlines_due_soon(session: Session, ctx: DigestContext) -> DigestSection | None:
    today = to_local(ctx.window.end).date()
    lines = due_soon(session, today, ctx.calendar, working_days=DUE_SOON_WORKING_DAYS)
    return DigestSection(
        key="deadlines_due",
        title=f"{DUE_SOON_WORKING_DAYS} 个工作日内到期",
        columns=COLUMNS,
        rows=tuple(_row(ctx, line) for line in lines),
        summary=f"共 {len(lines)} 项；到期前一个工作日系统自动向承办单位发送提醒。",
    )


def deadlines_overdue(session: Session, ctx: DigestContext) -> DigestSection | None:
    today = to_local(ctx.window.end).date()
    lines = overdue(session, today)
    return DigestSection(
        key="deadlines_overdue",
        title="已逾期",
        columns=COLUMNS,
        rows=tuple(_row(ctx, line, late=True) for line in lines),
        summary=(
            f"共 {len(lines)} 项；签收、报送结果逾期的，"
            "次一工作日自动发出提醒督办函（第二十一条）。"
        ),
    )


def _letter_label(kind: str, item: str | None) -> str:
    return "到期提醒" if kind == "notice" else f"提醒督办函（第二十一条第{item}项）"


def supervision_letters(session: Session, ctx: DigestContext) -> DigestSection | None:
    lines = supervision_sent(session, ctx.window.start, ctx.window.end)
    rows = tuple(
        DigestRow(
            s.number,
            (
                s.number,
                _letter_label(s.kind, s.article_item),
                ctx.unit_name(s.unit_code),
                format_local(s.at),
                "系统" if s.actor == "system" else s.actor.removeprefix("staff:"),
            ),
        )
        for s in lines
    )
    return DigestSection(
        key="supervision",
        title="已发出的提醒和督办函",
        columns=("案件编号", "函件", "承办单位", "时间", "发出人"),
        rows=rows,
        summary=f"共 {len(rows)} 件。",
        actionable=False,
    )


def provisional_deadlines(session: Session, ctx: DigestContext) -> DigestSection | None:
    today = to_local(ctx.window.end).date()
    lines = provisional(session, today)
    return DigestSection(
        key="deadlines_provisional",
        title="暂定期限",
        columns=COLUMNS,
        rows=tuple(_row(ctx, line) for line in lines),
        summary=(
            f"共 {len(lines)} 项期限所在年度的放假安排尚未录入，暂按周末及法定节日推算；"
            "录入工作日调整文件后自动重新计算。"
        ),
    )
