"""Build test emails: complaints in any charset, and replies to the service's letters."""

from __future__ import annotations

import base64
import email.utils
from email.message import EmailMessage
from email.policy import SMTP


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def complaint(
    *,
    subject: str,
    body: str,
    sender: str = "wangkun@example.com",
    name: str = "王堃",
    charset: str = "gbk",
    label: str | None = None,
    message_id: str = "<complaint-1@example.com>",
    extra_headers: dict[str, str] | None = None,
) -> bytes:
    """A single-part complaint whose body is encoded in ``charset`` and labelled ``label``."""
    headers = [
        f"From: {encoded_word(name, charset)} <{sender}>",
        "To: ycsxyb123@126.com",
        f"Subject: {encoded_word(subject, charset)}",
        "Date: Tue, 24 Nov 2026 10:00:00 +0800",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f'Content-Type: text/plain; charset="{label or charset}"',
        "Content-Transfer-Encoding: base64",
    ]
    headers += [f"{k}: {v}" for k, v in (extra_headers or {}).items()]
    payload = base64.encodebytes(body.encode(charset)).decode().replace("\n", "\r\n")
    return ("\r\n".join(headers) + "\r\n\r\n" + payload).encode("ascii")


def reply(
    *,
    sender: str,
    sender_name: str = "",
    subject: str,
    body: str,
    in_reply_to: str = "",
    message_id: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = email.utils.formataddr((sender_name, sender))
    message["To"] = "ycsxyb123@126.com"
    message["Subject"] = subject
    message["Date"] = "Wed, 25 Nov 2026 10:00:00 +0800"
    message["Message-ID"] = message_id or email.utils.make_msgid(domain="units.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for key, value in (extra_headers or {}).items():
        message[key] = value
    message.set_content(body)
    return message.as_bytes()
