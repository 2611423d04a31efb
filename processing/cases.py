"""Opening a case from a complaint, and the case-level steps: screen, categorise, route, transfer.

Each step takes the session, the case and the processing context, and returns whether the case
goes on to the next step. The order of the steps is ``CASE_STEPS`` in ``processing.pipeline``.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session

from core.clock import to_local
from processing import workflow
from processing.categorise import categorise
from processing.context import ProcessingContext
from processing.lifecycle import apply_transition, record_event
from processing.normalise import Complaint
from processing.notices import queue_to_complainant
from processing.screen import (
    ScreeningDecision,
    ScreeningInput,
    lawful_channel,
    screen_complaint,
)
from store.models import Case, Submission
from store.numbering import next_case_number

SYSTEM = "system"


def open_case(
    session: Session, submission: Submission, complaint: Complaint, ctx: ProcessingContext
) -> Case:
    """Create the case for a new complaint (status ``received``) and link the submission."""
    now = ctx.clock.now()
    year = to_local(submission.received_at).year
    case = Case(
        number=next_case_number(session, ctx.case_prefix, year),
        status="received",
        channel=submission.channel,
        received_at=submission.received_at,
        title=complaint.title[:500],
        body=complaint.text,
        complainant_name=complaint.complainant_name[:200],
        complainant_email=complaint.complainant_email[:320],
        complainant_phone=complaint.complainant_phone[:64],
        complainant_id_number=complaint.complainant_id_number[:32],
        complainant_address=complaint.complainant_address[:500],
        respondent=complaint.stated_respondent[:200],
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    submission.case_id = case.id
    record_event(
        session,
        case,
        kind="received",
        actor=SYSTEM,
        at=now,
        submission_id=submission.id,
        to_status="received",
        data={"channel": submission.channel, "sha256": submission.sha256, **complaint.evidence()},
    )
    return case


def step_screen(session: Session, case: Case, ctx: ProcessingContext) -> bool:
    """Art. 8, 9, 12: accept, or propose not accepting (a clerk confirms, unless the settings
    let this reason be sent without review)."""
    evidence = ctx.router.evidence(case.title, case.body)
    decision = screen_complaint(
        ScreeningInput(
            title=case.title,
            text=case.body,
            complainant_name=case.complainant_name,
            complainant_contact=(
                case.complainant_email or case.complainant_phone or case.complainant_id_number
            ),
            yuncheng_mentions=evidence.yuncheng,
            bodies_named=evidence.respondents,
        )
    )
    case.screening = decision.code
    case.screening_detail = decision.as_dict()
    now = ctx.clock.now()
    if decision.accepted:
        workflow.accept(session, case, ctx.workflow, data=decision.as_dict())
        return True
    labels = "；".join(f"{h.article}：{h.label}" for h in decision.hits)
    if ctx.auto_reject and set(decision.codes) <= ctx.auto_reject:
        reject_automatically(session, case, decision, ctx, labels)
        return False
    apply_transition(
        session,
        case,
        "propose_rejection",
        actor=SYSTEM,
        at=now,
        data=decision.as_dict(),
        note=f"建议不予受理，待工作人员确认：{labels}",
    )
    return False


def reject_automatically(
    session: Session,
    case: Case,
    decision: ScreeningDecision,
    ctx: ProcessingContext,
    labels: str,
) -> None:
    """Settings allow these reasons without review: not accepted, and the complainant told
    why and where to turn (a reply asks staff to review it again, as the letter says)."""
    event = workflow.move(
        session,
        case,
        "reject",
        ctx.workflow,
        actor=SYSTEM,
        data=decision.as_dict(),
        note=f"按设置 screening.auto_reject 自动不予受理：{labels}",
    )
    # Without a usable address the letter cannot go: recorded for staff to tell them another way.
    queue_to_complainant(
        session,
        ctx.workflow,
        case,
        kind="not_accepted",
        stage=f"reject:{event.id}",
        context={
            "reasons": [{"article": h.article, "label": h.label} for h in decision.hits],
            "lawful_channel": lawful_channel(decision),
        },
    )


def step_categorise(session: Session, case: Case, ctx: ProcessingContext) -> bool:
    """Art. 7: one of five categories."""
    decision = categorise(case.title, case.body)
    case.category = decision.code
    record_event(
        session,
        case,
        kind="categorised",
        actor=SYSTEM,
        at=ctx.clock.now(),
        data={
            "category": decision.code,
            "label": decision.label,
            "matched": list(decision.matched),
        },
    )
    return True


def step_route(session: Session, case: Case, ctx: ProcessingContext) -> bool:
    """Art. 6, 13: the handling unit; below the confidence threshold a clerk decides."""
    # A respondent stated by the source (a hotline column) is evidence, weighed with the text.
    decision = ctx.router.route(case.title, case.body, stated_respondent=case.respondent)
    case.unit_code = decision.unit_code
    case.credit_office_code = decision.credit_office_code
    case.route_confidence = decision.confidence
    case.respondent = (decision.respondent or case.respondent)[:200]
    case.route_detail = asdict(decision)
    case.route_detail["reasons"] = list(decision.reasons)
    now = ctx.clock.now()
    record_event(session, case, kind="routed", actor=SYSTEM, at=now, data=case.route_detail)
    if decision.confidence < ctx.min_route_confidence:
        apply_transition(
            session,
            case,
            "send_to_triage",
            actor=SYSTEM,
            at=now,
            note=(
                f"分办置信度 {decision.confidence:.2f} 低于 {ctx.min_route_confidence:.2f}，"
                "待人工分办"
            ),
        )
        return False
    return True


def step_transfer(session: Session, case: Case, ctx: ProcessingContext) -> bool:
    """Queue the transfer letter (转办函) to the handling unit and mark the case transferred."""
    workflow.transfer_to_unit(session, case, ctx.registry.get(case.unit_code or ""), ctx.workflow)
    return True
