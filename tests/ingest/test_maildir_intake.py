"""Maildir intake: archived raw and committed before processing; idempotent."""

from __future__ import annotations

import hashlib
import mailbox

from sqlalchemy import select

from daemon.jobs import ProcessJob
from ingest.intake import poll_mail
from ingest.maildir import MaildirSource
from store.models import Submission
from tests import mailfactory


def test_each_message_archived_once_byte_for_byte(make_settings, make_service, tmp_path) -> None:
    service = make_service(make_settings())
    (tmp_path / "var").mkdir(exist_ok=True)
    box = mailbox.Maildir(tmp_path / "var" / "maildir", create=True)
    raw = mailfactory.complaint(subject="测试", body="内容", message_id="<m1@x>")
    box.add(raw)
    source = MaildirSource(tmp_path / "var" / "maildir")
    first = poll_mail(source, service.archive, service.sessions, service.clock)
    second = poll_mail(source, service.archive, service.sessions, service.clock)
    assert (first.stored, second.stored) == (1, 0)
    with service.sessions() as session:
        submission = session.scalars(select(Submission)).one()
    stored = service.archive.read(submission.archive_path)
    assert hashlib.sha256(stored).hexdigest() == submission.sha256
    assert submission.status == "pending" and submission.message_id == "<m1@x>"
    assert stored == mailbox.Maildir(tmp_path / "var" / "maildir").get_bytes(next(iter(box.keys())))


def test_poison_message_is_quarantined_and_the_next_goes_on(
    make_settings, make_service, tmp_path
) -> None:
    service = make_service(make_settings())
    (tmp_path / "var").mkdir(exist_ok=True)
    box = mailbox.Maildir(tmp_path / "var" / "maildir", create=True)
    box.add(
        mailfactory.complaint(
            subject="盐湖区政府违规收费",
            body="盐湖区人民政府违规收取费用，请查处。",
            message_id="<a@x>",
        )
    )
    box.add(
        mailfactory.complaint(
            subject="临猗县政府违规收费",
            body="临猗县人民政府违规收取费用，请查处。",
            message_id="<b@x>",
        )
    )
    poll_mail(
        MaildirSource(tmp_path / "var" / "maildir"),
        service.archive,
        service.sessions,
        service.clock,
    )
    with service.sessions() as session:
        first = session.scalars(select(Submission).order_by(Submission.id)).first()
        assert first is not None
        (service.archive.root / first.archive_path).unlink()  # the archive lost this file
    job = ProcessJob(service)
    job.run_once()
    assert job.last is not None
    assert job.last.counts["quarantined"] == 1 and job.last.counts["complaint"] == 1
    with service.sessions() as session:
        statuses = [s.status for s in session.scalars(select(Submission).order_by(Submission.id))]
    assert statuses == ["quarantined", "processed"]
