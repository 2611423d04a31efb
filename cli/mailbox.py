"""``mailbox reconcile``: compare what the mail source holds with what was imported."""

from __future__ import annotations

from dataclasses import asdict

import click

from cli.common import console, fail, make_service, print_json
from ingest.mailbox import ImapSource
from ingest.maildir import MaildirSource
from ingest.reconcile import Item, ReconcileReport, reconcile_imap, reconcile_maildir

SHOWN = 50


@click.group("mailbox")
def mailbox_group() -> None:
    """信用办邮箱的核对与维护。"""


def _lines(title: str, items: tuple[Item, ...]) -> None:
    if not items:
        return
    console.print(f"{title}（{len(items)} 封）：")
    for item in items[:SHOWN]:
        console.print(f"  {item.key}  {item.message_id or '（无 Message-ID）'}")
    if len(items) > SHOWN:
        console.print(f"  ……另有 {len(items) - SHOWN} 封，用 --json 查看全部")


def _print(report: ReconcileReport) -> None:
    console.print(
        f"{report.source}：邮箱中现有 {report.on_server} 封，本系统已收取其中 "
        f"{report.on_server - len(report.missing) - len(report.not_yet_fetched)} 封"
        f"（本文件夹累计收取 {report.imported} 封）"
    )
    _lines("缺失：应已收取但本系统没有", report.missing)
    _lines("待收取：下次收件时收取", report.not_yet_fetched)
    _lines("邮箱中已不存在（已移走或删除，存档仍在）", report.gone_from_server)
    console.print("核对结果：一致。" if report.ok else "核对结果：有缺失，请检查收件状态和日志。")


@mailbox_group.command("reconcile")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def reconcile_command(ctx: click.Context, as_json: bool) -> None:
    """核对邮箱中的邮件与已收取的来件，列出缺失和多出的邮件；有缺失时返回码为 1。"""
    service = make_service(ctx)
    source = service.mail_source()
    if source is None:
        fail('未配置邮件来源（intake.source = "none"），无可核对', 2)
    with service.sessions() as session:
        if isinstance(source, ImapSource):
            imap = source.open()
            try:
                report = reconcile_imap(session, imap, source.name)
            finally:
                imap.close()
        else:
            assert isinstance(source, MaildirSource)
            maildir = source.open()
            try:
                report = reconcile_maildir(session, maildir, source.name)
            finally:
                maildir.close()
    if as_json:
        print_json({**asdict(report), "ok": report.ok})
    else:
        _print(report)
    if not report.ok:
        ctx.exit(1)
