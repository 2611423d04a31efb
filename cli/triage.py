"""``cases route NUMBER UNIT --reason …``: a clerk routes a case (usually from the triage queue).

UNIT is a unit code, name or alias from the registry. The case is transferred to the unit and the
decision is stored as training data for the routing model.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from cli.common import (
    EXIT_CONFIG,
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    console,
    current_staff,
    fail,
    make_service,
    print_json,
)
from config.units import Unit, UnitRegistry
from processing.lifecycle import InvalidTransition, status_label
from processing.triage import TriageError, route_by_staff
from store.db import transaction
from store.models import Case


def find_unit(registry: UnitRegistry, wanted: str) -> Unit | None:
    wanted = wanted.strip()
    for unit in registry:
        if wanted == unit.code or wanted in unit.names:
            return unit
    return None


@click.command("route")
@click.argument("number")
@click.argument("unit")
@click.option("--reason", required=True, help="分办理由（记入案件，并作为分办模型的训练资料）")
@click.option("--sector", default="", help="所属行业（如 城乡建设）；不填则按承办部门推定")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def route_case_command(  # noqa: PLR0917 - click passes each option as an argument
    ctx: click.Context, number: str, unit: str, reason: str, sector: str, as_json: bool
) -> None:
    """人工分办：把案件交由指定承办单位办理并发出转办函。"""
    service = make_service(ctx)
    chosen = find_unit(service.registry, unit)
    if chosen is None:
        fail(f"单位名录中没有“{unit}”（可用单位代码、全称或简称）", EXIT_NOT_FOUND)
    known = service.router.vocabulary.sector_units
    if sector and sector not in known:
        fail(f"没有“{sector}”这个行业；可选：{'、'.join(known)}", EXIT_CONFIG)
    actor = f"staff:{current_staff()}"
    try:
        with transaction(service.sessions) as session:
            case = session.scalars(
                select(Case).where(Case.number == number.strip().upper())
            ).one_or_none()
            if case is None:
                fail(f"没有编号为 {number} 的案件", EXIT_NOT_FOUND)
            label = route_by_staff(
                session,
                case,
                chosen,
                reason=reason,
                actor=actor,
                ctx=service.processing,
                sector=sector,
            )
            result: dict[str, str | None] = {
                "number": case.number,
                "status": case.status,
                "unit": chosen.code,
                "unit_name": chosen.name,
                "previous_unit": label.previous_unit,
                "sector": label.sector,
            }
    except (InvalidTransition, TriageError) as error:
        fail(str(error), EXIT_REFUSED)
    if as_json:
        print_json(result)
        return
    console.print(
        f"案件 {result['number']} 已交由{chosen.name}办理，转办函已排入发信队列"
        f"（状态：{status_label(str(result['status']))}）；本次分办已记作训练资料。"
    )
