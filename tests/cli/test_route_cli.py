"""``route`` and ``route-eval``: the JSON-lines contracts used by acceptance runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import run_zwsx, write_config
from tests.shared_data import DEV_MESSAGES, absent

ROUTE_FIELDS = {
    "id",
    "unit",
    "unit_name",
    "sector",
    "category",
    "screening",
    "confidence",
    "reasons",
}


def zwsx(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_zwsx(*args, config=write_config(tmp_path), stdin=stdin)


def test_route_reads_stdin_and_answers_line_for_line(tmp_path: Path) -> None:
    lines = [
        {
            "id": 1,
            "title": "盐湖区住建局不作为",
            "text": "我叫张三，电话13835900001。盐湖区住建局对小区物业问题长期不作为。",
        },
        {
            "id": "b",
            "title": "",
            "text": "学校强制学生参加有偿补课，老师收取补课费，请教育局查处。",
        },
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    result = zwsx(tmp_path, "route", stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    assert all(set(o) >= ROUTE_FIELDS for o in out)
    assert (out[0]["unit"], out[0]["unit_name"]) == ("yanhu", "盐湖区人民政府")
    assert out[0]["screening"]["code"] == "accepted"
    assert out[1]["sector"] == "教育文体" and out[1]["screening"]["code"] == "anonymous"
    assert out[1]["reasons"] and 0 < out[1]["confidence"] <= 1
    assert out[0]["entities"]["real_name"] and out[0]["entities"]["amounts"] == []


def test_route_marks_a_bad_line_and_goes_on(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        'not json\n{"id": 2, "title": "", "text": "临猗县政府乱收费"}\n', encoding="utf-8"
    )
    result = zwsx(tmp_path, "route", str(source))
    assert result.returncode == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] is None and "第 1 行无法读取" in first["error"]
    assert second["unit"] == "linyi"
    assert "共有 1 行无法读取" in result.stderr


def test_route_reads_gb18030_and_bom_lines_and_names_undecodable_ones(tmp_path: Path) -> None:
    """Office PCs save GB18030 text; a line in no known encoding is a line error with its
    number, never a traceback that loses the lines after it."""
    source = tmp_path / "in.jsonl"
    line = '{{"id": {n}, "title": "", "text": "临猗县政府乱收费"}}\n'
    source.write_bytes(
        b"\xef\xbb\xbf"
        + line.format(n=1).encode("utf-8")
        + line.format(n=2).encode("gb18030")
        + b'{"id": 3, "text": "\xff\xfe\xff"}\n'
        + b'{"id": 4, "title": " "}\n'
        + line.format(n=5).encode("utf-8")
    )
    result = zwsx(tmp_path, "route", str(source))
    assert result.returncode == 1
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2, None, 4, 5]
    assert [o.get("unit") for o in out] == ["linyi", "linyi", None, None, "linyi"]
    assert "第 3 行无法读取：既不是 UTF-8 也不是 GB18030 编码的文字" in out[2]["error"]
    assert "第 4 行无法读取：缺少 title 和 text" in out[3]["error"]
    assert "共有 2 行无法读取" in result.stderr and "Traceback" not in result.stderr


def test_route_eval_json_has_the_contract_fields(tmp_path: Path) -> None:
    rows = [
        {"id": f"{n}", "title": "", "text": text, "label": label}
        for n in range(9)
        for label, text in (("城乡建设", f"小区物业乱收费{n}"), ("教育文体", f"学校有偿补课{n}"))
    ]
    data = tmp_path / "l.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = zwsx(tmp_path, "route-eval", "--train", str(data), "--folds", "3", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"macro_f1", "accuracy", "messages_per_second", "baseline_macro_f1"} <= set(figures)
    assert figures["folds"] == 3 and figures["messages"] == 18
    assert len(figures["fold_macro_f1"]) == len(figures["baseline_fold_macro_f1"]) == 3
    assert figures["fold_macro_f1_std"] >= 0 and "fold_macro_f1_mean" in figures
    text = zwsx(tmp_path, "route-eval", "--no-train", "--test", str(data))
    assert text.returncode == 0, text.stderr
    assert "宏平均 F1" in text.stdout and "混淆矩阵" in text.stdout


def test_route_eval_refuses_contradictory_options(tmp_path: Path) -> None:
    result = zwsx(tmp_path, "route-eval", "--folds", "5")
    assert result.returncode == 2
    assert "--folds 只与 --train 一起使用" in result.stderr


@pytest.mark.skipif(not DEV_MESSAGES.exists(), reason=absent(DEV_MESSAGES))
def test_curated_vocabulary_alone_on_the_development_messages(tmp_path: Path) -> None:
    """Target of issue 5: the vocabularies alone reach macro-F1 0.75 on the labelled messages."""
    result = zwsx(tmp_path, "route-eval", "--no-train", "--test", str(DEV_MESSAGES), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["macro_f1"] >= 0.75
