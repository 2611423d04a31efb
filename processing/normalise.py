"""The normalised complaint: what every channel (email, hotline, letter, web) hands to case opening.

Screening, routing, deadlines and letters behave identically whatever the channel, because they
only ever see a ``Complaint``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processing.parse import ParsedMail

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@dataclass(frozen=True, slots=True)
class Complaint:
    title: str
    text: str
    complainant_name: str = ""
    complainant_email: str = ""
    complainant_phone: str = ""
    # What the source itself claims (a hotline's 被反映单位 column): evidence, not a decision.
    stated_respondent: str = ""


def find_mobile(text: str) -> str:
    match = _MOBILE.search(text)
    return match.group(0) if match else ""


def complainant_name(mail: ParsedMail) -> str:
    """The display name, unless it is only an address."""
    name = mail.from_name.strip().strip('"')
    return "" if not name or "@" in name else name[:200]


def complaint_from_mail(mail: ParsedMail) -> Complaint:
    return Complaint(
        title=mail.subject[:500],
        text=mail.text,
        complainant_name=complainant_name(mail),
        complainant_email=mail.from_addr,
        complainant_phone=find_mobile(mail.text),
    )
