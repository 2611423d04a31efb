"""Credit records (Art. 24): on closing, whether a confirmed dishonesty enters the credit database.

The rule is a pure function: a dishonesty confirmed by the investigation becomes a credit record
for the "信用中国（山西运城）" database — unless the respondent corrected it during the
investigation and the complainant was satisfied or basically satisfied. The decision is stored
with its evidence (the written result, its attachments, the complainant's opinion, the staff
member's reasons) so it can be shown later why a record was or was not made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processing.feedback import SATISFACTION_LABELS
from store.models import Attachment, Case, CaseEvent, CreditDecision

_CONTENT = ("satisfied", "basically_satisfied")


@dataclass(frozen=True, slots=True)
class CreditFacts:
    dishonesty_confirmed: bool
    corrected_during_investigation: bool
    satisfaction: str | None


@dataclass(frozen=True, slots=True)
class CreditOutcome:
    counts_as_record: bool
    explanation: str


def decide_credit_record(facts: CreditFacts) -> CreditOutcome:
    """Art. 24, as a decision over the facts staff establish on closing."""
    if not facts.dishonesty_confirmed:
        return CreditOutcome(False, "经调查核实，未认定政务失信行为，不形成失信记录")
    opinion = SATISFACTION_LABELS.get(facts.satisfaction or "", "未评价")
    if facts.corrected_during_investigation and facts.satisfaction in _CONTENT:
        return CreditOutcome(
            False,
            f"被投诉举报单位在调查核实阶段主动改正，投诉举报者{opinion}，"
            "依第二十四条其失信信息记录不纳入市信用平台数据库",
        )
    if facts.corrected_during_investigation:
        return CreditOutcome(
            True,
            f"被投诉举报单位虽已改正，但投诉举报者{opinion}，"
            "不符合第二十四条不纳入的条件，认定为失信记录",
        )
    return CreditOutcome(
        True, "认定政务失信行为，依第二十四条纳入“信用中国（山西运城）”网站信用数据库"
    )


def _latest(session: Session, case: Case, kinds: Sequence[str]) -> CaseEvent | None:
    return session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(list(kinds)))
        .order_by(CaseEvent.id.desc())
    ).first()


def gather_evidence(session: Session, case: Case, *, extra: str = "") -> dict[str, Any]:
    """What the decision rests on: the written result and its files, the complainant's opinion."""
    result = _latest(session, case, ("report_result", "close_with_result"))
    opinion = _latest(session, case, ("record_feedback", "appeal", "feedback_updated"))
    files = session.scalars(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.kind == "result")
    ).all()
    return {
        "result_event_id": result.id if result else None,
        "result_submission_id": result.submission_id if result else None,
        "result_text": (case.result_text or "")[:4000],
        "feedback_event_id": opinion.id if opinion else None,
        "satisfaction": case.satisfaction,
        "result_attachments": [
            {"id": f.id, "name": f.original_name, "sha256": f.sha256} for f in files
        ],
        "staff_evidence": extra,
    }


def record_credit_decision(
    session: Session,
    case: Case,
    facts: CreditFacts,
    *,
    reason: str,
    actor: str,
    at: dt.datetime,
    extra_evidence: str = "",
) -> CreditDecision:
    outcome = decide_credit_record(facts)
    row = CreditDecision(
        case_id=case.id,
        respondent=case.respondent or "",
        unit_code=case.unit_code,
        dishonesty_confirmed=facts.dishonesty_confirmed,
        corrected=facts.corrected_during_investigation,
        satisfaction=facts.satisfaction,
        counts_as_record=outcome.counts_as_record,
        reason=f"{outcome.explanation}。认定理由：{reason.strip()}",
        evidence=gather_evidence(session, case, extra=extra_evidence),
        decided_by=actor,
        decided_at=at,
    )
    session.add(row)
    session.flush()
    return row
