"""``python main.py demo``: the whole flow on embedded defaults with the bundled sample mail.

1. deliver the sample complaints into the local Maildir and run every job once: cases are opened,
   routed, and transfer letters written to the outbox folder as .eml files;
2. play the handling unit: write its 签收 and 办结 replies (quoting the real case number and the
   transfer letter's Message-ID) into the Maildir, and run every job again;
3. list the cases.
Running it again delivers nothing twice and changes nothing that is already done.
"""

from __future__ import annotations

import email.utils
import mailbox
import threading
from pathlib import Path

import click
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select

from cli.cases import list_cases
from cli.common import console, make_service, run_jobs_once
from daemon.service import Service
from store.models import Case, OutboxMessage, Submission

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
# Which sample complaint gets which unit replies: the first is closed, the second acknowledged.
REPLY_PLAN = {
    "<sample-complaint-1@example.com>": ("acknowledge.eml.j2", "result.eml.j2"),
    "<sample-complaint-2@example.net>": ("acknowledge.eml.j2",),
}


def _delivered_ids(box: mailbox.Maildir) -> set[str]:
    return {str(box.get_message(key).get("Message-ID", "")).strip() for key in box.iterkeys()}


def deliver(box: mailbox.Maildir, raw: bytes, known: set[str]) -> bool:
    """Put ``raw`` into the Maildir unless a message with its Message-ID is already there."""
    message = mailbox.MaildirMessage(raw)
    message_id = str(message.get("Message-ID", "")).strip()
    if message_id in known:
        return False
    box.add(message)
    known.add(message_id)
    return True


def deliver_samples(box: mailbox.Maildir) -> int:
    known = _delivered_ids(box)
    return sum(
        deliver(box, path.read_bytes(), known)
        for path in sorted((SAMPLES_DIR / "mail").glob("*.eml"))
    )


def deliver_unit_replies(service: Service, box: mailbox.Maildir) -> int:
    # .eml templates are plain RFC 5322 text, not HTML: escaping would corrupt them.
    env = Environment(  # noqa: S701
        loader=FileSystemLoader(SAMPLES_DIR / "replies"), undefined=StrictUndefined
    )
    known, count = _delivered_ids(box), 0
    with service.sessions() as session:
        for letter in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "transfer")
        ):
            case = session.get(Case, letter.case_id)
            origin = _origin_message_id(service, case)
            if case is None or origin not in REPLY_PLAN:
                continue
            unit = service.registry.get(case.unit_code or "")
            for template in REPLY_PLAN[origin]:
                raw = env.get_template(template).render(
                    unit_header=email.utils.formataddr((unit.name, unit.email)),
                    unit_name=unit.name,
                    case_number=case.number,
                    in_reply_to=letter.message_id,
                    office_email=service.settings.service.office_email,
                    date=email.utils.format_datetime(service.clock.now()),
                )
                count += deliver(box, raw.replace("\n", "\r\n").encode("utf-8"), known)
    return count


def _origin_message_id(service: Service, case: Case | None) -> str:
    if case is None:
        return ""
    with service.sessions() as session:
        first = session.scalars(
            select(Submission).where(Submission.case_id == case.id).order_by(Submission.id)
        ).first()
        return first.message_id or "" if first else ""


@click.command("demo")
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """用随附的示例邮件演示完整流程（内置默认设置：SQLite、本地邮件目录、发件写入文件）。"""
    service = make_service(ctx, show_warnings=True)
    settings = service.settings
    if settings.intake.source != "maildir" or settings.outbox.transport != "file":
        raise click.UsageError("演示只能在本地邮件目录与文件发信方式下运行（请勿对正式邮箱使用）")
    maildir = settings.path(settings.intake.maildir_path)
    maildir.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(maildir, create=True)
    stop = threading.Event()
    console.print(f"第一步：投入示例来件 {deliver_samples(box)} 封，运行各项任务：")
    run_jobs_once(service, stop)
    console.print(
        f"\n第二步：模拟承办单位回复 {deliver_unit_replies(service, box)} 封，再次运行各项任务："
    )
    run_jobs_once(service, stop)
    console.print(f"\n发出的函件在：{settings.path(settings.outbox.dir)}")
    console.print(f"原始来件存档在：{settings.path(settings.archive.dir)}\n")
    ctx.invoke(list_cases, status=None, limit=50, as_json=False)
