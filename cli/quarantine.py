"""Staff commands on quarantined submissions: list them, look at one, process it again.

A submission is quarantined when it could not be processed (not a message, too large, an
unexpected error); its raw bytes stay in the archive (Art. 22). ``retry`` puts it back in the
queue — after the cause is fixed, or once staff decide an oversized message may be processed —
and processes it at once unless the running daemon will.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

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
from core.masking import mask_personal_data
from daemon.jobs import describe_counts
from daemon.leader import leader_lock_for
from daemon.service import Service
from notifications.letters import CHANNEL_LABELS
from processing.parse import UnparseableMail, parse_mail
from processing.pipeline import process_pending
from store.db import transaction
from store.models import Submission

MAX_PREVIEW = 2000


def reason_of(submission: Submission) -> str:
    """The last line of the recorded error: the reason in Chinese (after any traceback)."""
    lines = [line for line in (submission.error or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "原因未记录"


def quarantine_summary(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.id,
        "channel": submission.channel,
        "received_at": submission.received_at.isoformat(),
        "size": submission.size,
        "attempts": submission.attempts,
        "reason": mask_personal_data(reason_of(submission)),
        "message_id": submission.message_id,
    }


def _headers_preview(service: Service, submission: Submission) -> dict[str, str]:
    try:
        mail = parse_mail(service.archive.read(submission.archive_path))
    except (UnparseableMail, OSError) as error:
        return {"error": str(error)}
    except Exception as error:  # a message that breaks the parser is why it is here
        return {"error": f"{type(error).__name__}: {error}"}
    return {
        "from": mask_personal_data(mail.from_addr),
        "subject": mask_personal_data(mail.subject),
        "text": mask_personal_data(mail.text[:MAX_PREVIEW]),
    }


@click.group("quarantine")
def quarantine_group() -> None:
    """查看和重新处理隔离的来件。"""


@quarantine_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def list_quarantine(ctx: click.Context, as_json: bool) -> None:
    """列出隔离待查的来件（最新的在前）。"""
    service = make_service(ctx)
    with service.sessions() as session:
        rows = session.scalars(
            select(Submission)
            .where(Submission.status == "quarantined")
            .order_by(Submission.id.desc())
        ).all()
    items = [quarantine_summary(r) for r in rows]
    if as_json:
        print_json(items)
        return
    if not items:
        console.print("没有隔离的来件。")
        return
    print_table(
        f"隔离的来件（共 {len(items)} 件）",
        ["序号", "渠道", "收到时间", "大小", "处理次数", "原因"],
        [
            [
                str(i["id"]),
                CHANNEL_LABELS.get(i["channel"], i["channel"]),
                format_local(r.received_at),
                f"{r.size / 1024:.0f} KB",
                str(i["attempts"]),
                i["reason"],
            ]
            for i, r in zip(items, rows, strict=True)
        ],
    )


@quarantine_group.command("show")
@click.argument("submission_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def show_quarantine(ctx: click.Context, submission_id: int, as_json: bool) -> None:
    """查看一件隔离来件的原因、技术细节和内容摘要（个人信息已遮蔽）。"""
    service = make_service(ctx)
    with service.sessions() as session:
        submission = session.get(Submission, submission_id)
    if submission is None:
        fail(f"没有序号为 {submission_id} 的来件", EXIT_NOT_FOUND)
    detail = {
        **quarantine_summary(submission),
        "status": submission.status,
        "source_key": submission.source_key,
        "sha256": submission.sha256,
        "archive_path": str(service.archive.root / submission.archive_path),
        "error": mask_personal_data(submission.error or ""),
        "content": _headers_preview(service, submission),
    }
    if as_json:
        print_json(detail)
        return
    console.print(f"来件 {submission.id}（{submission.status}）")
    console.print(f"原因：{detail['reason']}")
    for label, key in (("来源", "source_key"), ("存档", "archive_path"), ("SHA-256", "sha256")):
        console.print(f"{label}：{detail[key]}")
    content = detail["content"]
    for label, key in (("发件人", "from"), ("主题", "subject"), ("无法读取", "error")):
        if content.get(key):
            console.print(f"{label}：{content[key]}")
    if content.get("text"):
        console.print("正文摘要：\n" + content["text"])
    console.print("技术细节：\n" + detail["error"])


def _requeue(service: Service, ids: list[int], operator: str) -> list[int]:
    """Put the quarantined ones among ``ids`` back in the queue; returns those that were."""
    now = service.clock.now()
    queued = []
    with transaction(service.sessions) as session:
        for submission in session.scalars(select(Submission).where(Submission.id.in_(ids))):
            if submission.status != "quarantined":
                continue
            submission.kind_reason = (
                f"{format_local(now)} 由 {operator} 重新处理（原隔离原因：{reason_of(submission)}）"
            )
            submission.status, submission.error = "pending", None
            queued.append(submission.id)
    return sorted(queued)


@quarantine_group.command("retry")
@click.argument("submission_ids", type=int, nargs=-1)
@click.option("--all", "retry_all", is_flag=True, help="重新处理全部隔离来件")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def retry_quarantine(
    ctx: click.Context, submission_ids: tuple[int, ...], retry_all: bool, as_json: bool
) -> None:
    """重新处理隔离的来件（查明原因、排除问题后使用）。"""
    service = make_service(ctx)
    if not submission_ids and not retry_all:
        fail("请指定来件序号，或使用 --all", EXIT_REFUSED)
    with service.sessions() as session:
        ids = list(submission_ids) or list(
            session.scalars(select(Submission.id).where(Submission.status == "quarantined"))
        )
        known = set(session.scalars(select(Submission.id).where(Submission.id.in_(ids))))
    unknown = sorted(set(ids) - known)
    if unknown:
        fail(f"没有序号为 {'、'.join(map(str, unknown))} 的来件", EXIT_NOT_FOUND)
    queued = _requeue(service, ids, current_staff())
    skipped = sorted(set(ids) - set(queued))
    result = _process_now(service, queued)
    if as_json:
        print_json({"queued": queued, "not_quarantined": skipped, **result})
        return
    if skipped:
        console.print(f"以下来件不在隔离状态，未处理：{'、'.join(map(str, skipped))}")
    if not queued:
        console.print("没有需要重新处理的来件。")
        return
    console.print(f"已重新排队 {len(queued)} 件：{'、'.join(map(str, queued))}")
    console.print(result["summary"])


def _process_now(service: Service, ids: list[int]) -> dict[str, Any]:
    if not ids:
        return {"processed_now": False, "counts": {}, "summary": ""}
    lock = leader_lock_for(service.engine, service.settings.path("var"))
    if not lock.try_acquire():  # the running daemon's processing job takes them next
        return {"processed_now": False, "counts": {}, "summary": "服务正在运行，将由其尽快处理。"}
    try:
        outcome = process_pending(service.sessions, service.processing, only=ids)
    finally:
        lock.release()
    counts = dict(outcome.counts)
    again = "；".join(outcome.quarantined)
    summary = f"处理结果：{describe_counts(outcome)}"
    if again:
        summary += f"\n仍无法处理，已再次隔离：{again}"
    return {"processed_now": True, "counts": counts, "summary": summary}
