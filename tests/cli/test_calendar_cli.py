from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.runner import run_zwsx


def run(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_zwsx(*args, config=config)


def test_calendar_show_2027_is_provisional_with_each_source(tmp_path: Path) -> None:
    config = tmp_path / "zwsx.toml"
    config.write_text(f'[service]\nbase_dir = "{tmp_path}"\n', encoding="utf-8")
    result = run("calendar", "show", "2027", "--json", config=config)
    assert result.returncode == 0, result.stderr
    detail = json.loads(result.stdout)
    assert not detail["known"]
    assert detail["provisional"]
    first = detail["days"][0]
    assert first == {
        "date": "2027-01-01",
        "weekday": "周五",
        "working": False,
        "label": "元旦",
        "source": "provisional",
        "provisional": True,
    }


def test_calendar_show_uses_the_override_file(tmp_path: Path) -> None:
    overrides = tmp_path / "workdays.toml"
    overrides.write_text(
        '[years.2027]\ncomplete = true\nsource = "国办通知"\nworkdays = ["2027-02-20 春节调休"]\n',
        encoding="utf-8",
    )
    config = tmp_path / "zwsx.toml"
    config.write_text(
        f'[service]\nbase_dir = "{tmp_path}"\n[calendar]\noverride_file = "{overrides}"\n',
        encoding="utf-8",
    )
    result = run("calendar", "show", "2027", config=config)
    assert result.returncode == 0, result.stderr
    assert "已在本地调整文件中完整录入（依据：国办通知）" in result.stdout
    assert "2027-02-20" in result.stdout
    assert "春节调休" in result.stdout
