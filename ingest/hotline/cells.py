"""Cell values as text: full-width forms, stray control characters, numbers Excel made of IDs.

Readers hand over what the file holds: text, numbers (int or float), dates, booleans or None.
These pure functions turn one such value into the text a case stores.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | None

# Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space, for identifiers, numbers and
# dates: "ＹＣ１２３４５－０１" is "YC12345-01".
_ALL_HALFWIDTH = str.maketrans(
    {**{chr(0xFF01 + i): chr(0x21 + i) for i in range(94)}, "\u3000": " "}
)
# In free Chinese text the full-width punctuation (，。：) is correct; only letters, digits and
# the ideographic space are folded.
_ALNUM_HALFWIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): chr(0x30 + i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
        "\u3000": " ",
        "\u00a0": " ",
    }
)
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
# Anything clean_text changes; most cells hold none of it, and a search is cheaper than a rewrite.
_CLEANED = (
    r"\x00-\x08\x0b-\x1f\x7f\u00a0\u200b-\u200d\u2060\u3000\ufeff"
    r"\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
)
_NEEDS_CLEANING = re.compile(f"[{_CLEANED}]")
# A one-line text that clean_line returns unchanged has none of that and no whitespace at all.
_LINE_CHANGES = re.compile(rf"[{_CLEANED}\s]")
_SPACES = re.compile(r"\s+")
_PHONE_NOISE = re.compile(r"[\s\u00a0]+")


def number_text(value: float | int | Decimal) -> str:
    """A number as a person wrote it: 13800000000.0 → "13800000000", 1.5 → "1.5"."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.normalize())


def numeric_string(text: str) -> str:
    """Excel's XML stores 13800000000 as "13800000000" or "1.38E10": give the digits back."""
    if text.isdigit():
        return text
    try:
        return number_text(Decimal(text))
    except InvalidOperation:
        return text


def to_halfwidth(text: str) -> str:
    """All full-width ASCII forms to ASCII (for identifiers, phone numbers, dates)."""
    return text.translate(_ALL_HALFWIDTH)


def clean_text(value: Cell) -> str:
    """Free text: full-width letters and digits folded, invisible characters dropped, line ends
    unified, outer whitespace stripped. Chinese punctuation is kept as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, int | float):
        text = number_text(value)
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:  # a duration (timedelta) or anything else a reader may hand over
        text = str(value)
    if _NEEDS_CLEANING.search(text) is None:
        return text.strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub("", text.translate(_ALNUM_HALFWIDTH)).strip()


def clean_line(value: Cell) -> str:
    """Text for a one-line field (names, units, regions): inner whitespace runs become one space."""
    if type(value) is str and _LINE_CHANGES.search(value) is None:
        return value  # the usual cell: one search instead of three (runs for every cell)
    text = clean_text(value)
    return _SPACES.sub(" ", text) if _SPACES.search(text) else text


def clean_code(value: Cell) -> str:
    """An identifier such as a work-order number: all full-width forms folded, no spaces."""
    if type(value) is str and _is_plain_ascii(value):
        return value
    text = clean_text(value)
    if not text.isascii():
        text = to_halfwidth(text)
    return _SPACES.sub("", text) if _SPACES.search(text) else text


def clean_phone(value: Cell) -> tuple[str, str]:
    """A phone number as text, and a warning when it had to be guessed.

    Text cells keep their leading zeros as written. A number cell has lost them: Excel stores
    0359-2021234 typed without the dash as 3592021234. Mainland mobiles are 11 digits starting
    with 1; any other 9- to 11-digit number is a landline with its area code, and the 0 of the
    trunk prefix is restored (reported as a warning, the original number kept in the report).
    """
    if value is None:
        return "", ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = number_text(value)
        is_mobile = len(digits) == 11 and digits.startswith("1")
        if digits.isdigit() and 9 <= len(digits) <= 11 and not is_mobile:
            return "0" + digits, f"联系电话为数值格式，已补回首位 0（原值 {digits}）"
        return digits, ""
    if type(value) is str and _is_plain_ascii(value):
        return value, ""
    text = _PHONE_NOISE.sub("", to_halfwidth(clean_text(value)))
    return text, ""


def _is_plain_ascii(text: str) -> bool:
    """Printable ASCII without spaces: what clean_code and clean_phone return unchanged."""
    return text.isascii() and text.isprintable() and " " not in text
