"""Every path of the Measures, walked with injected time over real holiday dates (Art. 13–26).

Each test drives a case through the real jobs (intake, processing, supervision, outbox) and
asserts every deadline date and every letter sent, in order.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from processing import decisions
from processing.credit import CreditFacts
from processing.decisions import DecisionRefused
from processing.triage import route_by_staff
from store.db import transaction
from store.models import CreditDecision, SupervisionStep
from tests.desk import COMPLAINANT, LINYI, YANHU, YANHU_CREDIT, decide
from tests.workflow.conftest import COMPLAINT_BODY, COMPLAINT_SUBJECT


def test_on_time_over_spring_festival_2026(desk) -> None:
    desk.at("2026-02-13")  # Friday before the festival
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    assert desk.new_letters() == [("acknowledgement", COMPLAINANT), ("transfer", YANHU)]
    assert desk.deadlines() == {
        "case:1": ("2026-04-13", "open", False),
        "acknowledge:1": ("2026-02-25", "open", False),  # Sat 14 counts; Feb 15–23 off
        "result:1": ("2026-04-02", "open", False),
    }
    desk.at("2026-02-14", "10:00")  # the make-up Saturday: a working day, nothing due yet
    desk.run()
    assert desk.new_letters() == []
    desk.at("2026-02-24", "09:30")  # one working day before the acknowledgement deadline
    desk.run()
    assert desk.new_letters() == [("deadline_notice", YANHU)]
    assert "2026年2月25日" in desk.text_of(desk.letters("deadline_notice")[-1])

    desk.at("2026-02-24", "10:00")
    desk.reply(YANHU, "签收", to_kind="transfer")
    assert desk.new_letters() == [("command_confirmation", YANHU)]
    desk.at("2026-02-26", "09:00")
    desk.run()
    assert desk.new_letters() == []  # met: no supervision letter

    desk.at("2026-03-20", "15:00")
    desk.reply(YANHU, "办结\n经核实，补贴已全额兑现，已告知投诉人。", to_kind="transfer")
    assert desk.new_letters() == [
        ("feedback_request", COMPLAINANT),
        ("command_confirmation", YANHU),
    ]
    desk.reply(COMPLAINANT, "1", to_kind="feedback_request")
    assert desk.case().status == "feedback_received"

    decide(
        desk,
        decisions.close_case,
        facts=CreditFacts(False, False, "satisfied"),
        reason="补贴系拨付程序延误，已兑现，不认定失信",
    )
    assert desk.case().status == "closed"
    assert desk.deadlines() == {
        "case:1": ("2026-04-13", "met", False),
        "acknowledge:1": ("2026-02-25", "met", False),
        "result:1": ("2026-04-02", "met", False),
    }
    assert desk.new_letters() == []


def test_late_acknowledgement_over_national_day_gets_notice_then_supervision(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.at("2026-09-30")
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.new_letters()
    # Oct 1–7 off; Thu 8, Fri 9, Sat 10 (make-up) are the three working days.
    assert desk.deadlines()["acknowledge:1"] == ("2026-10-10", "open", False)
    for day, time in (("2026-10-01", "10:00"), ("2026-10-08", "10:00"), ("2026-10-09", "08:00")):
        desk.at(day, time)
        desk.run()
        assert desk.new_letters() == [], (day, time)  # holiday, too early, before office hours
    desk.at("2026-10-09", "10:00")
    desk.run()
    assert desk.new_letters() == [("deadline_notice", YANHU)]
    desk.at("2026-10-09", "17:30")  # office hours end at 17:30
    desk.run()
    desk.at("2026-10-10", "16:00")  # the due date itself: nothing more
    desk.run()
    assert desk.new_letters() == []

    desk.at("2026-10-11", "10:00")  # Sunday: not a working day
    desk.run()
    assert desk.new_letters() == []
    desk.at("2026-10-12", "09:00")  # the working day after the missed deadline
    desk.run()
    assert desk.new_letters() == [("supervision", YANHU), ("supervision", YANHU_CREDIT)]
    letter = desk.text_of(desk.letters("supervision", YANHU)[-1])
    assert "第二十一条第（二）项" in letter and "2026年10月10日" in letter
    assert "2026年10月15日" in letter  # the new expectation: 3 working days
    desk.at("2026-10-12", "11:00")
    desk.run()
    assert desk.new_letters() == []  # never twice for the same case and stage

    desk.at("2026-10-13", "09:00")
    desk.reply(YANHU, "我单位已签收。", to_kind="supervision")
    assert desk.case().status == "acknowledged"
    assert desk.deadlines()["acknowledge:1"] == ("2026-10-10", "met", False)
    with desk.service.sessions() as session:
        stages = session.scalars(select(SupervisionStep.stage).order_by(SupervisionStep.id)).all()
    assert stages == ["notice:acknowledge:1", "supervision:acknowledge:1"]


def test_decline_and_reroute(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.at("2026-03-02")
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.new_letters()
    desk.at("2026-03-03", "10:00")
    desk.reply(
        YANHU,
        "退回：该企业在临猗县，补贴系临猗县承诺，不属于我区职权范围，建议转临猗县人民政府办理。",
        to_kind="transfer",
    )
    assert desk.case().status == "triage"
    assert desk.new_letters() == [("command_confirmation", YANHU)]

    desk.at("2026-03-04", "10:00")
    with transaction(desk.service.sessions) as session:
        case = session.get(type(desk.case()), desk.case().id)
        unit = desk.service.registry.get("linyi")
        route_by_staff(
            session,
            case,
            unit,
            reason="承办单位退回，核实属临猗县",
            actor="staff:li",
            ctx=desk.service.processing,
        )
    desk.run()
    assert desk.new_letters() == [("transfer", LINYI)]
    assert "2026年3月9日" in desk.text_of(desk.letters("transfer", LINYI)[-1])
    assert desk.deadlines() == {
        "case:1": ("2026-05-06", "open", False),  # May 2 is in the Labour Day holiday
        "acknowledge:1": ("2026-03-05", "met", False),
        "result:1": ("2026-04-14", "void", False),
        "acknowledge:2": ("2026-03-09", "open", False),
        "result:2": ("2026-04-16", "open", False),  # Qingming: Apr 4–6 off
    }


def test_extension_requested_and_approved(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.at("2026-03-02")
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.reply(YANHU, "签收", to_kind="transfer")
    desk.new_letters()
    desk.at("2026-03-20", "10:00")
    desk.reply(
        YANHU, "申请延期\n该事项涉及三个部门，需调取五年资料，申请延长一个月。", to_kind="transfer"
    )
    assert desk.case().status == "extension_requested"
    assert desk.new_letters() == [("command_confirmation", YANHU)]
    with pytest.raises(DecisionRefused, match="请写明不予延期的理由"):
        decide(desk, decisions.decide_extension, approve=False, reason="")
    decide(desk, decisions.decide_extension, approve=True, reason="情况复杂，同意")
    assert desk.case().status == "acknowledged"
    assert desk.deadlines()["case:1"] == ("2026-06-02", "open", False)
    assert desk.deadlines()["result:1"] == ("2026-05-14", "open", False)
    desk.run()
    assert desk.new_letters() == [("command_confirmation", YANHU)]
    outcome = desk.text_of(desk.letters("command_confirmation")[-1])
    assert "同意延期 1 个月" in outcome and "2026年6月2日" in outcome
    desk.reply(YANHU, "申请延期\n仍需时间，再申请延期一个月。", to_kind="transfer")
    assert desk.events()[-1].kind == "unit_reply_not_applied"  # Art. 18: once only


def test_appeal_supplementary_investigation_and_credit_record(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.at("2026-09-14")
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.reply(YANHU, "办结\n经核实补贴已拨付。", to_kind="transfer")
    desk.reply(
        COMPLAINANT, "不满意，补贴只到账一半，另一半至今没有消息。", to_kind="feedback_request"
    )
    assert desk.case().status == "appealed"
    desk.new_letters()

    desk.at("2026-09-18", "10:00")
    decide(desk, decisions.order_supplementary, reason="核实另一半补贴的拨付情况", working_days=10)
    assert desk.case().status == "supplementary"
    # Sep 20 (Sunday) is a make-up working day; Sep 25 Mid-Autumn and Oct 1–7 are off.
    assert desk.deadlines()["supplementary:1"] == ("2026-10-09", "open", False)
    desk.run()
    assert desk.new_letters() == [("supplementary_investigation", YANHU)]
    assert "2026年10月9日" in desk.text_of(desk.letters("supplementary_investigation")[-1])

    desk.at("2026-09-29", "10:00")
    desk.reply(
        YANHU, "办结\n补充调查：余款已于9月28日拨付到位。", to_kind="supplementary_investigation"
    )
    assert desk.case().status == "result_reported"
    assert desk.new_letters() == [
        ("feedback_request", COMPLAINANT),
        ("command_confirmation", YANHU),
    ]
    desk.reply(COMPLAINANT, "基本满意", to_kind="feedback_request")
    decision = decide(
        desk,
        decisions.close_case,
        facts=CreditFacts(True, True, desk.case().satisfaction),
        reason="承诺未按期兑现属实，调查期间已改正",
    )
    assert not decision.counts_as_record  # Art. 24: corrected and basically satisfied
    with desk.service.sessions() as session:
        stored = session.scalars(select(CreditDecision)).one()
        assert stored.evidence["satisfaction"] == "basically_satisfied"
        assert "余款已于9月28日拨付到位" in stored.evidence["result_text"]
    assert desk.deadlines()["supplementary:1"][1] == "met"


def test_recused_clerk_cannot_act_but_another_can(sqlite_desk) -> None:
    desk = sqlite_desk
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    desk.reply(YANHU, "办结\n经核实补贴已拨付。", to_kind="transfer")
    decide(desk, decisions.recuse, staff="zhang", reason="投诉举报者系本人亲属")
    with pytest.raises(DecisionRefused, match=r"zhang 已就案件 .* 申请回避"):
        decide(
            desk,
            decisions.close_case,
            staff="zhang",
            facts=CreditFacts(True, False, None),
            reason="x",
        )
    decision = decide(
        desk,
        decisions.close_case,
        staff="li",
        facts=CreditFacts(True, False, None),
        reason="失信属实",
    )
    assert decision.counts_as_record
    assert desk.case().status == "closed"
    kinds = [e.kind for e in desk.events()]
    assert kinds[-2:] == ["recuse", "close"]  # the refused attempt left no trace but the refusal
