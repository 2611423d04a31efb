"""Delivery-status notifications (RFC 3464): who did not get which of our messages, and why.

A standard report is ``multipart/report; report-type=delivery-status`` with a
``message/delivery-status`` part (per-recipient ``Action``, ``Status``, ``Diagnostic-Code``) and
the returned message or its headers. Non-standard bounces (plain text from MAILER-DAEMON) are
recognised by the returned Message-ID anywhere in the text. ``Status`` 5.x.x or ``Action: failed``
is permanent (RFC 3463); 4.x.x or ``Action: delayed`` is temporary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, message_from_string
from email.message import Message

from processing.charsets import decode_header_value

_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_FIELD = re.compile(r"^([A-Za-z-]+)\s*:\s*(.*)$")


@dataclass(frozen=True, slots=True)
class RecipientStatus:
    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5") or self.action == "failed"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    recipients: tuple[RecipientStatus, ...]
    # Message-IDs of the returned message (its own id first), and any others quoted in the text.
    original_ids: tuple[str, ...]

    @property
    def permanent(self) -> bool:
        return any(r.permanent for r in self.recipients) or not self.recipients

    @property
    def reason(self) -> str:
        parts = [
            f"{r.recipient or '收件人'}：{r.status or r.action}"
            + (f"（{r.diagnostic}）" if r.diagnostic else "")
            for r in self.recipients
        ]
        return "；".join(parts) or "退信未注明原因"


def _text_of(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the stdlib parses delivery-status into header blocks
        return "\n\n".join(str(block) for block in payload)
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(payload or "")


def _status_blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for line in chunk.splitlines():
            match = _FIELD.match(line)
            if match:
                fields[match[1].lower()] = match[2].strip()
            elif line[:1] in (" ", "\t") and fields:  # folded continuation
                last = next(reversed(fields))
                fields[last] += " " + line.strip()
        if fields:
            blocks.append(fields)
    return blocks


def _recipient(fields: dict[str, str]) -> RecipientStatus | None:
    address = fields.get("final-recipient") or fields.get("original-recipient") or ""
    if not address and "action" not in fields:
        return None  # the per-message block (Reporting-MTA …)
    return RecipientStatus(
        recipient=address.partition(";")[2].strip().lower() or address.strip().lower(),
        action=fields.get("action", "").lower(),
        status=fields.get("status", "").split()[0] if fields.get("status") else "",
        diagnostic=decode_header_value(fields.get("diagnostic-code", ""))[:500],
    )


def _returned_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    inner: Message | None = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
    else:
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            inner = message_from_bytes(data)
        elif isinstance(payload, str):
            inner = message_from_string(payload)
    if inner is None:
        return []
    return _MESSAGE_ID.findall(str(inner.get("Message-ID", "")))


def is_report(message: Message) -> bool:
    return message.get_content_type() == "multipart/report" or any(
        p.get_content_type() == "message/delivery-status" for p in message.walk()
    )


def parse_delivery_report(message: Message, *, text: str = "") -> DeliveryReport:
    """Read the report in ``message``; ``text`` is its readable body for non-standard bounces."""
    recipients: list[RecipientStatus] = []
    ids: list[str] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/delivery-status", "message/global-delivery-status"):
            for fields in _status_blocks(_text_of(part)):
                found = _recipient(fields)
                if found is not None:
                    recipients.append(found)
        elif content_type in ("message/rfc822", "text/rfc822-headers", "message/global"):
            ids.extend(_returned_ids(part))
    for found_id in _MESSAGE_ID.findall(text):
        if found_id not in ids:
            ids.append(found_id)
    own_id = str(message.get("Message-ID", "")).strip()
    return DeliveryReport(tuple(recipients), tuple(i for i in ids if i != own_id))
