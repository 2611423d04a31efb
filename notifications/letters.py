"""Letters: render a template pair (text + HTML) into an email and queue it in the outbox.

Rendering and queueing happen in the caller's transaction, so a letter exists exactly when the
case change that caused it was committed. Sending is the outbox job's business.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.units import Unit
from core.clock import to_local
from core.masking import mask_name, mask_personal_data
from notifications.render import render
from notifications.tokens import make_message_id
from processing.categorise import CATEGORIES
from store.models import Case, OutboxMessage

CHANNEL_LABELS = {"email": "电子邮件", "hotline": "12345热线", "letter": "信件", "web": "网站专栏"}

# Art. 13 and 14, in working days.
ACK_WORKING_DAYS = 3
RESULT_WORKING_DAYS = 30


@dataclass(frozen=True, slots=True)
class LetterSettings:
    """What every letter needs to know about the sending office."""

    office_name: str
    office_email: str
    from_address: str
    mail_domain: str
    token_secret: bytes


def _one_line(value: str) -> str:
    """Header values come from citizens' text: no line breaks may reach a header (injection)."""
    return " ".join(value.split())


def chinese_date(when: dt.datetime) -> str:
    local = to_local(when)
    return f"{local.year}年{local.month}月{local.day}日"


def build_email(
    *,
    subject: str,
    text: str,
    html: str,
    to: str,
    message_id: str,
    settings: LetterSettings,
    now: dt.datetime,
    in_reply_to: str = "",
    auto: bool = True,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = email.utils.formataddr((settings.office_name, settings.from_address))
    message["To"] = to
    message["Reply-To"] = settings.office_email
    message["Subject"] = _one_line(subject)
    message["Date"] = email.utils.format_datetime(to_local(now))
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if auto:
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to us, please
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def queue_message(
    session: Session,
    *,
    case: Case | None,
    kind: str,
    stage: str,
    message: EmailMessage,
    recipient: str,
    now: dt.datetime,
) -> OutboxMessage:
    """Add ``message`` to the outbox once per (case, kind, stage, recipient); returns the row."""
    key = f"{case.id if case else '-'}:{kind}:{stage}:{recipient.lower()}"
    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()
    if existing is not None:
        return existing
    row = OutboxMessage(
        dedupe_key=key,
        case_id=case.id if case else None,
        kind=kind,
        stage=stage,
        recipient=recipient,
        subject=str(message["Subject"]),
        message_id=str(message["Message-ID"]),
        raw=message.as_bytes(),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def transfer_letter_context(case: Case, unit: Unit) -> Mapping[str, Any]:
    body = mask_personal_data(case.body or "")
    return {
        "case": case,
        "unit": unit,
        "channel_label": CHANNEL_LABELS.get(case.channel, case.channel),
        "category_label": CATEGORIES.get(case.category or "other", "其他"),
        "complainant_masked": mask_name(case.complainant_name) or "（未署名）",
        "body_lines": [line for line in body.splitlines() if line.strip()] or ["（无正文）"],
        "received_date": chinese_date(case.received_at),
        "ack_days": ACK_WORKING_DAYS,
        "result_days": RESULT_WORKING_DAYS,
    }


@dataclass(frozen=True)
class LetterWriter:
    """Templates plus office settings: renders a letter kind and queues it in the outbox.

    A letter kind ``k`` is three templates: ``k.subject.j2``, ``k.txt.j2`` and ``k.html.j2``.
    Every template sees ``office_name``, ``letter_date`` and ``case`` besides its own context.
    """

    env: Environment
    settings: LetterSettings

    def render(self, kind: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        subject = render(self.env, f"{kind}.subject.j2", context).strip()
        return (
            subject,
            render(self.env, f"{kind}.txt.j2", context),
            render(self.env, f"{kind}.html.j2", context),
        )

    def queue(
        self,
        session: Session,
        *,
        kind: str,
        case: Case | None,
        to_name: str,
        to_address: str,
        stage: str,
        context: Mapping[str, Any],
        now: dt.datetime,
        in_reply_to: str = "",
    ) -> OutboxMessage:
        """Render ``kind`` and add it to the outbox once per (case, kind, stage, recipient)."""
        full = {
            "office_name": self.settings.office_name,
            "letter_date": chinese_date(now),
            "case": case,
            **context,
        }
        subject, text, html = self.render(kind, full)
        message = build_email(
            subject=subject,
            text=text,
            html=html,
            to=email.utils.formataddr((to_name, to_address)),
            message_id=make_message_id(
                self.settings.token_secret,
                case_id=case.id if case else 0,
                kind=kind,
                domain=self.settings.mail_domain,
            ),
            settings=self.settings,
            now=now,
            in_reply_to=in_reply_to,
        )
        return queue_message(
            session,
            case=case,
            kind=kind,
            stage=stage,
            message=message,
            recipient=to_address,
            now=now,
        )

    def queue_transfer(
        self, session: Session, case: Case, unit: Unit, now: dt.datetime
    ) -> OutboxMessage:
        """转办函 to the handling unit (Art. 13, 14), personal data masked (Art. 17)."""
        return self.queue(
            session,
            kind="transfer",
            case=case,
            to_name=unit.name,
            to_address=unit.email,
            stage=unit.code,
            context=transfer_letter_context(case, unit),
            now=now,
        )
