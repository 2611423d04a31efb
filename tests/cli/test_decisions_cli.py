"""Staff decisions from the command line: Chinese output, --json, reasons asked for, recusal
enforced, refusals with exit code 5 (Art. 12, 17, 18, 21, 24)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests import mailfactory
from tests.cli.runner import SECRET_ENV, desk_with_mail, run_zwsx

REFUSED = 5


def zwsx(config: Path, *args: str, staff: str = "li") -> subprocess.CompletedProcess[str]:
    return run_zwsx(*args, config=config, env={**SECRET_ENV, "ZWSX_STAFF": staff})


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One transferred case and one the screening proposes not to accept (anonymous, vague)."""
    mails = [
        mailfactory.complaint(
            subject="盐湖区政府招商引资承诺不兑现",
            body="盐湖区人民政府招商引资承诺的补贴不兑现，联系电话13835900001。",
            message_id="<a@x>",
        ),
        mailfactory.complaint(subject="投诉", body="乱收费", name="", message_id="<b@x>"),
    ]
    config = desk_with_mail(tmp_path_factory.mktemp("decisions"), mails)
    cases = json.loads(zwsx(config, "cases", "list", "--json").stdout)
    by_status = {c["status"]: c["number"] for c in cases}
    return config, by_status["transferred"], by_status["screening_review"]


def test_reject_needs_a_code_then_tells_the_complainant(desk) -> None:
    config, _, proposed = desk
    missing = zwsx(config, "cases", "reject", proposed)
    assert missing.returncode == REFUSED
    assert "请用 --code 指明不予受理的依据" in missing.stderr
    done = zwsx(config, "cases", "reject", proposed, "--code", "too_vague", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "not_accepted"
    detail = json.loads(zwsx(config, "cases", "show", proposed, "--json").stdout)
    assert [m["kind"] for m in detail["letters"]] == ["not_accepted"]


def test_extension_refusal_asks_for_a_reason_and_wrong_state_is_refused(desk) -> None:
    config, number, _ = desk
    result = zwsx(config, "cases", "extension", number, "approve")
    assert result.returncode == REFUSED
    assert "不能执行“批准延期”" in result.stderr


def test_staff_supervision_once_per_stage(desk) -> None:
    config, number, _ = desk
    first = zwsx(
        config, "cases", "supervise", number, "--item", "3", "--reason", "多次催办仍未实质调查"
    )
    assert first.returncode == 0, first.stderr
    assert "提醒督办函已排入发信队列" in first.stdout
    again = zwsx(config, "cases", "supervise", number, "--item", "3", "--reason", "再次")
    assert again.returncode == REFUSED
    assert "同一事项不重复发函" in again.stderr


def test_recused_clerk_is_refused_everywhere(desk) -> None:
    config, number, _ = desk
    recused = zwsx(
        config, "cases", "recuse", number, "--reason", "与投诉举报者系同学", staff="zhang"
    )
    assert recused.returncode == 0, recused.stderr
    refused = zwsx(
        config, "cases", "supervise", number, "--item", "5", "--reason", "x", staff="zhang"
    )
    assert refused.returncode == REFUSED
    assert "zhang 已就案件" in refused.stderr
    reveal = zwsx(config, "cases", "show", number, "--reveal", staff="zhang")
    assert reveal.returncode == REFUSED
    preview = zwsx(config, "preview", "acknowledgement", "--case", number, staff="zhang")
    assert preview.returncode == REFUSED and "13835900001" not in preview.stdout
    assert "zhang 已申请回避本案" in preview.stderr
    allowed = zwsx(config, "preview", "acknowledgement", "--case", number, staff="li")
    assert allowed.returncode == 0, allowed.stderr
    events = json.loads(zwsx(config, "cases", "show", number, "--json").stdout)["events"]
    viewed = [e for e in events if e["kind"] == "personal_data_viewed"]
    assert [e["actor"] for e in viewed] == ["staff:li"]  # ZWSX_STAFF, not the system user


def test_unit_reply_on_behalf_then_recall_and_reroute(desk) -> None:
    """One story: the clerk records the unit's 签收, then recalls the case and routes it anew."""
    config, number, _ = desk
    result = zwsx(config, "cases", "unit-reply", number, "签收", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "acknowledged"
    listed = json.loads(zwsx(config, "deadlines", "list", "--json").stdout)
    assert {d["kind"] for d in listed} == {"result", "case"}
    assert all(d["number"] == number for d in listed)
    shown = zwsx(config, "cases", "show", number)
    assert "办理期限：" in shown.stdout and "签收反馈期限" in shown.stdout

    recalled = zwsx(config, "cases", "recall", number, "--reason", "转办有误", "--json")
    assert recalled.returncode == 0, recalled.stderr
    assert json.loads(recalled.stdout)["status"] == "triage"
    rerouted = zwsx(config, "cases", "route", number, "linyi", "--reason", "属临猗县", "--json")
    assert rerouted.returncode == 0, rerouted.stderr
    detail = json.loads(zwsx(config, "cases", "show", number, "--json").stdout)
    states = {d["stage"]: d["status"] for d in detail["deadlines"]}
    assert states["acknowledge:2"] == "open"
    assert states["result:1"] == "void"
