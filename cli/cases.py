"""Staff commands on cases: list and show, in Chinese, with --json for scripts.

Personal data and the complainant's name are masked everywhere (title, body, notes, letters)
unless ``--reveal`` is given; each reveal is recorded on the case as an event naming the clerk
(Art. 17: an audit trail of who saw what).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.common import (
    EXIT_NOT_FOUND,
    audit_personal_data_view,
    console,
    fail,
    make_service,
    print_json,
    print_table,
)
from cli.outbox import shown_recipient
from config.units import UnitRegistry
from core.clock import format_local
from core.masking import mask_email, mask_id_number, mask_name, mask_phone, mask_text
from notifications.letters import CHANNEL_LABELS
from processing.categorise import CATEGORIES
from processing.deadlines import KIND_LABELS
from processing.lifecycle import ACTIONS, STATES, status_label
from store.db import transaction
from store.models import (
    Case,
    CaseEvent,
    CreditDecision,
    Deadline,
    OutboxMessage,
    Submission,
    SupervisionStep,
)

EVENT_LABELS = {
    "received": "收件立案",
    "accept": "受理",
    "propose_rejection": "建议不予受理",
    "reject": "不予受理",
    "categorised": "确定类别",
    "routed": "分办",
    "send_to_triage": "转人工分办",
    "staff_routed": "人工分办",
    "transfer": "转办",
    "close_with_result": "承办单位办结",
    "unit_reply_unclear": "承办单位回复无法识别",
    "unit_reply_not_applied": "承办单位指令未执行",
    "complainant_followup": "投诉举报者补充",
    "unverified_reply": "未核实来信",
    "letter_bounced": "函件被退信",
    "letter_delayed": "函件延迟投递",
    "personal_data_viewed": "查看个人信息",
    # The workflow (processing.lifecycle.ACTIONS) and what it records besides transitions.
    **{k: v for k, v in ACTIONS.items() if k not in ("accept", "reject", "transfer")},
    "acknowledge": "承办单位签收",
    "decline": "承办单位退回",
    "report_result": "承办单位报送办理结果",
    "deadline_recomputed": "期限重新计算",
    "deadline_notice": "到期提醒",
    "letter_not_sent": "函件未能发出",
    "appeal_needs_review": "异议待审查",
    "feedback_updated": "评价更新",
    "feedback_channel": "评价获得方式",
}
DEADLINE_STATUS = {"open": "未完成", "met": "已完成", "void": "已失效"}
OUTBOX_LABELS = {
    "pending": "待发送",
    "sent": "已发送",
    "failed": "发送失败",
    "cancelled": "已取消",
    "bounced": "被退信",
}


def _unit_name(registry: UnitRegistry, code: str | None) -> str:
    unit = registry.find(code)
    return unit.name if unit else (code or "")


Shown = Callable[[str | None], str]


def shown_text(case: Case, *, reveal: bool) -> Shown:
    """How text about ``case`` is shown: as stored with ``--reveal``, else with personal data and
    the complainant's name masked (Art. 17). One function for the table and the JSON."""
    if reveal:
        return lambda text: text or ""
    names = [case.complainant_name]
    return lambda text: mask_text(text, names)


def _shown_tree(value: Any, shown: Shown) -> Any:
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_shown_tree(item, shown) for item in value]
    if isinstance(value, dict):
        return {key: _shown_tree(item, shown) for key, item in value.items()}
    return value


def case_summary(case: Case, registry: UnitRegistry, *, reveal: bool = False) -> dict[str, Any]:
    return {
        "number": case.number,
        "status": case.status,
        "status_label": status_label(case.status),
        "unit": case.unit_code,
        "unit_name": _unit_name(registry, case.unit_code),
        "channel": case.channel,
        "received_at": case.received_at.isoformat(),
        "title": shown_text(case, reveal=reveal)(case.title),
        "category": case.category,
        "updated_at": case.updated_at.isoformat(),
    }


def _complainant(case: Case, *, reveal: bool) -> dict[str, str]:
    if reveal:
        return {
            "name": case.complainant_name,
            "email": case.complainant_email,
            "phone": case.complainant_phone,
            "id_number": case.complainant_id_number,
        }
    return {
        "name": mask_name(case.complainant_name),
        "email": mask_email(case.complainant_email),
        "phone": mask_phone(case.complainant_phone),
        "id_number": mask_id_number(case.complainant_id_number),
    }


def _events(session: Session, case: Case, shown: Shown) -> list[dict[str, Any]]:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return [
        {
            "at": e.at.isoformat(),
            "actor": shown(e.actor),  # "unknown:<sender address>" for an unverified reply
            "kind": e.kind,
            "from": e.from_status,
            "to": e.to_status,
            "submission_id": e.submission_id,
            "note": shown(e.note),
        }
        for e in events
    ]


def _letters(session: Session, case: Case, shown: Shown, *, reveal: bool) -> list[dict[str, Any]]:
    letters = session.scalars(
        select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id)
    )
    return [
        {
            "kind": m.kind,
            "recipient": m.recipient if reveal else shown_recipient(m),
            "subject": shown(m.subject),
            "status": m.status,
            "message_id": m.message_id,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "last_error": shown(m.last_error),
        }
        for m in letters
    ]


def case_detail(
    session: Session, case: Case, registry: UnitRegistry, *, reveal: bool
) -> dict[str, Any]:
    shown = shown_text(case, reveal=reveal)
    return {
        **case_summary(case, registry, reveal=reveal),
        "body": shown(case.body),
        "complainant": _complainant(case, reveal=reveal),
        "respondent": case.respondent,
        "credit_office": case.credit_office_code,
        "screening": case.screening,
        "route_confidence": case.route_confidence,
        "route_reasons": [shown(r) for r in (case.route_detail or {}).get("reasons", [])],
        "result_text": shown(case.result_text),
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "events": _events(session, case, shown),
        "satisfaction": case.satisfaction,
        "deadlines": _deadlines(session, case),
        "supervision": _shown_tree(_supervision(session, case), shown),
        "credit": _shown_tree(_credit(session, case), shown),
        "letters": _letters(session, case, shown, reveal=reveal),
    }


def _deadlines(session: Session, case: Case) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.id)
    )
    return [
        {
            "stage": d.stage,
            "kind": d.kind,
            "label": KIND_LABELS.get(d.kind, d.kind),
            "due_on": d.due_on.isoformat(),
            "provisional": d.provisional,
            "status": d.status,
            "rule": d.rule,
            "settled_note": d.settled_note,
        }
        for d in rows
    ]


def _supervision(session: Session, case: Case) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SupervisionStep)
        .where(SupervisionStep.case_id == case.id)
        .order_by(SupervisionStep.id)
    )
    return [
        {
            "stage": s.stage,
            "kind": s.kind,
            "article_item": s.article_item,
            "unit": s.unit_code,
            "due_on": s.due_on.isoformat() if s.due_on else None,
            "new_due_on": s.new_due_on.isoformat() if s.new_due_on else None,
            "reason": s.reason,
            "actor": s.actor,
            "at": s.created_at.isoformat(),
        }
        for s in rows
    ]


def _credit(session: Session, case: Case) -> dict[str, Any] | None:
    decision = session.scalars(
        select(CreditDecision)
        .where(CreditDecision.case_id == case.id)
        .order_by(CreditDecision.id.desc())
    ).first()
    if decision is None:
        return None
    return {
        "dishonesty_confirmed": decision.dishonesty_confirmed,
        "corrected": decision.corrected,
        "counts_as_record": decision.counts_as_record,
        "reason": decision.reason,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at.isoformat(),
        "evidence": decision.evidence,
    }


@click.group("cases")
def cases_group() -> None:
    """查询案件。"""


@cases_group.command("list")
@click.option("--status", type=click.Choice(sorted(STATES)), help="只列出某一状态的案件")
@click.option("--limit", type=int, default=200, show_default=True, help="最多列出多少件")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def list_cases(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """列出案件（最新的在前）。"""
    service = make_service(ctx)
    with service.sessions() as session:
        stmt = select(Case).order_by(Case.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(Case.status == status)
        summaries = [case_summary(c, service.registry) for c in session.scalars(stmt)]
    if as_json:
        print_json(summaries)
        return
    if not summaries:
        console.print("暂无案件。")
        return
    rows = [
        [
            s["number"],
            s["status_label"],
            s["unit_name"],
            CHANNEL_LABELS.get(s["channel"], s["channel"]),
            format_local(_parse(s["received_at"])),
            s["title"],
        ]
        for s in summaries
    ]
    print_table(
        f"案件列表（共 {len(rows)} 件）",
        ["案件编号", "状态", "承办单位", "渠道", "收件时间", "标题"],
        rows,
    )


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@cases_group.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.option("--reveal", is_flag=True, help="显示未遮蔽的个人信息（将记录查看人）")
@click.pass_context
def show_case(ctx: click.Context, number: str, as_json: bool, reveal: bool) -> None:
    """显示一件案件的详情与处理经过。"""
    service = make_service(ctx)
    with transaction(service.sessions) as session:
        case = session.scalars(
            select(Case).where(Case.number == number.strip().upper())
        ).one_or_none()
        if case is None:
            fail(f"没有编号为 {number} 的案件", EXIT_NOT_FOUND)
        if reveal:
            audit_personal_data_view(
                session, case, service.clock.now(), refusal="不能查看未遮蔽的个人信息"
            )
        detail = case_detail(session, case, service.registry, reveal=reveal)
        sources = session.scalars(select(Submission).where(Submission.case_id == case.id)).all()
        detail["submissions"] = [
            {"id": s.id, "kind": s.kind, "sha256": s.sha256, "archive_path": s.archive_path}
            for s in sources
        ]
    if as_json:
        print_json(detail)
        return
    _print_detail(detail)


def _confidence(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _print_detail(d: dict[str, Any]) -> None:
    c = d["complainant"]
    lines = [
        f"案件编号：{d['number']}",
        f"状　　态：{d['status_label']}",
        f"渠　　道：{CHANNEL_LABELS.get(d['channel'], d['channel'])}",
        f"收件时间：{format_local(_parse(d['received_at']))}",
        f"标　　题：{d['title']}",
        f"类　　别：{CATEGORIES.get(d['category'] or '', '未定')}",
        f"承办单位：{d['unit_name'] or '未定'}（置信度 {_confidence(d['route_confidence'])}）",
        f"投诉举报者：{c['name'] or '未署名'}　{c['phone']}　{c['email']}",
    ]
    if d["route_reasons"]:
        lines.append("分办依据：" + "；".join(d["route_reasons"][:6]))
    lines += ["", "来件内容：", d["body"] or "（无）"]
    if d["result_text"]:
        lines += ["", "办理结果：", d["result_text"]]
    lines += ["", "处理经过："]
    for e in d["events"]:
        label = EVENT_LABELS.get(e["kind"], e["kind"])
        note = f"　{e['note'].splitlines()[0][:60]}" if e["note"] else ""
        lines.append(f"  {format_local(_parse(e['at']))}  {label}（{e['actor']}）{note}")
    lines += _deadline_lines(d)
    if d["letters"]:
        lines += ["", "往来函件："]
        for m in d["letters"]:
            lines.append(
                f"  {OUTBOX_LABELS.get(m['status'], m['status'])}  "
                f"{m['subject']} → {m['recipient']}"
            )
    console.print("\n".join(lines))


def _deadline_lines(d: dict[str, Any]) -> list[str]:
    lines = []
    if d["deadlines"]:
        lines += ["", "办理期限："]
        for x in d["deadlines"]:
            mark = "（暂定）" if x["provisional"] else ""
            state = DEADLINE_STATUS.get(x["status"], x["status"])
            lines.append(f"  {x['label']}：{x['due_on']}{mark}　{state}　{x['rule']}")
    if d["supervision"]:
        lines += ["", "提醒与督办："]
        for x in d["supervision"]:
            what = "到期提醒"
            if x["kind"] != "notice":
                what = f"提醒督办函（第二十一条第{x['article_item']}项）"
            lines.append(f"  {format_local(_parse(x['at']))}  {what}　{x['reason']}")
    if d["credit"]:
        verdict = "形成失信记录" if d["credit"]["counts_as_record"] else "不形成失信记录"
        lines += ["", f"失信认定（第二十四条）：{verdict}。{d['credit']['reason']}"]
    return lines
