"""Staff CLI over a store filled by the real pipeline (Maildir source, file transport)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from cli.cases import case_detail
from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from core.clock import to_local
from notifications.samples import sample_case
from processing.lifecycle import record_event
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction
from tests import mailfactory
from tests.cli.runner import SECRET_ENV, desk_with_mail, run_zwsx

REGISTRY = load_registry(DEFAULT_UNITS_FILE)


def zwsx(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_zwsx(*args, config=config, env=SECRET_ENV)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    complaint = mailfactory.complaint(
        subject="王堃反映盐湖区政府招商引资承诺不兑现",
        body="盐湖区人民政府招商引资承诺的补贴不兑现，联系电话13835900001。\n王堃",
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
    # Numbered by the year it was received, in China's time (not the year the test runs in).
    received = to_local(dt.datetime.fromisoformat(case["received_at"]))
    assert case["number"] == f"YCSX-{received.year}-000001"


def test_list_and_show_in_chinese_with_masking(populated: Path) -> None:
    """Art. 17: without --reveal no output shows the complainant's name, phone or address —
    not in the title, the body, the letters' recipients, the table or the JSON."""
    listing = zwsx(populated, "cases", "list")
    assert "已转办" in listing.stdout and "盐湖区人民政府" in listing.stdout
    assert "王*反映盐湖区政府" in listing.stdout
    listed = zwsx(populated, "cases", "list", "--json").stdout
    number = json.loads(listed)[0]["number"]
    shown = zwsx(populated, "cases", "show", number)
    assert shown.returncode == 0
    assert "处理经过" in shown.stdout and "转办" in shown.stdout
    assert "138****0001" in shown.stdout and "w***@example.com" in shown.stdout
    detail = zwsx(populated, "cases", "show", number, "--json").stdout
    for output in (listing.stdout, listed, shown.stdout, detail):
        for secret in ("王堃", "13835900001", "wangkun@example.com"):
            assert secret not in output, secret


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


def test_show_masks_the_sender_of_an_unverified_reply(tmp_path: Path, clock) -> None:
    """An unverified reply is recorded with the sender's address as its actor: masked too."""
    engine = make_engine(normalise_url("sqlite:///case.db", base_dir=tmp_path))
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        case = sample_case()
        case.id = None
        session.add(case)
        session.flush()
        record_event(
            session,
            case,
            kind="unverified_reply",
            actor="unknown:wangkun2025@126.com",
            at=clock.now(),
            note="王堃补充：电话13835900001",
        )
        masked = json.dumps(case_detail(session, case, REGISTRY, reveal=False), ensure_ascii=False)
        revealed = case_detail(session, case, REGISTRY, reveal=True)
    engine.dispose()
    for secret in ("wangkun2025@126.com", "王堃", "13835900001"):
        assert secret not in masked
    assert revealed["events"][-1]["actor"] == "unknown:wangkun2025@126.com"
