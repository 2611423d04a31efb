"""Staff routing from the triage queue, and the routing model learning from it."""

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
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one case waiting in triage (nothing in it says who should handle it)."""
    complaint = mailfactory.complaint(
        subject="答应的事情一直不办",
        body="我叫李明，电话13835900001。镇政府去年答应我们的事情到现在也没有人管，请督促落实。",
        message_id="<triage@x>",
    )
    return desk_with_mail(tmp_path_factory.mktemp("triage"), [complaint])


def case_number(config: Path) -> str:
    cases = json.loads(zwsx(config, "cases", "list", "--json").stdout)
    return str(cases[0]["number"])


def route_triage_case_by_clerk(desk: Path) -> None:
    """A clerk routes the triage case; it is transferred and the route is recorded."""
    number = case_number(desk)
    before = json.loads(zwsx(desk, "cases", "show", number, "--json").stdout)
    assert before["status"] == "triage"
    result = zwsx(
        desk,
        "cases",
        "route",
        number,
        "市住建局",
        "--reason",
        "反映的是小区配套承诺",
        "--sector",
        "城乡建设",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    done = json.loads(result.stdout)
    assert (done["status"], done["unit"], done["sector"]) == ("transferred", "housing", "城乡建设")
    detail = json.loads(zwsx(desk, "cases", "show", number, "--json").stdout)
    routed = [e for e in detail["events"] if e["kind"] == "staff_routed"]
    assert routed and "反映的是小区配套承诺" in routed[0]["note"]
    assert any(m["kind"] == "transfer" for m in detail["letters"])
    again = zwsx(desk, "cases", "route", number, "housing", "--reason", "再分一次")
    assert again.returncode == 5
    assert "不能执行“转办”" in again.stderr


def test_unknown_unit_and_credit_office_are_refused(desk: Path) -> None:
    number = case_number(desk)
    unknown = zwsx(desk, "cases", "route", number, "火星局", "--reason", "x")
    assert unknown.returncode == 4 and "单位名录中没有“火星局”" in unknown.stderr
    missing = zwsx(desk, "cases", "route", "YCSX-2026-999999", "housing", "--reason", "x")
    assert missing.returncode == 4


def test_clerk_route_is_transferred_and_becomes_training_data(desk: Path, tmp_path: Path) -> None:
    route_triage_case_by_clerk(desk)
    too_few = zwsx(desk, "model", "train")
    assert too_few.returncode == 2 and "无法训练分办模型" in too_few.stderr
    history = tmp_path / "history.jsonl"
    rows = [
        {"title": "", "text": f"{text}（{n}）", "label": label}
        for n in range(8)
        for label, text in (
            ("城乡建设", "楼下的小黄狗叫个不停"),
            ("教育文体", "食堂饭菜太贵"),
            ("市交通运输局", "班车又晚点了"),
        )
    ]
    history.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    first = json.loads(zwsx(desk, "model", "import", str(history), "--json").stdout)
    second = json.loads(zwsx(desk, "model", "import", str(history), "--json").stdout)
    assert (first["added"], second["added"], second["already"]) == (24, 0, 24)
    trained = zwsx(desk, "model", "train", "--json")
    assert trained.returncode == 0, trained.stderr
    report = json.loads(trained.stdout)
    assert report["examples"] == 25  # 24 imported + the clerk's route above
    assert report["sources"] == {"import": 24, "staff_route": 1}
    listed = json.loads(zwsx(desk, "model", "list", "--json").stdout)
    assert [m["active"] for m in listed] == [True]
    probe = '{"id": 1, "title": "", "text": "小黄狗叫个不停"}\n'
    routed = run_zwsx("route", config=desk, stdin=probe)
    out = json.loads(routed.stdout)
    assert out["model_version"] == report["version"] and out["sector"] == "城乡建设"
    assert zwsx(desk, "model", "activate", "v9-nothing").returncode == 4
