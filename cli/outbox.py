"""Staff commands on the outbox: list letters, send a failed one again, cancel one.

Each retry or cancellation is recorded on the letter's case as an event naming the operating-
system user and the reason. Recipients of letters to complainants are masked (Art. 17).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli.common import (
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    console,
    current_staff,
    fail,
    make_service,
    print_json,
    print_table,
)
from core.clock import format_local
from core.masking import mask_email, mask_personal_data
from notifications.letters import LETTER_KINDS
from notifications.outbox import load_throttle
from processing.lifecycle import record_event
from store.db import transaction
from store.models import Case, OutboxMessage

STATUS_LABELS = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
    "bounced": "被退信",
    "cancelled": "已取消",
}
RETRYABLE = ("failed", "pending", "bounced")
CANCELLABLE = ("pending", "failed")


def kind_label(kind: str) -> str:
    return LETTER_KINDS.get(kind, (kind, ""))[0]


def shown_recipient(row: OutboxMessage) -> str:
    audience = LETTER_KINDS.get(row.kind, ("", ""))[1]
    return mask_email(row.recipient) if audience == "complainant" else row.recipient


def outbox_summary(row: OutboxMessage, number: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "kind": row.kind,
        "kind_label": kind_label(row.kind),
        "case": number,
        "recipient": shown_recipient(row),
        "subject": mask_personal_data(row.subject),
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat() if row.status == "pending" else None,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "last_error": mask_personal_data(row.last_error or ""),
        "message_id": row.message_id,
    }


def _numbers(session: Session, rows: Sequence[OutboxMessage]) -> dict[int, str]:
    ids = {r.case_id for r in rows if r.case_id}
    if not ids:
        return {}
    rows_ = session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))
    return {case_id: number for case_id, number in rows_}


@click.group("outbox")
def outbox_group() -> None:
    """查看和处理待发、失败的邮件。"""


@outbox_group.command("list")
@click.option("--status", type=click.Choice(sorted(STATUS_LABELS)), help="只列出某一状态的邮件")
@click.option("--case", "case_number", metavar="编号", help="只列出某一案件的邮件")
@click.option("--limit", type=int, default=100, show_default=True, help="最多列出多少封")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def list_outbox(
    ctx: click.Context, status: str | None, case_number: str | None, limit: int, as_json: bool
) -> None:
    """列出邮件（最新的在前）。"""
    service = make_service(ctx)
    with service.sessions() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(OutboxMessage.status == status)
        if case_number:
            stmt = stmt.join(Case, Case.id == OutboxMessage.case_id).where(
                Case.number == case_number.strip().upper()
            )
        rows = session.scalars(stmt).all()
        numbers = _numbers(session, rows)
        items = [outbox_summary(r, numbers.get(r.case_id or 0, "")) for r in rows]
        throttle = load_throttle(session, service.from_address)
    until = throttle.paused_until
    paused_until = until if until is not None and until > service.clock.now() else None
    if as_json:
        print_json(
            {
                "paused_until": paused_until.isoformat() if paused_until else None,
                "messages": items,
            }
        )
        return
    if paused_until is not None:
        console.print(
            f"提示：邮件服务器要求放慢发送，发信暂停至 {format_local(paused_until)}"
            f"（{throttle.last_reply[:60]}）"
        )
    if not items:
        console.print("没有符合条件的邮件。")
        return
    print_table(
        f"邮件列表（共 {len(items)} 封）",
        ["序号", "状态", "函件", "案件编号", "收件人", "尝试", "时间", "最近错误"],
        [_row(i, r) for i, r in zip(items, rows, strict=True)],
    )


def _row(item: dict[str, Any], row: OutboxMessage) -> list[str]:
    when = row.sent_at if row.sent_at else row.next_attempt_at
    return [
        str(item["id"]),
        item["status_label"],
        item["kind_label"],
        item["case"] or "—",
        item["recipient"],
        str(item["attempts"]),
        format_local(when),
        item["last_error"][:60],
    ]


def _load(session: Session, ids: Sequence[int]) -> list[OutboxMessage]:
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))))
    missing = sorted(set(ids) - {r.id for r in rows})
    if missing:
        fail(f"没有序号为 {'、'.join(map(str, missing))} 的邮件", EXIT_NOT_FOUND)
    return sorted(rows, key=lambda r: r.id)


def _audit(session: Session, row: OutboxMessage, kind: str, note: str, at: Any) -> None:
    case = session.get(Case, row.case_id) if row.case_id else None
    if case is not None:
        record_event(
            session,
            case,
            kind=kind,
            actor=f"staff:{current_staff()}",
            at=at,
            data={"outbox_id": row.id, "letter_kind": row.kind, "recipient": row.recipient},
            note=note,
        )


@outbox_group.command("retry")
@click.argument("ids", type=int, nargs=-1)
@click.option("--all-failed", is_flag=True, help="重新发送所有发送失败的邮件")
@click.pass_context
def retry_outbox(ctx: click.Context, ids: tuple[int, ...], all_failed: bool) -> None:
    """立即重新发送指定序号的邮件（发送失败、被退信或等待重试的），重试次数从零计。"""
    if not ids and not all_failed:
        raise click.UsageError("请给出邮件序号，或使用 --all-failed")
    service = make_service(ctx)
    now = service.clock.now()
    with transaction(service.sessions) as session:
        if all_failed:
            ids = (
                *ids,
                *session.scalars(
                    select(OutboxMessage.id).where(
                        OutboxMessage.status == "failed", OutboxMessage.raw != b""
                    )
                ),
            )
        rows = _load(session, ids) if ids else []
        refused = [r for r in rows if r.status not in RETRYABLE or not r.raw]
        if refused:
            labels = "、".join(
                f"{r.id}（{STATUS_LABELS.get(r.status, r.status)}）" for r in refused
            )
            fail(f"以下邮件不能重新发送（已发出、已取消或收件地址有误）：{labels}", EXIT_REFUSED)
        for row in rows:
            row.status, row.attempts, row.next_attempt_at = "pending", 0, now
            _audit(session, row, "outbox_retry", f"重新发送{kind_label(row.kind)}", now)
    console.print(f"已安排重新发送 {len(rows)} 封邮件，将在下一次发信时发出。")


@outbox_group.command("cancel")
@click.argument("ids", type=int, nargs=-1, required=True)
@click.option("--reason", required=True, help="取消的原因（记入案件）")
@click.pass_context
def cancel_outbox(ctx: click.Context, ids: tuple[int, ...], reason: str) -> None:
    """取消尚未发出的邮件（待发送或发送失败的）。"""
    if not reason.strip():
        raise click.UsageError("请用 --reason 写明取消的原因")
    service = make_service(ctx)
    now = service.clock.now()
    with transaction(service.sessions) as session:
        rows = _load(session, ids)
        refused = [r for r in rows if r.status not in CANCELLABLE]
        if refused:
            labels = "、".join(
                f"{r.id}（{STATUS_LABELS.get(r.status, r.status)}）" for r in refused
            )
            fail(f"以下邮件已发出或正在发送，不能取消：{labels}", EXIT_REFUSED)
        for row in rows:
            row.status = "cancelled"
            row.last_error = f"已取消：{reason.strip()}"
            _audit(session, row, "outbox_cancel", f"取消{kind_label(row.kind)}：{reason}", now)
    console.print(f"已取消 {len(rows)} 封邮件。")
