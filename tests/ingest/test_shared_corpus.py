"""Every edge-case mail in the shared corpus goes through intake and processing without an
unexpected error: each becomes a case, a follow-up, a discard with its reason, or a quarantine
entry whose reason a clerk can read.

The corpus stays outside the repository (``../shared/data/eml`` beside the checkout, or the
directory in ``ZWSX_SHARED_DIR``); without it the test is skipped and says so.
"""

from __future__ import annotations

import mailbox

import pytest
from sqlalchemy import select

from ingest.intake import poll_mail
from ingest.maildir import MaildirSource
from processing.pipeline import process_pending
from store.models import Submission
from tests.shared_data import EML_CORPUS, absent

CORPUS = EML_CORPUS


@pytest.mark.skipif(not CORPUS.is_dir(), reason=absent(CORPUS))
def test_every_shared_mail_is_handled(make_settings, make_service, tmp_path) -> None:
    service = make_service(make_settings(intake={"max_message_mb": 64}))
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    assert len(files) >= 50
    (tmp_path / "var").mkdir(exist_ok=True)
    box = mailbox.Maildir(tmp_path / "var" / "maildir", create=True)
    for path in files:
        box.add(path.read_bytes())
    intake = poll_mail(
        MaildirSource(tmp_path / "var" / "maildir"),
        service.archive,
        service.sessions,
        service.clock,
    )
    assert intake.stored == len(files)
    result = process_pending(service.sessions, service.processing)
    with service.sessions() as session:
        rows = list(session.scalars(select(Submission)))
    reasons = {r.id: (r.error or "").strip().splitlines()[-1] for r in rows if r.error}
    unexpected = [reason for reason in reasons.values() if reason.startswith("处理时发生")]
    assert unexpected == [], unexpected
    for row in rows:
        assert row.status in ("processed", "discarded", "quarantined"), row.status
        if row.status == "quarantined":
            assert reasons[row.id].startswith("无法识别为电子邮件")
        elif row.status == "discarded":
            assert row.kind and row.kind_reason
        else:
            assert row.case_id is not None or row.kind == "hotline_export"
    assert result.counts["complaint"] >= 40
