"""Staff CLI over a store filled by the real pipeline (Maildir source, file transport)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests import mailfactory
from tests.cli.runner import SECRET_ENV, desk_with_mail, run_zwsx


def zwsx(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_zwsx(*args, config=config, env=SECRET_ENV)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    complaint = mailfactory.complaint(
        subject="盐湖区政府招商引资承诺不兑现",
        body="盐湖区人民政府招商引资承诺的补贴不兑现，联系电话13835900001。",
        message_id="<a@x>",
    )
    return desk_with_mail(tmp_path_factory.mktemp("cli"), [complaint])


def test_list_json_has_the_contract_fields(populated: Path) -> None:
    result = zwsx(populated, "cases", "list", "--json")
    assert result.returncode == 0, result.stderr
    cases = json.loads(result.stdout)
    assert len(cases) == 1
    case = cases[0]
    assert {"number", "status", "unit", "channel", "received_at"} <= set(case)
    assert (
        case["status"] == "transferred" and case["unit"] == "yanhu" and case["channel"] == "email"
    )
    assert case["number"].startswith("YCSX-2026-")


def test_list_and_show_in_chinese_with_masking(populated: Path) -> None:
    listing = zwsx(populated, "cases", "list")
    assert "已转办" in listing.stdout and "盐湖区人民政府" in listing.stdout
    number = json.loads(zwsx(populated, "cases", "list", "--json").stdout)[0]["number"]
    shown = zwsx(populated, "cases", "show", number)
    assert shown.returncode == 0
    assert "处理经过" in shown.stdout and "转办" in shown.stdout
    assert "13835900001" not in shown.stdout and "138****0001" in shown.stdout


def test_reveal_is_audited(populated: Path) -> None:
    number = json.loads(zwsx(populated, "cases", "list", "--json").stdout)[0]["number"]
    revealed = json.loads(zwsx(populated, "cases", "show", number, "--json", "--reveal").stdout)
    assert revealed["complainant"]["phone"] == "13835900001"
    assert revealed["events"][-1]["kind"] == "personal_data_viewed"


def test_unknown_case_number(populated: Path) -> None:
    result = zwsx(populated, "cases", "show", "YCSX-2026-999999")
    assert result.returncode == 4
    assert "没有编号为 YCSX-2026-999999 的案件" in result.stderr


def test_run_once_again_creates_nothing(populated: Path) -> None:
    result = zwsx(populated, "run", "--once")
    assert "新收 0 封" in result.stdout and "没有待处理的来件" in result.stdout
