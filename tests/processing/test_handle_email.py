"""What each kind of message does to the store: cases, follow-ups, notes, bounces, discards."""

from __future__ import annotations

import dataclasses
import mailbox
from pathlib import Path

import pytest
from sqlalchemy import func, select

from daemon.jobs import ProcessJob
from ingest.intake import poll_mail
from ingest.maildir import MaildirSource
from store.models import Attachment, Case, CaseEvent, OutboxMessage, Submission
from tests import mailfactory

EML = Path(__file__).resolve().parents[1] / "data" / "eml"
FIXTURE_MID = b"<zwsx.c1.transfer.0123456789ab.abcdefghijklmnop@126.com>"
UNIT = "yanhu@units.yuncheng.example"
BODY = (
    "尊敬的信用办：\n盐湖区人民政府2025年招商引资时承诺给入驻企业的设备补贴至今没有兑现，"
    "多次反映无人答复。请督促盐湖区人民政府履行承诺。\n联系电话：13835900001\n王堃\n"
)


class Desk:
    """A service on SQLite with a Maildir source; ``deliver`` runs intake and processing."""

    def __init__(self, service, maildir: Path) -> None:
        self.service = service
        self.box = mailbox.Maildir(maildir, create=True)
        self.source = MaildirSource(maildir)

    def deliver(self, *raws: bytes) -> dict[str, int]:
        for raw in raws:
            self.box.add(raw)
        poll_mail(self.source, self.service.archive, self.service.sessions, self.service.clock)
        job = ProcessJob(self.service)
        job.run_once()
        assert job.last is not None
        return dict(job.last.counts)

    def one(self, model):
        with self.service.sessions() as session:
            return session.scalars(select(model).order_by(model.id)).all()

    def count(self, model) -> int:
        with self.service.sessions() as session:
            return session.scalar(select(func.count(model.id)))


@pytest.fixture
def desk(make_settings, make_service, tmp_path) -> Desk:
    (tmp_path / "var").mkdir(exist_ok=True)
    return Desk(make_service(make_settings()), tmp_path / "var" / "maildir")


def complaint(**kw) -> bytes:
    defaults = {"subject": "盐湖区政府招商引资承诺不兑现", "body": BODY}
    return mailfactory.complaint(**{**defaults, **kw})


def transfer_letters(desk: Desk) -> list[OutboxMessage]:
    """The 转办函 rows (the complainant's 受理回执 is queued too, since issue 6)."""
    return [m for m in desk.one(OutboxMessage) if m.kind == "transfer"]


def transferred(desk: Desk) -> tuple[Case, OutboxMessage]:
    assert desk.deliver(complaint()) == {"complaint": 1}
    case = desk.one(Case)[0]
    letter = transfer_letters(desk)[0]
    assert case.status == "transferred" and letter.recipient == UNIT
    return case, letter


def events(desk: Desk) -> list[CaseEvent]:
    return desk.one(CaseEvent)


def test_same_message_twice_is_one_case(desk: Desk) -> None:
    raw = complaint()
    assert desk.deliver(raw, raw) == {"complaint": 1, "duplicate": 1}
    assert desk.count(Case) == 1
    assert [s.status for s in desk.one(Submission)] == ["processed", "discarded"]


def test_same_message_id_to_two_addresses_is_one_case(desk: Desk) -> None:
    first = complaint()
    second = b"Delivered-To: other@126.com\r\n" + first
    assert desk.deliver(first, second) == {"complaint": 1, "duplicate": 1}
    assert desk.count(Case) == 1


def test_resend_by_the_same_complainant_is_a_followup(desk: Desk) -> None:
    desk.deliver(complaint())
    resend = complaint(body="再次反映：" + BODY + "请尽快处理。", message_id="<resend@example.com>")
    assert desk.deliver(resend) == {"followup": 1}
    assert desk.count(Case) == 1
    followup = events(desk)[-1]
    assert followup.kind == "complainant_followup" and followup.data["resend"] is True


def test_a_different_complaint_by_the_same_person_opens_a_case(desk: Desk) -> None:
    desk.deliver(complaint())
    other = complaint(
        subject="临猗县教育局违规收费",
        body="临猗县教育局向学生家长违规收取资料费每人二百元，无任何票据。请查处。",
        message_id="<other@example.com>",
    )
    assert desk.deliver(other) == {"complaint": 1}
    assert desk.count(Case) == 2


def test_forged_unit_reply_changes_nothing(desk: Desk) -> None:
    case, letter = transferred(desk)
    forged = mailfactory.reply(
        sender=UNIT,
        subject=f"回复：【{case.number}】",
        body="办结\n已处理。",
        in_reply_to=letter.message_id,
        extra_headers={
            "Authentication-Results": "mx.126.com; spf=fail smtp.mailfrom=units.yuncheng.example;"
            " dkim=none; dmarc=fail header.from=units.yuncheng.example"
        },
    )
    assert desk.deliver(forged) == {"unverified": 1}
    assert desk.one(Case)[0].status == "transferred"
    note = events(desk)[-1]
    assert note.kind == "unverified_reply" and note.data["needs_staff"] is True
    assert "DMARC" in note.data["reason"]


def test_stranger_quoting_a_case_number_changes_nothing(desk: Desk) -> None:
    case, _ = transferred(desk)
    stranger = mailfactory.reply(
        sender="someone@example.com", subject=f"关于 {case.number}", body="办结"
    )
    assert desk.deliver(stranger) == {"unverified": 1}
    assert desk.one(Case)[0].status == "transferred"


def test_replayed_unit_reply_changes_nothing(desk: Desk) -> None:
    _case, letter = transferred(desk)
    acknowledge = mailfactory.reply(
        sender=UNIT,
        subject="回复",
        body="签收",
        in_reply_to=letter.message_id,
        message_id="<ack-1@units.yuncheng.example>",
    )
    assert desk.deliver(acknowledge) == {"reply": 1}
    # The same Message-ID again with other content: a captured reply replayed with a new command.
    replay = mailfactory.reply(
        sender=UNIT,
        subject="回复",
        body="办结\n已处理",
        in_reply_to=letter.message_id,
        message_id="<ack-1@units.yuncheng.example>",
    )
    assert desk.deliver(replay) == {"unverified": 1}
    assert desk.one(Case)[0].status == "acknowledged"


def test_reply_dated_before_the_letter_is_a_replay(desk: Desk) -> None:
    _, letter = transferred(desk)
    old = mailfactory.reply(sender=UNIT, subject="回复", body="签收", in_reply_to=letter.message_id)
    old = old.replace(b"Wed, 25 Nov 2026 10:00:00 +0800", b"Mon, 02 Mar 2026 10:00:00 +0800")
    assert desk.deliver(old) == {"unverified": 1}
    note = events(desk)[-1]
    assert note.kind == "unverified_reply" and note.data["needs_staff"] is True
    assert note.data["reason"] == "回复日期早于所回复的函件，疑为旧邮件重放"
    assert "回复日期早于所回复的函件" in (desk.one(Submission)[-1].kind_reason or "")
    assert desk.one(Case)[0].status == "transferred"


def test_auto_reply_loop_attempt_is_discarded_and_never_answered(desk: Desk) -> None:
    case, letter = transferred(desk)
    loops = [
        mailfactory.reply(
            sender=UNIT,
            subject=f"自动回复：【{case.number}】转办函",
            body="我已休假",
            in_reply_to=letter.message_id,
        ),
        mailfactory.reply(
            sender=UNIT,
            subject="Re: 转办函",
            body="Auto",
            in_reply_to=letter.message_id,
            extra_headers={"Auto-Submitted": "auto-replied"},
        ),
        mailfactory.reply(sender="ycsxyb123@126.com", subject=f"【{case.number}】", body="loop"),
        (EML / "auto_reply_vacation_subject_gbk.eml").read_bytes(),
        (EML / "mailing_list_bulk.eml").read_bytes(),
    ]
    assert desk.deliver(*loops) == {"auto_reply": 3, "own_message": 1, "bulk": 1}
    assert desk.count(OutboxMessage) == 2  # the 受理回执 and the 转办函, nothing in answer
    assert desk.count(Case) == 1
    assert desk.one(Case)[0].status == "transferred"


def test_permanent_bounce_marks_the_letter_and_alerts_staff(desk: Desk) -> None:
    _case, letter = transferred(desk)
    dsn = (EML / "dsn_permanent_failure.eml").read_bytes()
    assert desk.deliver(dsn.replace(FIXTURE_MID, letter.message_id.encode())) == {"bounce": 1}
    row = transfer_letters(desk)[0]
    assert row.status == "bounced" and "5.1.1" in row.last_error
    assert "User not found" in row.last_error
    alert = events(desk)[-1]
    assert alert.kind == "letter_bounced" and alert.data["needs_staff"] is True
    assert desk.one(Case)[0].status == "transferred"
    assert desk.count(Case) == 1


def test_delayed_delivery_is_noted_without_marking_bounced(desk: Desk) -> None:
    _, letter = transferred(desk)
    dsn = (EML / "dsn_delayed.eml").read_bytes()
    assert desk.deliver(dsn.replace(FIXTURE_MID, letter.message_id.encode())) == {"bounce": 1}
    row = transfer_letters(desk)[0]
    assert row.status != "bounced" and row.last_error.startswith("延迟投递")
    assert events(desk)[-1].kind == "letter_delayed"


def test_foreign_bounce_is_discarded_with_reason(desk: Desk) -> None:
    assert desk.deliver((EML / "nodemailer_delivery_status_ses.eml").read_bytes()) == {"bounce": 1}
    submission = desk.one(Submission)[0]
    assert submission.status == "discarded" and "不是本系统" in submission.kind_reason


def test_hotline_export_is_stored_for_the_importer_and_opens_no_case(desk: Desk) -> None:
    ctx = desk.service.processing
    desk.service.__dict__["processing"] = dataclasses.replace(
        ctx, hotline_senders=frozenset({"export@12345.yuncheng.example"})
    )
    assert desk.deliver((EML / "hotline_export_xlsx.eml").read_bytes()) == {"hotline_export": 1}
    assert desk.count(Case) == 0
    attachment = desk.one(Attachment)[0]
    assert (attachment.kind, attachment.original_name) == ("hotline_export", "工单.xlsx")
    assert attachment.case_id is None and attachment.archive_path.endswith(".xlsx")


def test_export_from_an_unregistered_sender_is_not_an_export(desk: Desk) -> None:
    assert desk.deliver((EML / "hotline_export_xlsx.eml").read_bytes()) == {"complaint": 1}


def test_poison_between_two_good_messages(desk: Desk) -> None:
    good = complaint(message_id="<g1@x>")
    poison = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary garbage"
    other = complaint(
        subject="临猗县教育局违规收费",
        body="临猗县教育局违规收取资料费，请查处。",
        sender="li@example.com",
        message_id="<g2@x>",
    )
    assert desk.deliver(good, poison, other) == {"complaint": 2, "quarantined": 1}
    quarantined = [s for s in desk.one(Submission) if s.status == "quarantined"]
    assert len(quarantined) == 1 and quarantined[0].error.splitlines()[-1].startswith(
        "无法识别为电子邮件"
    )
