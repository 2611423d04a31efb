"""Staff CLI over a store filled by the real pipeline (Maildir source, file transport)."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import mailfactory

ROOT = Path(__file__).resolve().parents[2]


def zwsx(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWSX_")}
    env["ZWSX_TOKEN_SECRET"] = "cli-test-secret"
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    config = base / "zwsx.toml"
    config.write_text(f'[service]\nbase_dir = "{base}"\n', encoding="utf-8")
    (base / "var").mkdir()
    box = mailbox.Maildir(base / "var" / "maildir", create=True)
    box.add(
        mailfactory.complaint(
            subject="盐湖区政府招商引资承诺不兑现",
            body="盐湖区人民政府招商引资承诺的补贴不兑现，联系电话13835900001。",
            message_id="<a@x>",
        )
    )
    result = zwsx(config, "run", "--once")
    assert result.returncode == 0, result.stderr
    assert "新立案 1 件" in result.stdout
    return config


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
