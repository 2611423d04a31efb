"""Clerk commands: hotline import (progress, summary, exit codes), web import, letter add."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.runner import ROOT, SECRET_ENV, run_zwsx


def zwsx(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_zwsx(*args, config=config, env=SECRET_ENV)


DATA = Path(__file__).resolve().parents[1] / "data" / "hotline"
# A clerk's letter file: TOML needs Chinese keys in quotes.
LETTER_TOML = """
"寄信人" = "刘某"
"地址" = "运城市盐湖区解放路1号"
"电话" = "13912345678"
"收信日期" = "2026-11-20"
"被投诉单位" = "盐湖区人民政府"
"内容" = "盐湖区人民政府违规收取办证费用300元，请查处。"
"扫描件" = ["来信扫描.pdf"]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "zwsx.toml"
    path.write_text(f'[service]\nbase_dir = "{tmp_path}"\n', encoding="utf-8")
    return path


def test_hotline_import_reports_rows_and_exit_codes(config: Path, tmp_path: Path) -> None:
    good = tmp_path / "utf8_bom_comma.csv"
    shutil.copyfile(DATA / "utf8_bom_comma.csv", good)
    result = zwsx(config, "hotline", "import", "--json", str(good))
    assert result.returncode == 0, result.stderr
    (summary,) = json.loads(result.stdout)
    assert (summary["status"], summary["new"], summary["warnings"]) == ("done", 3, 1)
    assert Path(summary["report"]).name == "utf8_bom_comma.csv.错误报告.csv"

    mixed = tmp_path / "merged_title_excel_dates_totals.xlsx"
    shutil.copyfile(DATA / mixed.name, mixed)
    result = zwsx(config, "hotline", "import", str(mixed))
    assert result.returncode == 6 and "导入结果" in result.stdout

    broken = tmp_path / "corrupted_truncated.xlsx"
    shutil.copyfile(DATA / broken.name, broken)
    result = zwsx(config, "hotline", "import", str(broken))
    assert result.returncode == 1 and "无法读取" in result.stdout

    listed = json.loads(zwsx(config, "hotline", "imports", "--json").stdout)
    assert [i["status"] for i in listed] == ["failed", "done", "done"]


def test_web_import(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "web.jsonl"
    shutil.copyfile(DATA / "website_column_with_bad_lines.jsonl", path)
    result = zwsx(config, "web", "import", "--json", str(path))
    assert result.returncode == 6
    assert json.loads(result.stdout)[0]["new"] == 2


def test_letter_from_file_with_scan_opens_a_case(config: Path, tmp_path: Path) -> None:
    scan = tmp_path / "来信扫描.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned letter")
    entry = tmp_path / "letter.toml"
    entry.write_text(
        LETTER_TOML,
        encoding="utf-8",
    )
    result = zwsx(config, "letter", "add", "--file", str(entry), "--json")
    assert result.returncode == 0, result.stderr
    added = json.loads(result.stdout)
    assert added["case"] and added["source_key"].startswith("letter:20261120-")
    shown = json.loads(zwsx(config, "cases", "show", added["case"], "--json").stdout)
    assert shown["channel"] == "letter" and shown["complainant"]["name"] == "刘*"
    again = zwsx(config, "letter", "add", "--file", str(entry))
    assert again.returncode == 7 and "已经登记过" in again.stderr


def test_letter_with_a_bad_scan_is_refused_with_every_reason(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"not a pdf")
    entry = tmp_path / "letter.json"
    entry.write_text(json.dumps({"name": "刘某", "scans": ["scan.pdf"]}), encoding="utf-8")
    result = zwsx(config, "letter", "add", "--file", str(entry))
    assert result.returncode == 7
    assert "内容" in result.stderr and "扫描件须为 PDF" in result.stderr


def test_letter_interactive(config: Path, tmp_path: Path) -> None:
    answers = "\n".join(
        [
            "2026-11-24",
            "陈某",
            "夏县某村",
            "",
            "夏县人民政府",
            "",
            "夏县政府违规收费。",
            "第二段。",
            ".",
        ]
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--config", str(config), "letter", "add"],
        input=answers + "\n",
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ZWSX_TOKEN_SECRET": "x"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "已登记来信，案件编号 YCSX-2026-" in result.stdout
