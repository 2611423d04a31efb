"""Decoding Chinese mail text: GB aliases widened to GB18030, unlabelled 8-bit bytes guessed.

Many clients label GBK text as ``gb2312``; a strict gb2312 decoder turns every GBK-only
character (镕, 堃, 喆 …) into U+FFFD. GB18030 is a superset of both, so every GB alias is pointed
at it before the first decode (codec lookups are cached, which is why this runs at import time).

Unlabelled 8-bit bytes (raw headers, parts without a charset, ``us-ascii`` parts that are not)
are read as UTF-8 when they are valid UTF-8, else as GB18030 (the office is in mainland China),
else Big5 when the byte pattern says so.
"""

from __future__ import annotations

import codecs
import encodings.aliases
import re
from email.header import decode_header, make_header
from email.message import Message

GB_ALIASES = (
    "gb2312",
    "gbk",
    "cp936",
    "x_gbk",
    "euc_cn",
    "gb_2312_80",
    "csgb2312",
    "chinese",
    "gb2312_1980",
    "euccn",
    "936",
    "ms936",
)


def _widen_gb_aliases() -> None:
    for alias in GB_ALIASES:
        encodings.aliases.aliases[alias.replace("-", "_")] = "gb18030"


_widen_gb_aliases()

# A Big5 trail byte is 0x40-0x7E in about half of all characters; a GB2312 trail byte never is.
_BIG5_PAIR = re.compile(rb"[\xa1-\xf9][\x40-\x7e]")
_HIGH_PAIR = re.compile(rb"[\x81-\xfe][\x40-\xfe]")
_MOJIBAKE = "锟斤拷"  # UTF-8 U+FFFD read as GBK: the text was lost before it reached us

UNKNOWN_CHARSET = "unknown-8bit"


def looks_like_big5(data: bytes) -> bool:
    """True when ``data`` decodes as Big5 and its pairs look like Big5 rather than GB."""
    pairs = len(_HIGH_PAIR.findall(data))
    if pairs == 0 or len(_BIG5_PAIR.findall(data)) < pairs * 0.2:
        return False
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return False
    return True


def guess_charset(data: bytes) -> str:
    """The charset of bytes that carry no (usable) label: utf-8, gb18030 or big5."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if looks_like_big5(data):
        return "big5"
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return UNKNOWN_CHARSET


def known_charset(label: str | None) -> str | None:
    """The codec name for a declared ``label``, or None when Python has no such codec."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip('"').lower()).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> tuple[str, str]:
    """Decode ``data``, trusting ``label`` only if it decodes cleanly; returns (text, charset).

    ``us-ascii`` (the MIME default) is treated as no label: 8-bit bytes prove it wrong.
    """
    declared = known_charset(label)
    if declared and declared != "ascii":
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    charset = guess_charset(data)
    if charset == UNKNOWN_CHARSET:
        return data.decode("gb18030", "replace"), charset
    return data.decode(charset), charset


def recover_8bit(value: str) -> str:
    """Undo the stdlib's surrogateescape on raw 8-bit header bytes and decode them properly."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    return decode_bytes(raw)[0]


def decode_header_value(value: object) -> str:
    """A header as readable text: raw 8-bit bytes recovered, RFC 2047 encoded words decoded."""
    if value is None:
        return ""
    if not isinstance(value, str):  # an email.header.Header for undecodable input
        value = str(value)
    text = recover_8bit(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown charset or broken base64 in one word: keep the text as it came.
        return text


def header_text(message: Message, name: str) -> str:
    """The first ``name`` header of ``message``, decoded; '' when absent."""
    return decode_header_value(message.get(name))


def is_mojibake(text: str) -> bool:
    """True when the text shows the sign of an earlier, lossy re-encoding (by the sender)."""
    return _MOJIBAKE in text or "\ufffd" in text
