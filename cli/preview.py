"""``python main.py preview TEMPLATE [--case NUMBER]``: render any letter as it would be sent.

With ``--case`` the letter is about that real case (the transfer letter follows the configured
disclosure policy; values only the workflow knows, such as due dates, are sample values and
marked as such); without it, about the fictitious sample case. Site templates are used when
configured. Seeing a letter that carries the complainant's details is recorded on the case, and
refused to a clerk who stepped aside from it (Art. 17(1)).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from cli.common import EXIT_NOT_FOUND, audit_personal_data_view, console, fail, make_service
from notifications.disclosure import decide_contact_disclosure
from notifications.letters import LETTER_KINDS, transfer_letter_context
from notifications.samples import letter_context, sample_case, sample_unit
from store.db import transaction
from store.models import Case

PARTS = ("text", "html", "subject")


@click.command("preview")
@click.argument("template", type=click.Choice(sorted(LETTER_KINDS)))
@click.option(
    "--case", "case_number", metavar="编号", help="按该案件的实际内容生成；不指定则用示例数据"
)
@click.option(
    "--part",
    type=click.Choice(PARTS),
    default="text",
    show_default=True,
    help="输出纯文本、网页格式或只输出主题",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="写入文件")
@click.pass_context
def preview_command(
    ctx: click.Context, template: str, case_number: str | None, part: str, output: Path | None
) -> None:
    """按模板生成函件预览（不会发送）。"""
    service = make_service(ctx)
    if case_number:
        context = _case_context(service, template, case_number)
    else:
        context = letter_context(
            template,
            sample_case(),
            sample_unit(),
            now=service.clock.now(),
            office_name=service.settings.service.office_name,
            office_email=service.settings.service.office_email,
        )
    subject, text, html = service.letters.render(template, context)
    body = {"subject": subject + "\n", "text": f"主题：{subject}\n\n{text}", "html": html}[part]
    if output is not None:
        output.write_text(body, encoding="utf-8")
        console.print(f"已写入 {output}")
        return
    click.echo(body, nl=False)


def _case_context(service: Any, template: str, number: str) -> dict[str, Any]:
    with transaction(service.sessions) as session:
        case = session.scalars(
            select(Case).where(Case.number == number.strip().upper())
        ).one_or_none()
        if case is None:
            fail(f"没有编号为 {number} 的案件", EXIT_NOT_FOUND)
        unit = service.registry.find(case.unit_code) or sample_unit()
        overrides: dict[str, Any] = {}
        shows_person = LETTER_KINDS[template][1] == "complainant"
        if template == "transfer":
            disclosure = decide_contact_disclosure(
                service.letters.contact_policy, unit, case, service.registry
            )
            overrides = dict(transfer_letter_context(case, unit, disclosure))
            shows_person = disclosure.contact
        context = letter_context(
            template,
            case,
            unit,
            now=service.clock.now(),
            office_name=service.settings.service.office_name,
            office_email=service.settings.service.office_email,
            overrides=overrides,
        )
        if shows_person:
            audit_personal_data_view(
                session,
                case,
                service.clock.now(),
                refusal="不能预览含有投诉举报者个人信息的函件",
                note=f"预览{LETTER_KINDS[template][0]}",
            )
    if not overrides and template != "return_visit_request":
        click.echo("提示：期限、理由等只有办理流程才知道的内容为示例值。", err=True)
    return context
