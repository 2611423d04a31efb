"""A complaint desk for workflow tests: real Maildir intake, the real jobs, an injected clock.

Mail goes in through a Maildir, every job runs as the daemon runs it, and letters leave through
the outbox into .eml files, so a test sees exactly what a unit or a complainant would receive.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import mailbox
import threading
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from sqlalchemy import select

from core.clock import CHINA_TZ, FixedClock
from daemon.jobs import make_jobs
from daemon.service import Service
from store.db import transaction
from store.models import Case, CaseEvent, Deadline, OutboxMessage
from tests import mailfactory

COMPLAINANT = "wangkun@example.com"
YANHU = "yanhu@units.yuncheng.example"
LINYI = "linyi@units.yuncheng.example"
YANHU_CREDIT = "yanhu-credit@units.yuncheng.example"


def beijing(day: str, time: str = "09:00") -> dt.datetime:
    return dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time.fromisoformat(time), CHINA_TZ
    ).astimezone(dt.UTC)


class Desk:
    def __init__(self, service: Service, clock: FixedClock, base: Path) -> None:
        self.service, self.clock = service, clock
        (base / "var").mkdir(exist_ok=True)
        self.box = mailbox.Maildir(base / "var" / "maildir", create=True)
        self.seen_outbox = 0

    def at(self, day: str, time: str = "09:00") -> None:
        self.clock.set(beijing(day, time))

    def run(self) -> dict[str, str]:
        """Every job once, as ``run --once`` does; job name → its summary."""
        return {job.name: job.run_once() for job in make_jobs(self.service, threading.Event())}

    def complain(self, subject: str, body: str, message_id: str = "<c1@example.com>") -> Case:
        self.box.add(
            mailfactory.complaint(
                subject=subject, body=body, sender=COMPLAINANT, message_id=message_id
            )
        )
        self.run()
        with self.service.sessions() as session:
            return session.scalars(select(Case).order_by(Case.id.desc())).first()

    def reply(self, sender: str, body: str, *, to_kind: str, attachments: tuple = ()) -> list[str]:
        """A reply to the newest letter of ``to_kind`` sent to ``sender``."""
        letter = self.letters(to_kind, sender)[-1]
        message = EmailMessage(policy=SMTP)
        message["From"] = sender
        message["To"] = "ycsxyb123@126.com"
        message["Subject"] = f"回复：{letter.subject}"
        message["Message-ID"] = email.utils.make_msgid(domain="reply.example")
        message["In-Reply-To"] = letter.message_id
        message["References"] = letter.message_id
        message.set_content(body)
        for name, maintype, subtype, payload in attachments:
            message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
        self.box.add(message.as_bytes())
        return self.run()

    def case(self, number: str | None = None) -> Case:
        with self.service.sessions() as session:
            stmt = select(Case).order_by(Case.id.desc())
            if number:
                stmt = select(Case).where(Case.number == number)
            case = session.scalars(stmt).first()
            assert case is not None
            return case

    def letters(self, kind: str | None = None, recipient: str | None = None) -> list[OutboxMessage]:
        with self.service.sessions() as session:
            stmt = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                stmt = stmt.where(OutboxMessage.kind == kind)
            if recipient:
                stmt = stmt.where(OutboxMessage.recipient == recipient)
            return list(session.scalars(stmt))

    def new_letters(self) -> list[tuple[str, str]]:
        """(kind, recipient) of every letter queued since the last call, all of them sent."""
        rows = self.letters()
        fresh = rows[self.seen_outbox :]
        self.seen_outbox = len(rows)
        assert all(r.status == "sent" for r in fresh), [(r.kind, r.status) for r in fresh]
        return [(r.kind, r.recipient) for r in fresh]

    def text_of(self, letter: OutboxMessage) -> str:
        message = email.message_from_bytes(letter.raw, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def deadlines(self, case: Case | None = None) -> dict[str, tuple[str, str, bool]]:
        """stage → (due date, status, provisional)."""
        case = case or self.case()
        with self.service.sessions() as session:
            rows = session.scalars(select(Deadline).where(Deadline.case_id == case.id))
            return {r.stage: (r.due_on.isoformat(), r.status, r.provisional) for r in rows}

    def events(self, case: Case | None = None) -> list[CaseEvent]:
        case = case or self.case()
        with self.service.sessions() as session:
            return list(
                session.scalars(
                    select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
                )
            )


def decide(desk: Desk, fn, staff: str = "li", **kwargs):  # type: ignore[no-untyped-def]
    """Run a staff decision (``processing.decisions``) on the newest case, in one transaction."""
    with transaction(desk.service.sessions) as session:
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        return fn(session, case, desk.service.workflow, staff=staff, **kwargs)
