"""Units and complainants acting by email: commands, confirmations, the written result, opinions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.models import Attachment
from tests.desk import COMPLAINANT, YANHU
from tests.processing.test_documents import make_docx
from tests.workflow.conftest import COMPLAINT_BODY, COMPLAINT_SUBJECT


def test_case_opened_today_gets_its_letters_and_provisional_deadlines(desk) -> None:
    desk.at("2026-11-25")
    case = desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    assert case.status == "transferred"
    assert desk.new_letters() == [("acknowledgement", COMPLAINANT), ("transfer", YANHU)]
    assert desk.deadlines() == {
        "case:1": ("2027-01-25", "open", True),
        "acknowledge:1": ("2026-11-30", "open", False),
        "result:1": ("2027-01-07", "open", True),
    }
    transfer = desk.text_of(desk.letters("transfer")[0])
    assert "3 个工作日内（即 2026年11月30日 前）" in transfer
    assert "30 个工作日内（即 2027年1月7日（暂定） 前）" in transfer
    assert "申请延期" in transfer and "退回" in transfer
    acknowledgement = desk.text_of(desk.letters("acknowledgement")[0])
    assert case.number in acknowledgement


def test_acknowledge_then_result_in_a_word_file_then_objection(desk) -> None:
    desk.at("2026-11-25")
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.new_letters()

    desk.at("2026-11-26", "10:00")
    desk.reply(
        YANHU, "您好！我单位已签收，将按期办理。\n\n盐湖区人民政府办公室", to_kind="transfer"
    )
    assert desk.case().status == "acknowledged"
    assert desk.new_letters() == [("command_confirmation", YANHU)]
    confirmation = desk.text_of(desk.letters("command_confirmation")[-1])
    assert "已登记签收" in confirmation and "2027年1月7日（暂定）" in confirmation
    assert desk.deadlines()["acknowledge:1"] == ("2026-11-30", "met", False)

    document = make_docx("关于设备补贴问题的调查处理报告", "经核实，补贴已于11月24日足额兑现。")
    desk.at("2026-12-10", "15:00")
    desk.reply(
        YANHU,
        "办结，详见附件。",
        to_kind="transfer",
        attachments=(
            (
                "调查处理报告.docx",
                "application",
                "vnd.openxmlformats-officedocument.wordprocessingml.document",
                document,
            ),
        ),
    )
    case = desk.case()
    assert case.status == "result_reported"
    assert "经核实，补贴已于11月24日足额兑现。" in case.result_text
    assert "【附件：调查处理报告.docx】" in case.result_text
    assert desk.new_letters() == [
        ("feedback_request", COMPLAINANT),
        ("command_confirmation", YANHU),
    ]
    assert "足额兑现" in desk.text_of(desk.letters("feedback_request")[-1])
    assert desk.deadlines()["result:1"] == ("2027-01-07", "met", True)
    with desk.service.sessions() as session:
        stored = session.scalars(select(Attachment).where(Attachment.kind == "result")).one()
        assert desk.service.archive.read(stored.archive_path) == document

    desk.reply(COMPLAINANT, "不满意！补贴只到账一半，单位敷衍了事。", to_kind="feedback_request")
    case = desk.case()
    assert (case.status, case.satisfaction) == ("appealed", "dissatisfied")
    assert desk.events()[-1].kind == "appeal_needs_review"
    assert desk.new_letters() == []


def test_unclear_reply_goes_to_staff_highlighted_and_changes_nothing(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.new_letters()
    desk.reply(YANHU, "收到。此事尚未办结，我们正在了解情况。", to_kind="transfer")
    assert desk.case().status == "transferred"
    event = desk.events()[-1]
    assert event.kind == "unit_reply_unclear"
    assert event.data["needs_staff"] is True
    assert "尚未【办结】" in event.data["highlighted"]
    assert desk.new_letters() == []


def test_decline_returns_to_triage_with_the_suggested_unit(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.new_letters()
    desk.reply(
        YANHU,
        "退回。\n理由：该企业位于临猗县境内，补贴由临猗县承诺，不属于我区职权范围。"
        "建议转临猗县人民政府办理。",
        to_kind="transfer",
    )
    case = desk.case()
    assert case.status == "triage"
    decline = next(e for e in desk.events() if e.kind == "decline")
    assert decline.data["suggested_unit"] == "linyi"
    assert decline.data["declined_unit"] == "yanhu"
    assert desk.deadlines()["acknowledge:1"][1] == "met"
    assert desk.deadlines()["result:1"][1] == "void"
    assert desk.new_letters() == [("command_confirmation", YANHU)]


@pytest.mark.parametrize("second", ["办结\n补贴已全部兑现", "签收"])
def test_command_not_allowed_now_is_refused_for_staff(sqlite_desk, second) -> None:
    desk = sqlite_desk
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.reply(YANHU, "办结\n补贴已兑现。", to_kind="transfer")
    desk.new_letters()
    desk.reply(YANHU, second, to_kind="transfer")
    assert desk.case().status == "result_reported"
    assert desk.events()[-1].kind == "unit_reply_not_applied"
    assert "案件当前状态为“已报送办理结果”，不能执行" in desk.events()[-1].note
    assert desk.new_letters() == []
