"""A deadline counted over an unknown year is provisional until the year is entered, then the
supervision job recomputes it and records the change (Art. 26)."""

from __future__ import annotations

import os

from tests.desk import Desk
from tests.workflow.conftest import COMPLAINT_BODY, COMPLAINT_SUBJECT


def test_entering_2027_recomputes_provisional_deadlines(
    make_settings, make_service, clock, tmp_path
):
    overrides = tmp_path / "workdays.toml"
    settings = make_settings(calendar={"override_file": str(overrides)})
    desk = Desk(make_service(settings), clock, tmp_path)
    desk.at("2026-11-25")
    desk.complain(COMPLAINT_SUBJECT, COMPLAINT_BODY)
    assert desk.deadlines()["result:1"] == ("2027-01-07", "open", True)
    assert desk.deadlines()["case:1"] == ("2027-01-25", "open", True)

    # The year's schedule is entered (a made-up one for the test: Jan 4 also off).
    overrides.write_text(
        '[years.2027]\ncomplete = true\nsource = "测试用安排"\n'
        'holidays = ["2027-01-01 元旦", "2027-01-04 元旦"]\n',
        encoding="utf-8",
    )
    os.utime(overrides, ns=(10**18, 10**18))
    desk.at("2026-11-25", "20:00")  # outside office hours: recomputation still happens
    assert "重新计算 2 项" in desk.run()["supervision"]
    assert desk.deadlines()["result:1"] == ("2027-01-08", "open", False)
    assert desk.deadlines()["case:1"] == ("2027-01-25", "open", False)
    recomputed = [e for e in desk.events() if e.kind == "deadline_recomputed"]
    assert [e.data["stage"] for e in recomputed] == ["case:1", "result:1"]
    assert "由 2027-01-07（暂定） 重新计算为 2027-01-08" in recomputed[1].note
    assert desk.run()["supervision"].startswith("核对期限 1 件，重新计算 0 项")
