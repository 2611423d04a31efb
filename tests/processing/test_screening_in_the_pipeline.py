"""Screening as the pipeline runs it: a proposal for staff, or (only for the reasons the
settings allow) a rejection sent without review."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from config.check import check_settings
from daemon.jobs import ProcessJob
from ingest.letters import add_letter, build_entry
from store.models import Case, CaseEvent, OutboxMessage
from tests import mailfactory
from tests.processing.test_handle_email import Desk

VAGUE = "有问题，太差了。\n王建国 13835900001"
MILITARY = "驻地部队占用我们村的耕地修建训练场，镇政府答应的补偿一直没有落实。\n王建国 13835900001"


def desk_with(make_settings, make_service, tmp_path: Path, **screening: list[str]) -> Desk:
    (tmp_path / "var").mkdir(exist_ok=True)
    settings = make_settings(screening=screening) if screening else make_settings()
    return Desk(make_service(settings), tmp_path / "var" / "maildir")


def test_rejection_is_a_proposal_by_default(make_settings, make_service, tmp_path) -> None:
    desk = desk_with(make_settings, make_service, tmp_path)
    desk.deliver(mailfactory.complaint(subject="投诉", body=VAGUE, message_id="<v@x>"))
    (case,) = desk.one(Case)
    assert (case.status, case.screening) == ("screening_review", "too_vague")
    assert not [m for m in desk.one(OutboxMessage) if m.kind == "not_accepted"]


def test_allowed_reason_is_rejected_and_the_complainant_told(
    make_settings, make_service, tmp_path
) -> None:
    desk = desk_with(make_settings, make_service, tmp_path, auto_reject=["too_vague"])
    desk.deliver(
        mailfactory.complaint(subject="投诉", body=VAGUE, message_id="<v@x>"),
        mailfactory.complaint(subject="部队占地", body=MILITARY, message_id="<m@x>"),
    )
    with desk.service.sessions() as session:
        by_code = {c.screening: c for c in session.scalars(select(Case))}
        letters = session.scalars(select(OutboxMessage)).all()
    assert by_code["too_vague"].status == "not_accepted"
    assert by_code["military"].status == "screening_review"  # not in the list: a clerk decides
    (letter,) = [m for m in letters if m.kind == "not_accepted"]
    assert letter.case_id == by_code["too_vague"].id
    assert "不予受理" in letter.subject
    body = message_from_bytes(letter.raw, policy=default).get_body(("plain",))
    assert body is not None and "第九条第（四）项" in body.get_content()


@pytest.mark.parametrize("codes", [["no_such_reason"], ["too_vague", "typo"]])
def test_unknown_reason_codes_are_a_configuration_error(make_settings, codes) -> None:
    report = check_settings(make_settings(screening={"auto_reject": codes}), {})
    assert any("screening.auto_reject" in e for e in report.errors)


def enter_letter(service, text: str, tmp_path: Path) -> None:
    """A paper letter entered by a clerk: a name and telephone, no email address."""
    entry = build_entry(
        {"name": "王建国", "phone": "13835900001", "text": text, "title": "投诉"},
        today=service.clock.now().date(),
        base=tmp_path,
    )
    add_letter(service.import_deps, entry, clerk="li")
    ProcessJob(service).run_once()


def test_automatic_rejection_without_email_is_flagged_for_staff(
    make_settings, make_service, tmp_path
) -> None:
    """Regression: the rejection went unnoticed when the complainant had no email address."""
    desk = desk_with(make_settings, make_service, tmp_path, auto_reject=["too_vague"])
    enter_letter(desk.service, VAGUE, tmp_path)
    (case,) = desk.one(Case)
    assert (case.channel, case.status) == ("letter", "not_accepted")
    assert not desk.one(OutboxMessage)
    flagged = [e for e in desk.one(CaseEvent) if e.kind == "letter_not_sent"]
    assert [(e.data["letter"], e.data["needs_staff"]) for e in flagged] == [("not_accepted", True)]
    assert "请以电话或信件等方式告知" in (flagged[0].note or "")


def test_complainant_asking_for_a_new_review_reaches_staff(
    make_settings, make_service, tmp_path
) -> None:
    """Regression: a reply to the 不予受理 letter (which promises a new review) and a re-sent
    complaint on the rejected case were filed without telling anyone."""
    desk = desk_with(make_settings, make_service, tmp_path, auto_reject=["too_vague"])
    desk.deliver(mailfactory.complaint(subject="投诉", body=VAGUE, message_id="<v@x>"))
    (letter,) = [m for m in desk.one(OutboxMessage) if m.kind == "not_accepted"]
    answer = mailfactory.reply(
        sender="wangkun@example.com",
        subject=f"回复：{letter.subject}",
        body="我补充一下：是盐湖区人民政府违规收取办证费用300元，请重新审查。",
        in_reply_to=letter.message_id,
    )
    resent = mailfactory.complaint(subject="投诉", body=VAGUE + "\n", message_id="<v2@x>")
    assert desk.deliver(answer, resent) == {"followup": 2}
    flagged = [e for e in desk.one(CaseEvent) if e.kind == "complainant_followup"]
    assert len(flagged) == 2
    for event in flagged:
        assert event.data["needs_staff"] is True
        assert event.data["case_status"] == "not_accepted"
        assert "请审查是否重新办理" in (event.note or "")
    assert desk.one(Case)[0].status == "not_accepted"  # staff decide; nothing reopens by itself
