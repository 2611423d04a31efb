"""Attachments of a complaint are archived under generated names; the sender's name is data."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select

from daemon.jobs import PollMailJob, ProcessJob
from ingest.attachments import safe_suffix
from ingest.intake import poll_mail
from ingest.maildir import MaildirSource
from store.models import Attachment, SourceHealth


def test_safe_suffix() -> None:
    assert safe_suffix("证明材料.PDF") == ".pdf"
    assert safe_suffix("../../etc/passwd") == ".bin"
    assert safe_suffix("run.exe") == ".bin"


def test_attachment_with_hostile_name_is_kept_safely(make_settings, make_service, tmp_path) -> None:
    service = make_service(make_settings())
    message = EmailMessage(policy=SMTP)
    message["From"] = "张三 <zs@example.com>"
    message["To"] = "ycsxyb123@126.com"
    message["Subject"] = "盐湖区政府违规收费"
    message["Message-ID"] = "<att@x>"
    message.set_content("盐湖区人民政府违规收取费用，证据见附件。")
    message.add_attachment(
        b"%PDF-1.4 evidence", maintype="application", subtype="pdf", filename="../../收费凭证.pdf"
    )
    (tmp_path / "var").mkdir(exist_ok=True)
    mailbox.Maildir(tmp_path / "var" / "maildir", create=True).add(message.as_bytes())
    source = MaildirSource(tmp_path / "var" / "maildir")
    poll_mail(source, service.archive, service.sessions, service.clock)
    ProcessJob(service).run_once()
    with service.sessions() as session:
        attachment = session.scalars(select(Attachment)).one()
    assert attachment.original_name == "../../收费凭证.pdf"
    assert attachment.archive_path.endswith(f"{attachment.sha256}.pdf")
    assert ".." not in attachment.archive_path
    assert service.archive.read(attachment.archive_path) == b"%PDF-1.4 evidence"
    assert attachment.case_id is not None and attachment.kind == "email"


def test_poll_records_source_health(make_settings, make_service, tmp_path) -> None:
    service = make_service(make_settings())
    PollMailJob(service).run_once()
    with service.sessions() as session:
        health = session.scalars(select(SourceHealth)).one()
    assert health.last_success_at == service.clock.now() and health.consecutive_failures == 0
