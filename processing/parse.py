"""Parse a raw email into a ``ParsedMail`` value: headers, sender, readable text, attachments.

mail-parser does the MIME work; the standard library fills the gaps that lose Chinese text
(see ``processing.charsets``): raw 8-bit headers, parts without a usable charset label, broken
base64. HTML-only mail becomes readable text; a reply's new text is separated from its quoted
history and signature (``processing.quoting``); a delivery report is read (``processing.dsn``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import mailparser

from processing.charsets import decode_bytes, decode_header_value, is_mojibake
from processing.dsn import DeliveryReport, is_report, parse_delivery_report
from processing.htmltext import html_to_text
from processing.quoting import split_reply

__all__ = ["Attachment", "ParsedMail", "UnparseableMail", "html_to_text", "parse_mail"]

# mail-parser warns about every multipart container it does not flatten: noise, not a problem.
logging.getLogger("mailparser").setLevel(logging.ERROR)

# Headers of which at least one is present in anything that deserves to be called a message.
_MESSAGE_HEADERS = frozenset(
    {"from", "to", "subject", "date", "message-id", "received", "sender", "return-path"}
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


class UnparseableMail(ValueError):
    """The bytes are not an email message; the message says why, for staff (in Chinese)."""


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
    # The reply's own words: ``text`` without quoted history and signature.
    new_text: str = ""
    # What was wrong with the message and how it was recovered, for the record.
    defects: tuple[str, ...] = ()
    delivery_report: DeliveryReport | None = None

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def _clean(text: str) -> str:
    # PostgreSQL rejects NUL in text columns; CRLF is noise for every consumer.
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _headers(message: Message) -> dict[str, str]:
    """First value of each header, decoded (raw 8-bit bytes and RFC 2047 words alike)."""
    found: dict[str, str] = {}
    # raw_items(): the stdlib would turn raw 8-bit values into opaque Header objects.
    for name, value in message.raw_items():
        key = str(name).lower()
        if key not in found:
            found[key] = _clean(decode_header_value(value)).replace("\n", " ").strip()
    return found


def _address(value: str) -> tuple[str, str]:
    name, addr = email.utils.parseaddr(value)
    return name.strip().strip('"'), addr.strip().lower()


def _recipients(message: Message) -> tuple[str, ...]:
    values = [decode_header_value(v) for k, v in message.raw_items() if k.lower() == "to"]
    return tuple(addr.lower() for _, addr in email.utils.getaddresses(values) if addr)


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]+>", value or ""))


def _date(headers: dict[str, str]) -> dt.datetime | None:
    raw = headers.get("date", "")
    if not raw:
        return None
    try:
        value = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _lenient_b64(payload: str) -> bytes:
    """Decode base64 that senders broke (bad padding, stray characters) as far as it goes."""
    data = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    if len(data) % 4 == 1:
        data = data[:-1]
    return base64.b64decode(data + "=" * (-len(data) % 4))


def _attachment_bytes(item: dict[str, Any], defects: list[str]) -> bytes:
    payload = item.get("payload") or ""
    if isinstance(payload, bytes):
        return payload
    if not item.get("binary"):
        return str(payload).encode("utf-8")
    try:
        return base64.b64decode(payload, validate=False)
    except binascii.Error:
        defects.append(f"附件 {item.get('filename') or ''} 的 base64 编码有误，已尽量解码")
        return _lenient_b64(str(payload))


def _attachments(parsed: Any, defects: list[str]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            filename=_clean(decode_header_value(item.get("filename") or "")).strip(),
            content_type=str(item.get("mail_content_type") or "application/octet-stream"),
            payload=_attachment_bytes(item, defects),
        )
        for item in parsed.attachments or []
    )


def _is_body_part(part: Message) -> bool:
    return (
        part.get_content_type() in ("text/plain", "text/html")
        and part.get_content_disposition() != "attachment"
        and not part.get_filename()
    )


def _walk_body(message: Message) -> list[Message]:
    """Body text parts, not descending into attached messages."""
    if message.is_multipart():
        parts: list[Message] = []
        for sub in message.get_payload() or []:
            if isinstance(sub, Message) and sub.get_content_maintype() != "message":
                parts.extend(_walk_body(sub))
        return parts
    return [message] if _is_body_part(message) else []


def _recovered_texts(message: Message, defects: list[str]) -> tuple[str, str]:
    """Plain and HTML body re-decoded from the part bytes, guessing unusable charsets."""
    plain: list[str] = []
    markup: list[str] = []
    for part in _walk_body(message):
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        label = part.get_content_charset()
        text, used = decode_bytes(data, label)
        if used != (label or "").lower():
            defects.append(f"正文字符集标注为 {label or '（无）'}，按 {used} 解码")
        (markup if part.get_content_subtype() == "html" else plain).append(text)
    return "\n".join(plain), "\n".join(markup)


def _body_text(parsed: Any, message: Message, raw: bytes, defects: list[str]) -> str:
    plain = "\n".join(parsed.text_plain or [])
    markup = "\n".join(parsed.text_html or [])
    if "\ufffd" in plain + markup and b"\xef\xbf\xbd" not in raw:
        # mail-parser fell back to replacement characters: the label was wrong or missing.
        plain, markup = _recovered_texts(message, defects)
    if plain.strip():
        return plain
    return html_to_text(markup)


def _check_is_message(message: Message, raw: bytes) -> None:
    names = {str(k).lower() for k in message}
    if not raw.strip():
        raise UnparseableMail("来件为空，没有任何内容")
    if not names & _MESSAGE_HEADERS:
        raise UnparseableMail("无法识别为电子邮件：缺少发件人、收件人、主题、日期等全部邮件头")


def _delivery_report(message: Message, from_addr: str, text: str) -> DeliveryReport | None:
    local = from_addr.partition("@")[0]
    if is_report(message) or local in _BOUNCE_SENDERS:
        return parse_delivery_report(message, text=text)
    return None


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse ``raw``; raises ``UnparseableMail`` when the bytes are not a message at all."""
    parsed = mailparser.parse_from_bytes(raw)
    message: Message = parsed.message
    _check_is_message(message, raw)
    defects: list[str] = []
    headers = _headers(message)
    from_name, from_addr = _address(headers.get("from", ""))
    text = _clean(_body_text(parsed, message, raw, defects)).strip()
    subject = headers.get("subject", "")
    if is_mojibake(subject + text):
        defects.append("邮件在发件端已出现乱码（“锟斤拷”），原文无法恢复")
    return ParsedMail(
        subject=subject,
        from_name=from_name,
        from_addr=from_addr,
        to=_recipients(message),
        message_id=headers.get("message-id", "").strip(),
        in_reply_to=headers.get("in-reply-to", "").strip(),
        references=_message_ids(headers.get("references", "")),
        date=_date(headers),
        text=text,
        headers=headers,
        attachments=_attachments(parsed, defects),
        new_text=split_reply(text).new_text,
        defects=tuple(defects),
        delivery_report=_delivery_report(message, from_addr, text),
    )
