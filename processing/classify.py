"""What is this message? A pure decision over a parsed mail, with the reason recorded.

Kinds: ``complaint`` (a new case), ``reply`` (about an existing case: from its unit, its
complainant or someone else), ``hotline_export`` (a 12345 work-order export from a registered
hotline-centre address), ``auto_reply`` (RFC 3834 and vacation notices), ``bounce``
(delivery-status notifications, RFC 3464), ``bulk`` (mailing lists, RFC 2369/2919),
``own_message`` (our own outgoing mail coming back: a loop). Auto-replies, bounces, bulk mail and
loops never create cases and never get an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processing.parse import ParsedMail

_VACATION_SUBJECT = re.compile(
    r"^\s*(自动回复|自動回覆|自動回复|自动答复|自动应答|Auto(matic)?[- ]?(Reply|Response)|"
    r"Out of (the )?Office|休假|不在办公室|外出)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(Undeliver(able|ed)|Delivery Status Notification|Delivery (Failure|failed)|"
    r"Mail delivery failed|Returned mail|系统退信|退信|投递失败|发送失败)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
EXPORT_EXTENSIONS = (".xls", ".xlsx", ".csv", ".et", ".zip")
DISCARD_KINDS = frozenset({"auto_reply", "bounce", "bulk", "own_message"})


@dataclass(frozen=True, slots=True)
class MessageKind:
    kind: str
    reason: str


def detect_auto_reply(mail: ParsedMail) -> str:
    """The reason ``mail`` is machine-generated, or '' when it looks written by a person."""
    auto_submitted = mail.header("auto-submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":  # RFC 3834 section 5
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
    """The reason ``mail`` is a delivery-status notification, or ''."""
    content_type = mail.header("content-type").lower()
    if "multipart/report" in content_type and "delivery-status" in content_type:
        return "退信（delivery-status 报告）"
    sender = mail.from_addr.split("@")[0].lower()
    if sender in _BOUNCE_SENDERS and (
        mail.header("x-failed-recipients") or _BOUNCE_SUBJECT.search(mail.subject)
    ):
        return f"退信（{sender}：{mail.subject[:40]}）"
    if mail.delivery_report is not None and mail.delivery_report.recipients:
        return "退信（含投递状态报告）"
    return ""


def detect_bulk(mail: ParsedMail) -> str:
    """The reason ``mail`` is list or bulk mail (RFC 2369, RFC 2919), or ''."""
    for header in ("list-id", "list-unsubscribe", "list-post"):
        if mail.header(header):
            return f"邮件列表或群发邮件（{header}）"
    return ""


def has_export_attachment(mail: ParsedMail) -> bool:
    return any(a.filename.lower().endswith(EXPORT_EXTENSIONS) for a in mail.attachments)


def classify_message(
    mail: ParsedMail,
    *,
    refers_to_case: str,
    own_addresses: frozenset[str],
    hotline_senders: frozenset[str] = frozenset(),
) -> MessageKind:
    """``refers_to_case`` says how the mail was tied to a case ('' when it was not)."""
    if mail.from_addr and mail.from_addr in own_addresses:
        return MessageKind("own_message", f"发件人为本系统地址 {mail.from_addr}，防止邮件循环")
    for kind, detect in (
        ("bounce", detect_bounce),
        ("auto_reply", detect_auto_reply),
        ("bulk", detect_bulk),
    ):
        reason = detect(mail)
        if reason:
            return MessageKind(kind, reason)
    if mail.from_addr in hotline_senders and has_export_attachment(mail):
        return MessageKind("hotline_export", f"12345 热线工单导出文件（发件人 {mail.from_addr}）")
    if refers_to_case:
        return MessageKind("reply", refers_to_case)
    return MessageKind("complaint", "未关联已有案件的新来件")
