"""Letters: render a template triple (subject, text, HTML) into an email and queue it in the outbox.

Rendering and queueing happen in the caller's transaction, so a letter exists exactly when the
case change that caused it was committed. Sending is the outbox job's business.

Header values never come raw from complaint content: names and subjects are folded to one line
and RFC 2047-encoded by the email package; addresses must be one plain addr-spec. Nothing a
citizen writes can add a header (no CR/LF reaches one).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.units import Unit, UnitRegistry
from core.clock import to_local
from core.masking import mask_text
from notifications.disclosure import (
    ContactPolicy,
    Disclosure,
    complainant_view,
    decide_contact_disclosure,
    record_disclosure,
)
from notifications.render import CHANNEL_LABELS, category_label, chinese_date, render
from notifications.tokens import make_message_id
from processing.deadlines import DeadlineRules
from store.models import Case, OutboxMessage

__all__ = ["CHANNEL_LABELS", "LETTER_KINDS", "LetterSettings", "LetterWriter"]

# Every letter kind the service sends: its Chinese name and who reads it.
LETTER_KINDS: Mapping[str, tuple[str, str]] = {
    "acknowledgement": ("受理回执", "complainant"),
    "not_accepted": ("不予受理告知", "complainant"),
    "transfer": ("转办函", "unit"),
    "deadline_notice": ("到期提醒", "unit"),
    "supervision": ("提醒督办函", "unit"),
    "command_confirmation": ("回复登记确认", "unit"),
    "feedback_request": ("办理结果反馈及满意度征询", "complainant"),
    "return_visit_request": ("回访记录请求", "complainant"),
    "supplementary_investigation": ("补充调查通知", "unit"),
    "digest": ("每日工作汇总", "staff"),
    "monthly_summary": ("月度汇总", "staff"),
    "outbox_alert": ("发信失败提醒", "staff"),
}

# One addr-spec, nothing else: no display name, no list, no whitespace or angle brackets.
_ADDRESS_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
)
_MESSAGE_ID_RE = re.compile(r"<[^<>\s]+@[^<>\s]+>")


class HeaderError(ValueError):
    """A value cannot be used in a mail header (it would change the message's headers)."""


@dataclass(frozen=True, slots=True)
class LetterSettings:
    """What every letter needs to know about the sending office."""

    office_name: str
    office_email: str
    from_address: str
    mail_domain: str
    token_secret: bytes


def one_line(value: str) -> str:
    """Header values come from citizens' text: no line breaks may reach a header (injection)."""
    return " ".join(value.replace("\x00", "").split())


def checked_address(address: str) -> str:
    """``address`` if it is exactly one plain address, else HeaderError (never a silent fix)."""
    candidate = address.strip()
    if not _ADDRESS_RE.fullmatch(candidate):
        raise HeaderError(f"收件地址格式不正确，已拒绝：{candidate[:80]!r}")
    return candidate


def make_address(name: str, address: str) -> Address:
    """A structured address: the email package RFC 2047-encodes the name and never re-parses it
    (a formatted string would be re-parsed, and "王 Bcc: x@evil" would yield x@evil)."""
    return Address(display_name=one_line(name), addr_spec=checked_address(address))


def build_email(
    *,
    subject: str,
    text: str,
    html: str,
    to: Address,
    message_id: str,
    settings: LetterSettings,
    now: dt.datetime,
    in_reply_to: str = "",
    auto: bool = True,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = make_address(settings.office_name, settings.from_address)
    message["To"] = to
    message["Reply-To"] = checked_address(settings.office_email)
    message["Subject"] = one_line(subject)
    message["Date"] = email.utils.format_datetime(to_local(now))
    message["Message-ID"] = message_id
    reference = in_reply_to.strip()
    if reference and _MESSAGE_ID_RE.fullmatch(reference):
        message["In-Reply-To"] = reference
        message["References"] = reference
    if auto:
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to us, please
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def dedupe_key(case: Case | None, kind: str, stage: str, recipient: str) -> str:
    """One outbox row per (case, letter kind, stage, recipient)."""
    return f"{case.id if case else '-'}:{kind}:{stage}:{recipient.strip().lower()}"


def find_queued(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


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
    recipient = checked_address(recipient)
    key = dedupe_key(case, kind, stage, recipient)
    existing = find_queued(session, key)
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


def mask_for_unit(text: str, case: Case | None) -> str:
    """Text about a case as a unit may read it: personal data and the complainant's name masked
    (Art. 17(3): nothing identifying the complainant goes to the body complained about)."""
    return mask_text(text, [case.complainant_name] if case is not None else [])


def _masked_value(value: Any, case: Case | None) -> Any:
    if isinstance(value, str):
        return mask_for_unit(value, case)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return [mask_for_unit(item, case) for item in value]
    return value


def letter_context(
    kind: str,
    case: Case | None,
    context: Mapping[str, Any],
    *,
    office_name: str,
    office_email: str,
    now: dt.datetime,
    limits: DeadlineRules,
) -> dict[str, Any]:
    """Everything a template of ``kind`` sees: the office, the date, the time limits in force
    (``limits``: the configured periods of Art. 13, 14, 18), the case and its masked title
    (``title_masked``), then the kind's own ``context``.

    For a letter to a unit every text of ``context`` (a clerk's reason, a result …) is masked
    like the title; disclosed contact details travel as a ``ComplainantView``, never as text.
    """
    if LETTER_KINDS.get(kind, ("", ""))[1] == "unit":
        context = {key: _masked_value(value, case) for key, value in context.items()}
    return {
        "office_name": office_name,
        "office_email": office_email,
        "letter_date": chinese_date(now),
        "limits": limits,
        "case": case,
        "title_masked": mask_for_unit(case.title or "", case) if case is not None else "",
        **context,
    }


def transfer_letter_context(
    case: Case,
    unit: Unit,
    disclosure: Disclosure | None = None,
    *,
    ack_due: dt.date | None = None,
    result_due: dt.date | None = None,
    ack_due_provisional: bool = False,
    result_due_provisional: bool = False,
) -> Mapping[str, Any]:
    """Context of the 转办函 (Art. 13, 14): the case masked, contact details per ``disclosure``."""
    disclosure = disclosure or Disclosure((), "默认遮蔽")
    body = mask_for_unit(case.body or "", case)
    return {
        "unit": unit,
        "channel_label": CHANNEL_LABELS.get(case.channel, case.channel),
        "category_label": category_label(case.category),
        "complainant": complainant_view(case, disclosure),
        "body_lines": [line for line in body.splitlines() if line.strip()] or ["（无正文）"],
        "received_date": chinese_date(case.received_at),
        "ack_due": ack_due,
        "result_due": result_due,
        # Counted over a year whose holiday schedule is not yet known (issue 6: marked 暂定).
        "ack_due_provisional": ack_due_provisional,
        "result_due_provisional": result_due_provisional,
    }


@dataclass(frozen=True)
class LetterWriter:
    """Templates plus office settings: renders a letter kind and queues it in the outbox.

    A letter kind ``k`` is three templates: ``k.subject.j2``, ``k.txt.j2`` and ``k.html.j2``.
    Every template sees ``office_name``, ``office_email``, ``letter_date``, ``limits``, ``case``
    and ``title_masked`` besides its own context.
    """

    env: Environment
    settings: LetterSettings
    contact_policy: ContactPolicy = "unless_respondent"
    # Tells a respondent that is clearly another body from one that may be the unit (Art. 17(3));
    # without it, "unless_respondent" never discloses.
    registry: UnitRegistry | None = None
    # The periods letters state: the same settings the due dates are counted with.
    limits: DeadlineRules = field(default_factory=DeadlineRules)

    def context(
        self, kind: str, case: Case | None, context: Mapping[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        """The full template context of ``kind`` (see ``letter_context``)."""
        return letter_context(
            kind,
            case,
            context,
            office_name=self.settings.office_name,
            office_email=self.settings.office_email,
            now=now,
            limits=self.limits,
        )

    def render(self, kind: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        subject = one_line(render(self.env, f"{kind}.subject.j2", context))
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
        return self._queue(
            session,
            kind=kind,
            case=case,
            to_name=to_name,
            to_address=to_address,
            stage=stage,
            context=context,
            now=now,
            in_reply_to=in_reply_to,
        )[0]

    def _queue(
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
    ) -> tuple[OutboxMessage, bool]:
        """The outbox row, and whether it was new (a queued letter is never rendered again)."""
        existing = find_queued(session, dedupe_key(case, kind, stage, one_line(to_address)))
        if existing is not None:
            return existing, False
        subject, text, html = self.render(kind, self.context(kind, case, context, now))
        try:
            checked_address(to_address)
        except HeaderError as error:
            # A citizen's odd address must not stop the case: the letter waits for a person.
            return self._unsendable(
                session,
                kind=kind,
                case=case,
                stage=stage,
                to_address=to_address,
                subject=subject,
                error=error,
                now=now,
            )
        message = build_email(
            subject=subject,
            text=text,
            html=html,
            to=make_address(to_name, to_address),
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
        row = queue_message(
            session,
            case=case,
            kind=kind,
            stage=stage,
            message=message,
            recipient=to_address,
            now=now,
        )
        return row, True

    def _unsendable(
        self,
        session: Session,
        *,
        kind: str,
        case: Case | None,
        stage: str,
        to_address: str,
        subject: str,
        error: HeaderError,
        now: dt.datetime,
    ) -> tuple[OutboxMessage, bool]:
        """A failed outbox row with the reason, for staff (outbox list, the digest)."""
        recipient = one_line(to_address)[:320]
        row = OutboxMessage(
            dedupe_key=dedupe_key(case, kind, stage, recipient),
            case_id=case.id if case else None,
            kind=kind,
            stage=stage,
            recipient=recipient,
            subject=subject,
            message_id=make_message_id(
                self.settings.token_secret,
                case_id=case.id if case else 0,
                kind=kind,
                domain=self.settings.mail_domain,
            ),
            raw=b"",
            status="failed",
            attempts=0,
            next_attempt_at=now,
            last_error=str(error),
            created_at=now,
        )
        session.add(row)
        session.flush()
        return row, True

    def queue_transfer(
        self,
        session: Session,
        case: Case,
        unit: Unit,
        now: dt.datetime,
        *,
        ack_due: dt.date | None = None,
        result_due: dt.date | None = None,
        ack_due_provisional: bool = False,
        result_due_provisional: bool = False,
    ) -> OutboxMessage:
        """转办函 to the handling unit (Art. 13, 14); contact details only as policy allows and
        recorded when sent (Art. 17)."""
        disclosure = decide_contact_disclosure(self.contact_policy, unit, case, self.registry)
        letter, new = self._queue(
            session,
            kind="transfer",
            case=case,
            to_name=unit.name,
            to_address=unit.email,
            stage=unit.code,
            context=transfer_letter_context(
                case,
                unit,
                disclosure,
                ack_due=ack_due,
                result_due=result_due,
                ack_due_provisional=ack_due_provisional,
                result_due_provisional=result_due_provisional,
            ),
            now=now,
        )
        if not new:
            return letter
        record_disclosure(
            session,
            case,
            disclosure,
            recipient=unit.email,
            unit_code=unit.code,
            letter_kind="transfer",
            outbox_id=letter.id,
            at=now,
        )
        return letter
