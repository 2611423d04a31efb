"""``status``: is intake healthy? Sources, last success, errors, counts, quarantine size.

For staff at the terminal (Chinese tables) and for monitoring (``--json``; ``--check`` exits 1
when a source is failing or submissions wait in quarantine).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cli.common import console, make_service, print_json, print_table
from core.clock import format_local, to_local
from core.masking import mask_personal_data
from daemon.jobs import KIND_LABELS
from store.models import MailboxState, OutboxMessage, SourceHealth, Submission

STATUS_LABELS = {
    "pending": "待处理",
    "processed": "已处理",
    "discarded": "已弃置（有记录）",
    "quarantined": "隔离待查",
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _sources(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "source": h.source,
            "healthy": not h.consecutive_failures,
            "last_attempt_at": _iso(h.last_attempt_at),
            "last_success_at": _iso(h.last_success_at),
            "consecutive_failures": h.consecutive_failures,
            "last_error": mask_personal_data(h.last_error or ""),
            "last_count": h.last_count,
        }
        for h in session.scalars(select(SourceHealth).order_by(SourceHealth.source))
    ]


def _mailboxes(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "account": m.account,
            "folder": m.folder,
            "uidvalidity": m.uidvalidity,
            "last_uid": m.last_uid,
            "resync_until_uid": m.resync_until_uid,
            "updated_at": _iso(m.updated_at),
        }
        for m in session.scalars(select(MailboxState).order_by(MailboxState.id))
    ]


def _counts(session: Session, column: Any, since: dt.datetime | None = None) -> dict[str, int]:
    stmt = select(column, func.count(Submission.id)).group_by(column)
    if since is not None:
        stmt = stmt.where(Submission.received_at >= since)
    return {str(key or "未分类"): int(n) for key, n in session.execute(stmt)}


def _outbox(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    )
    return {str(status): int(n) for status, n in rows}


def gather_status(session: Session, now: dt.datetime) -> dict[str, Any]:
    local_midnight = to_local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    by_status = _counts(session, Submission.status)
    return {
        "now": now.isoformat(),
        "sources": _sources(session),
        "mailboxes": _mailboxes(session),
        "submissions": by_status,
        "today_by_kind": _counts(session, Submission.kind, local_midnight.astimezone(dt.UTC)),
        "pending": by_status.get("pending", 0),
        "quarantined": by_status.get("quarantined", 0),
        "outbox": _outbox(session),
    }


def healthy(report: dict[str, Any]) -> bool:
    return all(s["healthy"] for s in report["sources"]) and not report["quarantined"]


def _print(report: dict[str, Any]) -> None:
    if not report["sources"]:
        console.print("尚未收取过邮件（没有收件记录）。")
    else:
        print_table(
            "收件来源",
            ["来源", "状态", "最近尝试", "最近成功", "连续失败", "最近收取", "最近错误"],
            [
                [
                    s["source"],
                    "正常" if s["healthy"] else "故障",
                    format_local(_parse(s["last_attempt_at"])),
                    format_local(_parse(s["last_success_at"])),
                    str(s["consecutive_failures"]),
                    f"{s['last_count']} 封",
                    s["last_error"][:80],
                ]
                for s in report["sources"]
            ],
        )
    for m in report["mailboxes"]:
        resync = f"，重新同步至 UID {m['resync_until_uid']}" if m["resync_until_uid"] else ""
        console.print(
            f"邮箱 {m['account']} / {m['folder']}：已收至 UID {m['last_uid']}"
            f"（UIDVALIDITY {m['uidvalidity']}{resync}）"
        )
    statuses = "，".join(
        f"{STATUS_LABELS.get(k, k)} {n} 件" for k, n in sorted(report["submissions"].items())
    )
    console.print(f"来件合计：{statuses or '无'}")
    today = "，".join(
        f"{KIND_LABELS.get(k, k)} {n} 件" for k, n in sorted(report["today_by_kind"].items())
    )
    console.print(f"今日来件：{today or '无'}")
    console.print(f"隔离待查：{report['quarantined']} 件；待处理：{report['pending']} 件")
    if report["quarantined"]:
        console.print("（用 python main.py quarantine list 查看隔离原因）")


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.option(
    "--check", is_flag=True, help="有收件来源故障或有隔离来件时以返回码 1 退出（供监控使用）"
)
@click.pass_context
def status_command(ctx: click.Context, as_json: bool, check: bool) -> None:
    """查看收件状态：各来源最近成功与错误、来件统计、隔离数量。"""
    service = make_service(ctx, show_warnings=True)
    with service.sessions() as session:
        report = gather_status(session, service.clock.now())
    report["healthy"] = healthy(report)
    if as_json:
        print_json(report)
    else:
        _print(report)
    if check and not report["healthy"]:
        ctx.exit(1)
