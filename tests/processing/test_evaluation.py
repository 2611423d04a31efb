"""route-eval's arithmetic and its handling of labels, folds and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from processing.evaluation import (
    EvaluationError,
    Evaluator,
    Scores,
    evaluate_folds,
    evaluate_split,
    read_labelled,
    spread,
)
from processing.route import Router

SECTOR_TEXTS = {
    "城乡建设": [
        "小区物业乱收费，业主投诉无门",
        "开发商延期交房，房产证办不下来",
        "老旧小区改造拖延",
    ],
    "教育文体": ["学校强制有偿补课", "幼儿园收费过高", "老师体罚学生"],
    "劳动和社会保障": ["公司拖欠工资半年", "社保断缴无法补缴", "工伤认定迟迟不办"],
}


def labelled_file(tmp_path: Path, copies: int = 4) -> Path:
    lines = [
        json.dumps(
            {"id": f"{label}{n}{i}", "title": "", "text": f"{text}（第{n}次反映）", "label": label},
            ensure_ascii=False,
        )
        for label, texts in SECTOR_TEXTS.items()
        for i, text in enumerate(texts)
        for n in range(copies)
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_scores_by_hand() -> None:
    scores = Scores()
    for expected, predicted in [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]:
        scores.add(expected, predicted)
    a, b = scores.per_class({"a": "甲"})
    assert (a.name, a.precision, a.recall) == ("甲", 1.0, 0.5)
    assert (b.precision, b.recall) == (2 / 3, 1.0)
    assert scores.accuracy == 0.75
    assert scores.macro_f1() == pytest.approx((2 / 3 + 0.8) / 2)
    assert scores.confusion() == {"a": {"a": 1, "b": 1}, "b": {"a": 0, "b": 2}}
    assert scores.since(2).accuracy == 1.0 and scores.since(1).expected == ["a", "b", "b"]


def test_spread_of_the_folds() -> None:
    assert spread([0.8, 0.9]) == pytest.approx((0.85, 0.05))
    assert spread([0.7]) == (0.7, 0.0) and spread([]) == (0.0, 0.0)


def test_folds_train_the_model_and_the_baseline(router: Router, tmp_path: Path) -> None:
    items = read_labelled(labelled_file(tmp_path), router.registry, router.vocabulary.sector_units)
    result = evaluate_folds(Evaluator(router), items, 3)
    assert result.folds == 3
    assert len(result.router.expected) == len(items) == len(result.baseline.expected)
    assert result.router.macro_f1() > 0.9
    assert result.messages_per_second > 0
    assert len(result.fold_macro_f1) == len(result.baseline_fold_macro_f1) == 3
    assert min(result.fold_macro_f1) <= result.router.macro_f1() + 1e-9
    router.model.replace(None)


def test_vocabulary_alone_needs_no_training_file(router: Router, tmp_path: Path) -> None:
    items = read_labelled(labelled_file(tmp_path), router.registry, router.vocabulary.sector_units)
    result = evaluate_split(Evaluator(router, train=False), [], items)
    assert not result.trained and result.baseline.expected == []
    assert result.router.accuracy > 0.8


def test_unit_labels_are_compared_with_the_unit(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "units.jsonl"
    rows = [
        {"title": "", "text": "临猗县政府拖欠工程款", "label": "临猗县人民政府"},
        {"title": "", "text": "市教育局不作为", "label": "education"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    items = read_labelled(path, router.registry, router.vocabulary.sector_units)
    assert [i.label for i in items] == ["linyi", "education"]
    result = evaluate_split(Evaluator(router, train=False), [], items)
    assert result.router.accuracy == 1.0


def test_bad_lines_are_named(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "label": "火星"}\nnot json\n', encoding="utf-8")
    with pytest.raises(EvaluationError) as raised:
        read_labelled(path, router.registry, router.vocabulary.sector_units)
    assert "第 1 行的标注“火星”" in str(raised.value) and "第 2 行" in str(raised.value)


def test_a_line_not_in_utf8_is_named_with_its_number(router: Router, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"text": "学校乱收费", "label": "教育文体"}, ensure_ascii=False)
    path.write_bytes(b"\xef\xbb\xbf" + good.encode() + b"\n" + good.encode("gbk") + b"\n")
    with pytest.raises(EvaluationError) as raised:
        read_labelled(path, router.registry, router.vocabulary.sector_units)
    assert "有 1 行无法使用：第 2 行不是 UTF-8 编码" in str(raised.value)


def test_too_few_per_label_for_the_folds(router: Router, tmp_path: Path) -> None:
    items = read_labelled(
        labelled_file(tmp_path, copies=1), router.registry, router.vocabulary.sector_units
    )
    with pytest.raises(EvaluationError, match="少于 5 条"):
        evaluate_folds(Evaluator(router), items, 5)
