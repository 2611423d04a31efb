"""``deadlines list`` (what falls due, what is overdue, what is provisional) and ``credit list``
(Art. 24 decisions, for the credit platform), in Chinese with ``--json`` for scripts."""

from __future__ import annotations

import dataclasses
from typing import Any

import click
from sqlalchemy import select

from cli.common import console, make_service, print_json, print_table
from core.clock import to_local
from processing.deadline_report import DeadlineLine, all_open, due_soon, overdue, provisional
from processing.feedback import SATISFACTION_LABELS
from processing.lifecycle import status_label
from store.models import Case, CreditDecision


def _unit(registry: Any, code: str | None) -> str:
    unit = registry.find(code)
    return unit.name if unit else (code or "—")


@click.group("deadlines")
def deadlines_group() -> None:
    """办理期限（第十三条、第十四条、第十八条、第二十六条）。"""


@deadlines_group.command("list")
@click.option("--overdue", "only_overdue", is_flag=True, help="只列出已逾期的")
@click.option("--due-within", type=click.IntRange(0, 60), help="只列出若干个工作日内到期的")
@click.option("--provisional", "only_provisional", is_flag=True, help="只列出暂定的期限")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def list_deadlines(
    ctx: click.Context,
    only_overdue: bool,
    due_within: int | None,
    only_provisional: bool,
    as_json: bool,
) -> None:
    """列出尚未完成的期限（最早到期的在前）。"""
    service = make_service(ctx)
    today = to_local(service.clock.now()).date()
    with service.sessions() as session:
        if only_overdue:
            lines = overdue(session, today)
        elif due_within is not None:
            lines = due_soon(
                session, today, service.calendar_file.current(), working_days=due_within
            )
        elif only_provisional:
            lines = provisional(session, today)
        else:
            lines = all_open(session, today)
    if as_json:
        print_json([_as_json(line) for line in lines])
        return
    if not lines:
        console.print("没有符合条件的期限。")
        return
    rows = [
        [
            line.number,
            line.label,
            line.due_on.isoformat() + ("（暂定）" if line.provisional else ""),
            f"逾期 {line.days_late} 天" if line.days_late else "—",
            _unit(service.registry, line.unit_code),
            status_label(line.status),
        ]
        for line in lines
    ]
    print_table(
        f"期限（共 {len(rows)} 项）",
        ["案件编号", "期限", "到期日", "逾期", "承办单位", "案件状态"],
        rows,
    )


def _as_json(line: DeadlineLine) -> dict[str, Any]:
    data = dataclasses.asdict(line)
    data["due_on"] = line.due_on.isoformat()
    return data


@click.group("credit")
def credit_group() -> None:
    """失信记录认定（第二十四条）。"""


@credit_group.command("list")
@click.option("--records-only", is_flag=True, help="只列出形成失信记录的")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供报送信用平台的脚本使用）")
@click.pass_context
def list_credit(ctx: click.Context, records_only: bool, as_json: bool) -> None:
    """列出结案时的失信认定及其依据（新的在前）。"""
    service = make_service(ctx)
    with service.sessions() as session:
        stmt = (
            select(CreditDecision, Case.number)
            .join(Case, Case.id == CreditDecision.case_id)
            .order_by(CreditDecision.id.desc())
        )
        if records_only:
            stmt = stmt.where(CreditDecision.counts_as_record.is_(True))
        items: list[dict[str, Any]] = [
            {
                "number": number,
                "respondent": d.respondent,
                "unit": d.unit_code,
                "dishonesty_confirmed": d.dishonesty_confirmed,
                "corrected": d.corrected,
                "satisfaction": d.satisfaction,
                "counts_as_record": d.counts_as_record,
                "reason": d.reason,
                "evidence": d.evidence,
                "decided_by": d.decided_by,
                "decided_at": d.decided_at.isoformat(),
            }
            for d, number in session.execute(stmt)
        ]
    if as_json:
        print_json(items)
        return
    if not items:
        console.print("暂无失信认定。")
        return
    rows = [
        [
            i["number"],
            i["respondent"] or _unit(service.registry, i["unit"]),
            "是" if i["dishonesty_confirmed"] else "否",
            SATISFACTION_LABELS.get(i["satisfaction"] or "", "未评价"),
            "形成失信记录" if i["counts_as_record"] else "不形成",
            i["decided_at"][:10],
        ]
        for i in items
    ]
    print_table(
        f"失信认定（共 {len(rows)} 件）",
        ["案件编号", "被投诉举报单位", "认定失信", "投诉举报者评价", "结论", "认定日期"],
        rows,
    )
