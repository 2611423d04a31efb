"""``python main.py letter add``: a clerk enters a paper letter, interactively or from a small file.

The entry and its scans are archived and stored as a pending submission; when no other instance
is running the scheduled jobs, the case is opened at once and its number printed (otherwise the
running service opens it within one processing interval).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import click

from cli.common import console, current_staff, make_service, print_json
from core.clock import to_local
from daemon.leader import leader_lock_for
from daemon.service import Service
from ingest.letters import LetterError, add_letter, build_entry, read_letter_file
from processing.pipeline import process_pending
from store.models import Case, Submission

EXIT_INVALID = 7
END_MARKER = "."


def _read_text() -> str:
    console.print(f"信件内容（可多行，输入单独一行“{END_MARKER}”结束）：")
    lines: list[str] = []
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line.strip() == END_MARKER:
            break
        lines.append(line)
    return "\n".join(lines)


def _prompt_fields(scans: tuple[Path, ...]) -> dict[str, Any]:
    today = click.prompt("收信日期", default=to_local(dt.datetime.now(dt.UTC)).date().isoformat())
    return {
        "name": click.prompt("寄信人姓名（匿名信直接回车）", default="", show_default=False),
        "address": click.prompt("寄信人地址", default="", show_default=False),
        "phone": click.prompt("联系电话", default="", show_default=False),
        "received": today,
        "respondent": click.prompt("被投诉举报单位（信中写明的）", default="", show_default=False),
        "title": click.prompt("标题（可空）", default="", show_default=False),
        "text": _read_text(),
        "scans": [str(p) for p in scans],
    }


def _open_now(service: Service, submission_id: int) -> str | None:
    """Process pending submissions now if this instance may (leader lock); the case number."""
    lock = leader_lock_for(service.engine, service.settings.path("var"))
    if not lock.try_acquire():
        return None
    try:
        process_pending(service.sessions, service.processing, stop=threading.Event())
    finally:
        lock.release()
    with service.sessions() as session:
        submission = session.get(Submission, submission_id)
        case = session.get(Case, submission.case_id) if submission and submission.case_id else None
        return case.number if case else None


@click.group("letter")
def letter_group() -> None:
    """纸质来信。"""


@letter_group.command("add")
@click.option(
    "--file",
    "entry_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=(
        "从文件读取（TOML 或 JSON；项目：寄信人、地址、电话、收信日期、标题、内容、"
        "被投诉单位、扫描件）"
    ),
)
@click.option(
    "--scan",
    "scans",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="扫描件（PDF 或 JPEG），可多次指定",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def add_letter_command(
    ctx: click.Context, entry_file: Path | None, scans: tuple[Path, ...], as_json: bool
) -> None:
    """登记一封纸质来信（附扫描件），与邮件、热线来件同样立案处理。"""
    service = make_service(ctx)
    today = to_local(service.clock.now()).date()
    try:
        if entry_file is not None:
            entry = read_letter_file(entry_file, today=today)
            if scans:
                entry = build_entry(
                    {**_entry_fields(entry), "scans": [*map(str, entry.scans), *map(str, scans)]},
                    today=today,
                    base=Path.cwd(),
                )
        else:
            entry = build_entry(_prompt_fields(scans), today=today, base=Path.cwd())
        submission = add_letter(service.import_deps, entry, clerk=current_staff())
    except LetterError as error:
        for problem in error.problems:
            click.echo(f"错误：{problem}", err=True)
        ctx.exit(EXIT_INVALID)
    number = _open_now(service, submission.id)
    if as_json:
        print_json(
            {"submission_id": submission.id, "case": number, "source_key": submission.source_key}
        )
        return
    if number:
        console.print(f"已登记来信，案件编号 {number}（扫描件 {len(entry.scans)} 个已归档）。")
    else:
        console.print(f"已登记来信（来件 {submission.id}），服务将在下次处理时立案。")


def _entry_fields(entry: Any) -> dict[str, Any]:
    return {
        "name": entry.name,
        "address": entry.address,
        "phone": entry.phone,
        "received": entry.received.isoformat(),
        "title": entry.title,
        "text": entry.text,
        "respondent": entry.respondent,
    }
