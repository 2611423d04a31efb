"""Parse a raw email into a ``ParsedMail`` value: headers, sender, readable text, attachments.

Chinese mail needs one fix before anything decodes: many clients label GBK text as ``gb2312``,
and a strict gb2312 decoder turns every GBK-only character (镕, 堃, 喆 …) into U+FFFD. GB18030 is
a superset of both, so every GB alias is pointed at it before the first decode (codec lookups
are cached, which is why this runs at import time).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import encodings.aliases
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

import mailparser

_GB_ALIASES = (
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
    for alias in _GB_ALIASES:
        encodings.aliases.aliases[alias.replace("-", "_")] = "gb18030"


_widen_gb_aliases()


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass(frozen=True, slots=True)
class ParsedMail:
    subject: str
    from_name: str
    from_addr: str
    to: tuple[str, ...]
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    date: dt.datetime | None
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _TextExtractor(HTMLParser):
    _BLOCK: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body: block elements become line breaks, scripts vanish."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = html.unescape("".join(extractor.parts)).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _clean(text: str) -> str:
    # PostgreSQL rejects NUL in text columns; CRLF is noise for every consumer.
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _addresses(value: Any) -> list[tuple[str, str]]:
    return [(str(name or ""), str(addr or "")) for name, addr in (value or [])]


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))


def _date(parsed: Any, headers: dict[str, str]) -> dt.datetime | None:
    raw = headers.get("date", "")
    if raw:
        try:
            value = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            value = None
        if value is not None:
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    value = getattr(parsed, "date", None)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def _attachments(parsed: Any) -> tuple[Attachment, ...]:
    found = []
    for item in parsed.attachments or []:
        payload = item.get("payload") or ""
        if item.get("binary"):
            data = base64.b64decode(payload)
        elif isinstance(payload, bytes):
            data = payload
        else:
            data = str(payload).encode("utf-8")
        found.append(
            Attachment(
                filename=str(item.get("filename") or ""),
                content_type=str(item.get("mail_content_type") or "application/octet-stream"),
                payload=data,
            )
        )
    return tuple(found)


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse ``raw``; raises only when the bytes are not a message at all."""
    parsed = mailparser.parse_from_bytes(raw)
    headers = {str(k).lower(): _clean(str(v)) for k, v in (parsed.headers or {}).items()}
    senders = _addresses(parsed.from_)
    from_name, from_addr = senders[0] if senders else ("", "")
    plain = "\n".join(parsed.text_plain or [])
    text = plain if plain.strip() else html_to_text("\n".join(parsed.text_html or []))
    return ParsedMail(
        subject=_clean(str(parsed.subject or "")).strip(),
        from_name=from_name.strip(),
        from_addr=from_addr.strip().lower(),
        to=tuple(addr.lower() for _, addr in _addresses(parsed.to)),
        message_id=headers.get("message-id", "").strip(),
        in_reply_to=headers.get("in-reply-to", "").strip(),
        references=_message_ids(headers.get("references", "")),
        date=_date(parsed, headers),
        text=_clean(text).strip(),
        headers=headers,
        attachments=_attachments(parsed),
    )
