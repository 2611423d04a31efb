"""Screening as the pipeline runs it: a proposal for staff, or (only for the reasons the
settings allow) a rejection sent without review."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select

from config.check import check_settings
from store.models import Case, OutboxMessage
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
