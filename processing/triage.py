"""Staff routing (人工分办): a clerk decides the handling unit of a case, usually one waiting in
the triage queue, and the case is transferred to it (Art. 13). The decision is stored as
training data for the routing model.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from config.units import Unit
from processing.context import ProcessingContext
from processing.decisions import recused_staff
from processing.lifecycle import record_event, target_of
from processing.workflow import transfer_to_unit
from store.models import Case, RouteLabel


class TriageError(Exception):
    """The case cannot be routed as asked; the message says why, in Chinese."""


def route_by_staff(
    session: Session,
    case: Case,
    unit: Unit,
    *,
    reason: str,
    actor: str,
    ctx: ProcessingContext,
    sector: str = "",
    now: dt.datetime | None = None,
) -> RouteLabel:
    """Record the clerk's route, transfer the case to ``unit`` and keep the label for training."""
    if not unit.is_handling_unit:
        raise TriageError(f"{unit.name}是信用办，不是承办单位（第六条），不能作为承办单位")
    if not reason.strip():
        raise TriageError("请用 --reason 写明分办理由（记入案件并作为训练资料）")
    target_of("transfer", case.status)  # refuses, with the reason, before anything changes
    if actor.removeprefix("staff:") in recused_staff(session, case):
        raise TriageError(
            f"{actor.removeprefix('staff:')} 已申请回避本案（第十七条第（一）项），不能分办"
        )
    at = now or ctx.clock.now()
    previous = case.unit_code
    label = RouteLabel(
        case_id=case.id,
        created_at=at,
        actor=actor,
        source="staff_route",
        unit_code=unit.code,
        sector=sector or (unit.sector if unit.kind == "department" else ""),
        previous_unit=previous,
        reason=reason.strip(),
        title="",
        text="",
        import_key=None,
    )
    session.add(label)
    case.unit_code = unit.code
    case.credit_office_code = unit.credit_office or case.credit_office_code
    detail = dict(case.route_detail or {})
    detail["staff"] = {"unit": unit.code, "previous": previous, "actor": actor, "sector": sector}
    case.route_detail = detail
    change = "确认" if previous == unit.code else "改为"
    record_event(
        session,
        case,
        kind="staff_routed",
        actor=actor,
        at=at,
        data={"unit": unit.code, "previous": previous, "sector": label.sector},
        note=f"人工分办：{change}{unit.name}。理由：{reason.strip()}",
    )
    # The 转办函 with its due dates, the transition and the deadlines (issue 6's workflow).
    transfer_to_unit(session, case, unit, ctx.workflow, actor=actor)
    return label
