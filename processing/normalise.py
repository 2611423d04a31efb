"""The normalised complaint: what every channel (email, hotline, letter, web) hands to case opening.

Screening, routing, deadlines and letters behave identically whatever the channel, because they
only ever see a ``Complaint``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from processing.entities import extract_entities, find_names
from processing.parse import ParsedMail


@dataclass(frozen=True, slots=True)
class Complaint:
    title: str
    text: str
    complainant_name: str = ""
    complainant_email: str = ""
    complainant_phone: str = ""
    complainant_id_number: str = ""
    complainant_address: str = ""  # postal address (letters are answered by post)
    # What the source itself claims (a hotline's 被反映单位, 所属区域, 诉求类型 columns):
    # evidence for screening and routing, not a decision.
    stated_respondent: str = ""
    stated_region: str = ""
    stated_address: str = ""
    stated_category: str = ""
    # The source's own reference (12345 工单编号, website id), and when it took the complaint.
    source_reference: str = ""
    stated_at: dt.datetime | None = None

    def evidence(self) -> dict[str, Any]:
        """The source's own claims, for the case's "received" event (non-empty ones only)."""
        claims = {
            "source_reference": self.source_reference,
            "stated_respondent": self.stated_respondent,
            "stated_region": self.stated_region,
            "stated_address": self.stated_address,
            "stated_category": self.stated_category,
            "stated_at": self.stated_at.isoformat() if self.stated_at else "",
        }
        return {key: value for key, value in claims.items() if value}


def find_mobile(text: str) -> str:
    phones = [p for p in extract_entities(text).phones if p.startswith("1")]
    return phones[0] if phones else ""


def complainant_name(mail: ParsedMail) -> str:
    """The display name, unless it is only an address."""
    name = mail.from_name.strip().strip('"')
    return "" if not name or "@" in name else name[:200]


def complaint_from_mail(mail: ParsedMail) -> Complaint:
    """The sender's display name, else a name the text signs with (Art. 9(4): real name)."""
    entities = extract_entities(mail.text)
    return Complaint(
        title=mail.subject[:500],
        text=mail.text,
        complainant_name=complainant_name(mail) or next(iter(entities.names), ""),
        complainant_email=mail.from_addr,
        complainant_phone=next(iter(entities.phones), ""),
        complainant_id_number=next(iter(entities.id_numbers), ""),
    )


def complaint_from_fields(row: Mapping[str, Any]) -> Complaint:
    """A complaint given as fields (``route`` input, web form); missing contact details are
    taken from the text."""
    title, text = str(row.get("title") or ""), str(row.get("text") or "")
    entities = extract_entities(text)

    def given(key: str, found: tuple[str, ...]) -> str:
        return str(row.get(key) or "").strip() or next(iter(found), "")

    return Complaint(
        title=title[:500],
        text=text,
        complainant_name=given("name", find_names(text)),
        complainant_email=given("email", entities.emails),
        complainant_phone=given("phone", entities.phones),
        complainant_id_number=given("id_number", entities.id_numbers),
        stated_respondent=str(row.get("respondent") or "")[:200],
    )
