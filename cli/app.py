"""``python main.py …``: the command group and the service-level commands."""

from __future__ import annotations

import os
import threading

import click

from cli.calendar import calendar_group
from cli.cases import cases_group
from cli.common import EXIT_BUSY, EXIT_CONFIG, make_service, run_jobs_once
from cli.deadlines import credit_group, deadlines_group
from cli.decisions import DECISION_COMMANDS
from cli.demo import demo_command
from cli.hotline import hotline_group, web_group
from cli.letter import letter_group
from cli.mailbox import mailbox_group
from cli.model import model_group
from cli.outbox import outbox_group
from cli.preview import preview_command
from cli.quarantine import quarantine_group
from cli.route import route_command, route_eval_command
from cli.status import status_command
from cli.triage import route_case_command
from config.check import check_settings
from config.settings import ConfigError, load_settings, resolve_config_path
from daemon.leader import leader_lock_for
from daemon.scheduler import install_signal_handlers, run_daemon


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="ZWSX_CONFIG",
    help="配置文件（TOML）；也可用环境变量 ZWSX_CONFIG 指定；不指定则使用内置默认设置",
)
@click.option("-v", "--verbose", is_flag=True, help="输出详细日志")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """运城市政务失信投诉举报受理服务（zwsx）。"""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_path
    ctx.obj["verbose"] = verbose


@cli.command("check-config")
@click.pass_context
def check_config(ctx: click.Context) -> None:
    """检查配置文件与环境变量，逐条列出问题。"""
    path = resolve_config_path(ctx.obj["config"])
    try:
        settings = load_settings(path)
    except ConfigError as error:
        problems = error.problems
        warnings: list[str] = []
    else:
        report = check_settings(settings, os.environ)
        problems, warnings = report.errors, report.warnings
    source = str(path) if path else "内置默认设置"
    for warning in warnings:
        click.echo(f"提示：{warning}")
    if problems:
        click.echo(f"配置（{source}）有 {len(problems)} 处问题：", err=True)
        for number, problem in enumerate(problems, start=1):
            click.echo(f"  {number}. {problem}", err=True)
        ctx.exit(EXIT_CONFIG)
    click.echo(f"配置检查通过（{source}）。")


@cli.command("run")
@click.option("--once", is_flag=True, help="各项任务各运行一次后退出，并输出汇总")
@click.pass_context
def run(ctx: click.Context, once: bool) -> None:
    """启动服务：定时收取邮件、处理来件、发送邮件。"""
    service = make_service(ctx, daemon=not once, show_warnings=True)
    stop = threading.Event()
    install_signal_handlers(stop)
    if not once:
        run_daemon(service, stop)
        return
    service.sessions  # noqa: B018 - apply migrations first
    lock = leader_lock_for(service.engine, service.settings.path("var"))
    if not lock.try_acquire():
        click.echo("错误：另一个实例正在运行定时任务，请稍后再试或先停止该实例。", err=True)
        ctx.exit(EXIT_BUSY)
    try:
        ok = run_jobs_once(service, stop)
    finally:
        lock.release()
    if not ok:
        ctx.exit(1)


cases_group.add_command(route_case_command)
for command in DECISION_COMMANDS:
    cases_group.add_command(command)
cli.add_command(deadlines_group)
cli.add_command(credit_group)
cli.add_command(cases_group)
cli.add_command(model_group)
cli.add_command(calendar_group)
cli.add_command(hotline_group)
cli.add_command(web_group)
cli.add_command(letter_group)
cli.add_command(demo_command)
cli.add_command(outbox_group)
cli.add_command(preview_command)
cli.add_command(mailbox_group)
cli.add_command(quarantine_group)
cli.add_command(status_command)
cli.add_command(route_command)
cli.add_command(route_eval_command)


def main() -> None:
    cli(prog_name="python main.py")
