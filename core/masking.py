"""Art. 17 confidentiality: mask phone numbers, ID-card numbers, email addresses, house numbers
and known names in text.

Masking is the default for everything that leaves the service's own store (logs, digests, letters
to units). The patterns are deliberately generous: a false mask costs a clerk a lookup, a missed
one discloses a citizen.
"""

from __future__ import annotations

import re

# 18-digit resident ID (last may be X) and the old 15-digit form.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{3})(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally +86, and landlines like 0359-1234567.
_MOBILE_RE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?!\d)")
# House numbers in an address: 解放路12号, 3号楼2单元501室, 东关村5组. The street or village
# name stays (routing and the unit need the place); the numbers that find a door are hidden.
# "〔2021〕28号" (a document number) is left alone: no street word precedes it.
_HOUSE_RE = re.compile(r"(?<=[路街巷道弄里村组])(\d+)(?=号)")
_BUILDING_RE = re.compile(r"\d+(?=(?:号楼|栋|幢|单元|室))")
_EMAIL_RE = re.compile(r"([A-Za-z0-9._%+-])([A-Za-z0-9._%+-]*)(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_phone(text: str) -> str:
    """138****5678 for mobiles, 0359-****4567 for landlines."""
    text = _MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE_RE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def mask_id_number(text: str) -> str:
    """Keep the region prefix and the check digit group; hide the birth date."""
    return _ID_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_email(text: str) -> str:
    """z***@126.com."""
    return _EMAIL_RE.sub(lambda m: f"{m.group(1)}***{m.group(3)}", text)


def mask_address(text: str) -> str:
    """解放路**号3 → 解放路**号; **号楼**单元**室: the door, not the street, is hidden."""
    text = _HOUSE_RE.sub("**", text)
    return _BUILDING_RE.sub("**", text)


def mask_personal_data(text: str) -> str:
    """Mask every kind of personal data this module knows, ID numbers first (they contain digits
    a phone pattern would otherwise half-match)."""
    return mask_address(mask_email(mask_phone(mask_id_number(text))))


def mask_known_names(text: str, names: list[str] | tuple[str, ...]) -> str:
    """Replace each known person's name (the complainant's, from the case) by its masked form:
    a signature "王堃" at the end of a complaint is found this way, not by guessing."""
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return text


def mask_text(text: str | None, names: list[str] | tuple[str, ...] = ()) -> str:
    """Everything this module masks, then the known ``names``: the one call for free text about
    a case (a title, a body, a note), so that no caller forgets the names."""
    return mask_known_names(mask_personal_data(text or ""), [n for n in names if n])


def mask_name(name: str | None) -> str:
    """张** for a Chinese name, the first letter for others; empty stays empty."""
    if not name:
        return ""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
