"""One complaint's full first assessment: screening, category and route, as one value.

What ``python main.py route`` prints and ``bench/route.py`` measures; the pipeline runs the same
three decisions as separate steps on a case (``processing.cases``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.units import UnitRegistry
from processing.categorise import CategoryDecision, categorise
from processing.context import Router
from processing.normalise import Complaint
from processing.route import RouteDecision
from processing.screen import ScreeningDecision, ScreeningInput, screen_complaint


@dataclass(frozen=True, slots=True)
class Assessment:
    screening: ScreeningDecision
    category: CategoryDecision
    route: RouteDecision


def assess_complaint(router: Router, complaint: Complaint) -> Assessment:
    """Route first: its places and respondents are screening's Art. 12 evidence (one pass of the
    tokenizer for both)."""
    route = router.route(
        complaint.title, complaint.text, stated_respondent=complaint.stated_respondent
    )
    screening = screen_complaint(
        ScreeningInput(
            title=complaint.title,
            text=complaint.text,
            complainant_name=complaint.complainant_name,
            complainant_contact=(
                complaint.complainant_email
                or complaint.complainant_phone
                or complaint.complainant_id_number
            ),
            yuncheng_mentions=route.yuncheng,
            bodies_named=route.respondents,
        )
    )
    category = categorise(complaint.title, complaint.text)
    return Assessment(screening, category, route)


def assessment_record(
    item_id: Any, assessment: Assessment, registry: UnitRegistry
) -> dict[str, Any]:
    """The ``route`` command's output line: {"id","unit","unit_name","sector","category",
    "screening","confidence","reasons"} (plus the credit office and the respondent)."""
    route = assessment.route
    unit = registry.find(route.unit_code)
    screening = assessment.screening
    return {
        "id": item_id,
        "unit": route.unit_code,
        "unit_name": unit.name if unit else route.unit_code,
        "sector": route.sector,
        "category": assessment.category.code,
        "category_label": assessment.category.label,
        "screening": {"code": screening.code, **screening.as_dict()},
        "confidence": route.confidence,
        "reasons": list(route.reasons),
        "credit_office": route.credit_office_code,
        "respondent": route.respondent,
        "places": list(route.places),
        "model_version": route.model_version,
    }
