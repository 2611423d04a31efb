"""Art. 17 confidentiality: who may see the complainant's contact details, and a record of each
time they were sent.

Everything sent to a unit is masked by default. The policy in settings decides when the handling
unit may see the complainant's name, phone and email, so that it can contact them as Art. 13
asks. A unit that is itself the respondent never sees them unless the policy says ``always``
(Art. 17(3): nothing confidential to the body complained about). Each disclosure is recorded on
the case as an append-only event: who received which fields, in which letter, under which rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from config.units import Unit, UnitRegistry
from core.masking import mask_email, mask_name, mask_phone
from processing.lifecycle import record_event
from store.models import Case

ContactPolicy = Literal["never", "unless_respondent", "always"]
CONTACT_POLICIES: tuple[ContactPolicy, ...] = ("never", "unless_respondent", "always")

FIELD_LABELS = {"name": "姓名", "phone": "电话", "email": "电子邮箱"}
DISCLOSURE_EVENT = "personal_data_disclosed"
# Aliases this short ("盐湖") would match too much; a respondent is compared on longer names.
_MIN_NAME_CHARS = 3
# A department name written as the city's (市教育局) names the city department.
CITY_PREFIX = "市"


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What a letter may show of the complainant, and why."""

    fields: tuple[str, ...]
    reason: str

    @property
    def contact(self) -> bool:
        return bool(self.fields)


def _own_names_match(unit: Unit, respondent: str) -> bool:
    names = [name for name in unit.names if len(name) >= _MIN_NAME_CHARS]
    return any(name in respondent or respondent in name for name in names)


def _territories_named(respondent: str, registry: UnitRegistry) -> set[str]:
    """Counties and the zone whose name appears, except inside a longer such name ("绛县" in
    "新绛县")."""
    spans = [
        (m.start(), m.start() + len(name), unit.code)
        for unit in registry.of_kind("county", "zone")
        for name in unit.names
        for m in re.finditer(re.escape(name), respondent)
    ]
    return {
        code
        for a, b, code in spans
        if not any(x <= a and b <= y and (x, y) != (a, b) for x, y, _ in spans)
    }


def _bodies_named(respondent: str, registry: UnitRegistry) -> set[str]:
    """Departments and credit offices named by their full name, or as the city's ("市教育局…")."""
    return {
        unit.code
        for unit in registry.of_kind("department", "credit_office")
        if any(
            name in respondent
            if name == unit.name or unit.kind == "credit_office"
            else name.startswith(CITY_PREFIX) and respondent.startswith(name)
            for name in unit.names
        )
    }


def registered_bodies_named(respondent: str, registry: UnitRegistry) -> frozenset[str]:
    """The codes of the registered units ``respondent`` can be said to name.

    A county or the zone is named by any of its names, so "临猗县教育局" names 临猗县人民政府 (a
    county bureau is part of the county government). A city department is named only by its full
    name or a name written as the city's: a bare "教育局" names no level at all.
    """
    return frozenset(_territories_named(respondent, registry) | _bodies_named(respondent, registry))


def unit_may_be_respondent(
    unit: Unit, respondent: str, registry: UnitRegistry | None = None
) -> bool:
    """False only when the case's respondent is clearly another registered body (Art. 17(3)).

    Anything uncertain counts as "may be": no respondent, a bare department name ("教育局" may
    be the county's own bureau), a town or a body the registry does not know, a name that also
    fits ``unit``. Without a registry nothing can be shown to be another body.
    """
    respondent = respondent.strip()
    if not respondent or _own_names_match(unit, respondent) or registry is None:
        return True
    named = registered_bodies_named(respondent, registry)
    return not named or unit.code in named


def decide_contact_disclosure(
    policy: ContactPolicy, unit: Unit, case: Case, registry: UnitRegistry | None = None
) -> Disclosure:
    """The fields of the complainant's contact details the handling ``unit`` may see."""
    available = tuple(
        key
        for key, value in (
            ("name", case.complainant_name),
            ("phone", case.complainant_phone),
            ("email", case.complainant_email),
        )
        if value
    )
    if policy == "never":
        return Disclosure((), "设置为不向承办单位提供联系方式")
    if policy == "unless_respondent" and unit_may_be_respondent(
        unit, case.respondent or "", registry
    ):
        return Disclosure((), "承办单位可能即为被投诉举报单位（第十七条第（三）项）")
    if not available:
        return Disclosure((), "投诉举报者未留联系方式")
    reason = "承办单位与投诉举报者对接（第十三条）"
    return Disclosure(available, reason if policy != "always" else reason + "，按设置一律提供")


@dataclass(frozen=True, slots=True)
class ComplainantView:
    """The complainant as a letter shows them: disclosed fields in full, the rest masked."""

    name: str
    phone: str
    email: str
    disclosed: bool

    @property
    def shown_name(self) -> str:
        return self.name or "（未署名）"


def complainant_view(case: Case, disclosure: Disclosure) -> ComplainantView:
    shown = set(disclosure.fields)
    return ComplainantView(
        name=case.complainant_name if "name" in shown else mask_name(case.complainant_name),
        phone=case.complainant_phone if "phone" in shown else mask_phone(case.complainant_phone),
        email=case.complainant_email if "email" in shown else mask_email(case.complainant_email),
        disclosed=disclosure.contact,
    )


def record_disclosure(
    session: Session,
    case: Case,
    disclosure: Disclosure,
    *,
    recipient: str,
    unit_code: str,
    letter_kind: str,
    outbox_id: int,
    at: dt.datetime,
) -> None:
    """Append the audit event for a letter that carries the complainant's contact details."""
    if not disclosure.contact:
        return
    labels = "、".join(FIELD_LABELS[f] for f in disclosure.fields)
    record_event(
        session,
        case,
        kind=DISCLOSURE_EVENT,
        actor="system",
        at=at,
        data={
            "recipient": recipient,
            "unit": unit_code,
            "fields": list(disclosure.fields),
            "letter_kind": letter_kind,
            "outbox_id": outbox_id,
            "reason": disclosure.reason,
        },
        note=f"向 {unit_code} 提供投诉举报者{labels}：{disclosure.reason}",
    )
