"""`python main.py check-config`: every problem in plain words, non-zero exit."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from config.check import check_settings
from config.settings import ConfigError, load_settings, parse_settings
from tests.cli.runner import ROOT, run_zwsx


def run_check(
    config: Path | None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_zwsx("check-config", config=config, env=env)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "zwsx.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_embedded_defaults_pass() -> None:
    result = run_check(None)
    assert result.returncode == 0, result.stderr
    assert "配置检查通过" in result.stdout


def test_missing_secret_is_named(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        '[intake]\nsource = "imap"\n[imap]\nhost = "imap.126.com"\nusername = "a@126.com"\n',
    )
    result = run_check(config)
    assert result.returncode == 2
    assert "环境变量 ZWSX_IMAP_PASSWORD 未设置" in result.stderr


def test_unknown_unit_is_named(tmp_path: Path) -> None:
    config = write(
        tmp_path, '[routing]\nfallback_unit = "no-such-unit"\n[units.addresses]\nghost = "a@b.c"\n'
    )
    result = run_check(config)
    assert result.returncode == 2
    assert "ghost" in result.stderr


def test_unknown_unit_in_routing_is_named(tmp_path: Path) -> None:
    config = write(tmp_path, '[routing]\nfallback_unit = "no-such-unit"\n')
    result = run_check(config)
    assert result.returncode == 2
    assert "routing.fallback_unit 引用的单位代码 'no-such-unit' 在单位名录中不存在" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [("mysql://u@h/db", "不支持的数据库类型"), ("not a url", "数据库地址无法识别")],
)
def test_bad_database_url_is_named(tmp_path: Path, url: str, expected: str) -> None:
    config = write(tmp_path, f'[database]\nurl = "{url}"\n')
    result = run_check(config)
    assert result.returncode == 2
    assert expected in result.stderr


def test_every_problem_listed_at_once(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        '[schedule]\npoll_seconds = "often"\nunknown_key = 1\n[outbox]\ntransport = "pigeon"\n',
    )
    result = run_check(config)
    assert result.returncode == 2
    assert "schedule.poll_seconds：应为整数" in result.stderr
    assert "schedule.unknown_key：不认识的设置项" in result.stderr
    assert "outbox.transport：取值不在允许范围内" in result.stderr


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    assert "找不到配置文件" in run_check(tmp_path / "absent.toml").stderr
    broken = write(tmp_path, "[service\n")
    result = run_check(broken)
    assert result.returncode == 2
    assert "不是有效的 TOML" in result.stderr


def test_config_chosen_by_environment(tmp_path: Path) -> None:
    config = write(tmp_path, '[routing]\nfallback_unit = "nowhere"\n')
    result = run_check(None, env={"ZWSX_CONFIG": str(config)})
    assert result.returncode == 2


def test_production_example_needs_only_its_secrets() -> None:
    settings = load_settings(ROOT / "config" / "zwsx.production.example.toml")
    settings = parse_settings(
        {
            **settings.model_dump(exclude={"source_path"}),
            "service": {**settings.service.model_dump(), "base_dir": "."},
        }
    )
    report = check_settings(settings, {})
    assert sorted(report.errors) == sorted(
        [
            "IMAP 邮箱授权码：环境变量 ZWSX_IMAP_PASSWORD 未设置或为空（密钥只从环境变量读取）",
            "SMTP 授权码：环境变量 ZWSX_SMTP_PASSWORD 未设置或为空（密钥只从环境变量读取）",
            "回复令牌签名密钥：环境变量 ZWSX_TOKEN_SECRET 未设置或为空（密钥只从环境变量读取）",
        ]
    )
    env = {"ZWSX_IMAP_PASSWORD": "x", "ZWSX_SMTP_PASSWORD": "x", "ZWSX_TOKEN_SECRET": "y"}
    assert check_settings(settings, env).ok


def test_example_file_equals_defaults() -> None:
    example = load_settings(ROOT / "config" / "zwsx.example.toml")
    assert example.model_dump(exclude={"source_path"}) == parse_settings({}).model_dump(
        exclude={"source_path"}
    )


def test_parse_settings_raises_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings({"imap": {"port": 0}})
    assert raised.value.problems == ["设置项 imap.port：数值过小（当前值：0）"]


def test_broken_calendar_file_is_an_error_and_a_running_out_calendar_a_warning(
    tmp_path: Path,
) -> None:
    overrides = tmp_path / "workdays.toml"
    overrides.write_text('[years.2027]\nholidays = ["2027-02-30"]\n', encoding="utf-8")
    settings = parse_settings(
        {"service": {"base_dir": str(tmp_path)}, "calendar": {"override_file": str(overrides)}}
    )
    today = dt.date(2026, 11, 25)
    report = check_settings(settings, {"ZWSX_TOKEN_SECRET": "x"}, today=today)
    assert len(report.errors) == 1
    assert "“2027-02-30”不是有效日期" in report.errors[0]

    overrides.write_text("", encoding="utf-8")
    report = check_settings(settings, {"ZWSX_TOKEN_SECRET": "x"}, today=today)
    assert report.ok
    assert any("2027 年的放假安排尚未录入" in w for w in report.warnings)


def test_hotline_folders_must_differ_and_senders_be_addresses(tmp_path: Path) -> None:
    settings = parse_settings(
        {
            "service": {"base_dir": str(tmp_path)},
            "hotline": {
                "senders": ["12345 centre"],
                "sources": {"county": {"drop_dir": "var/web"}},
            },
        }
    )
    report = check_settings(settings, {"ZWSX_TOKEN_SECRET": "x"}, today=dt.date(2026, 11, 25))
    assert any("同一个文件夹" in e for e in report.errors)
    assert any("'12345 centre' 不是邮箱地址" in e for e in report.errors)
