"""What is this message? A pure decision over a parsed mail, with the reason recorded.

Kinds: ``complaint`` (a new case), ``reply`` (about an existing case: from its unit, its
complainant or someone else), ``auto_reply`` (RFC 3834 and vacation notices), ``bounce``
(delivery-status notifications), ``own_message`` (our own outgoing mail coming back: a loop).
Auto-replies, bounces and loops never create cases and never get an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processing.parse import ParsedMail

_VACATION_SUBJECT = re.compile(
    r"^\s*(自动回复|自動回覆|自动答复|Auto(matic)?[- ]?(Reply|Response)|Out of (the )?Office|"
    r"休假|不在办公室)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class MessageKind:
    kind: str
    reason: str


def detect_auto_reply(mail: ParsedMail) -> str:
    """The reason ``mail`` is machine-generated, or '' when it looks written by a person."""
    auto_submitted = mail.header("auto-submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for header in ("x-autoreply", "x-autorespond", "x-auto-response-suppress"):
        if mail.header(header):
            return f"{header}: {mail.header(header)}"
    precedence = mail.header("precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if _VACATION_SUBJECT.search(mail.subject):
        return f"主题为自动回复：{mail.subject[:40]}"
    return ""


def detect_bounce(mail: ParsedMail) -> str:
    content_type = mail.header("content-type").lower()
    if "multipart/report" in content_type and "delivery-status" in content_type:
        return "退信（delivery-status 报告）"
    sender = mail.from_addr.split("@")[0].lower()
    if sender in ("mailer-daemon", "postmaster") and mail.header("x-failed-recipients"):
        return f"退信（{sender}）"
    return ""


def classify_message(
    mail: ParsedMail, *, refers_to_case: str, own_addresses: frozenset[str]
) -> MessageKind:
    """``refers_to_case`` says how the mail was tied to a case ('' when it was not)."""
    if mail.from_addr and mail.from_addr in own_addresses:
        return MessageKind("own_message", f"发件人为本系统地址 {mail.from_addr}，防止邮件循环")
    bounce = detect_bounce(mail)
    if bounce:
        return MessageKind("bounce", bounce)
    auto = detect_auto_reply(mail)
    if auto:
        return MessageKind("auto_reply", auto)
    if refers_to_case:
        return MessageKind("reply", refers_to_case)
    return MessageKind("complaint", "未关联已有案件的新来件")
