"""Shared CLI plumbing: loading settings, building the service, printing in Chinese."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from config.check import check_settings
from config.settings import ConfigError, Settings, load_settings, resolve_config_path
from core.logs import configure_logging
from daemon.jobs import make_jobs
from daemon.service import Service
from processing.decisions import recused_staff
from processing.lifecycle import record_event
from store.models import Case

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_BUSY = 3
EXIT_NOT_FOUND = 4
EXIT_REFUSED = 5

# Piped output (scripts, CI logs) is not folded at 80 columns: Chinese tables need the room.
# No markup: citizens' text ("投诉[/b]", "[急]标题") is printed as written, never interpreted.
_stdout_is_tty = sys.stdout.isatty()
console = Console(highlight=False, markup=False, width=None if _stdout_is_tty else 200)


def current_staff() -> str:
    """The clerk acting: ``ZWSX_STAFF`` if set (a shared account), else the system user."""
    return os.environ.get("ZWSX_STAFF", "").strip() or getpass.getuser()


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def audit_personal_data_view(
    session: Session, case: Case, now: dt.datetime, *, refusal: str, note: str | None = None
) -> None:
    """Record that the acting clerk sees the complainant's details (Art. 17), as a case event.

    A clerk who declared an interest (Art. 17(1), (3)) does not see the complainant: refused with
    ``refusal`` (what could not be done, in Chinese)."""
    staff = current_staff()
    if staff in recused_staff(session, case):
        fail(f"{staff} 已申请回避本案，{refusal}", EXIT_REFUSED)
    record_event(
        session, case, kind="personal_data_viewed", actor=f"staff:{staff}", at=now, note=note
    )


def load_checked_settings(
    config_path: str | None,
    *,
    strict: bool = True,
    log_level: str | None = None,
    show_warnings: bool = True,
) -> Settings:
    """Load settings and run every start-up check; exit with each problem printed if any.

    Warnings (a calendar running out, a missing staff address …) are for operators: they are
    printed by the commands operators run (``run``, ``demo``, ``status``, ``calendar``,
    ``check-config``) and only logged for the everyday clerk commands."""
    path = resolve_config_path(config_path)
    try:
        settings = load_settings(path)
    except ConfigError as error:
        _print_problems(error.problems)
        sys.exit(EXIT_CONFIG)
    configure_logging(log_level or settings.logging.level)
    report = check_settings(settings, os.environ)
    for warning in report.warnings:
        if show_warnings:
            click.echo(f"提示：{warning}", err=True)
        else:
            log.debug("configuration warning: %s", warning)
    if strict and not report.ok:
        _print_problems(report.errors)
        sys.exit(EXIT_CONFIG)
    return settings


def _print_problems(problems: Sequence[str]) -> None:
    click.echo(f"配置有 {len(problems)} 处问题：", err=True)
    for number, problem in enumerate(problems, start=1):
        click.echo(f"  {number}. {problem}", err=True)


def make_service(
    ctx: click.Context, *, daemon: bool = False, show_warnings: bool = False
) -> Service:
    """Build the service once per invocation. Interactive commands log warnings only, unless
    ``--verbose``; the daemon logs at the configured level."""
    if "service" in ctx.obj:
        return ctx.obj["service"]
    level = None if daemon or ctx.obj.get("verbose") else "WARNING"
    settings = load_checked_settings(
        ctx.obj["config"], log_level=level, show_warnings=show_warnings or daemon
    )
    service = Service(settings)
    ctx.obj["service"] = service
    ctx.find_root().call_on_close(service.close)
    return service


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = Table(title=title, show_lines=False, title_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def run_jobs_once(service: Service, stop: threading.Event) -> bool:
    """Run each job once, in pipeline order; a failing job is reported and the next still runs."""
    ok = True
    for job in make_jobs(service, stop):
        try:
            console.print(f"{job.label}：{job.run_once()}")
        except Exception as error:
            log.exception("job %s failed", job.name)
            console.print(f"{job.label}：失败（{type(error).__name__}: {error}）")
            ok = False
    return ok
