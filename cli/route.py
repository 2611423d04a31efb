"""``route`` and ``route-eval``: routing complaints from JSON lines, and measuring it.

``route [FILE]`` reads ``{"id","title","text"}`` lines in UTF-8 or GB18030 (stdin by default;
optional ``name``, ``phone``, ``email``, ``respondent``) and prints one JSON line per input
line. A line that cannot be read gets an ``{"id", "line", "error"}`` line in its place, so output
and input stay line for line, and the command ends with exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, BinaryIO

import click

from cli.common import EXIT_CONFIG, console, fail, make_service, print_json, print_table
from processing.assess import assess_complaint, assessment_record
from processing.entities import extract_entities
from processing.evaluation import (
    Evaluation,
    EvaluationError,
    Evaluator,
    evaluate_folds,
    evaluate_split,
    read_labelled,
    spread,
)
from processing.normalise import complaint_from_fields
from processing.training import TrainingError

EXIT_BAD_INPUT = 1


def entity_record(text: str) -> dict[str, Any]:
    """Amounts and dates found in the text (personal details stay out of the output)."""
    found = extract_entities(text)
    return {
        "amounts": [{"text": a.text, "yuan": a.yuan} for a in found.amounts],
        "dates": [d.isoformat() for d in found.dates],
        "real_name": found.real_name,
    }


class LineError(ValueError):
    """A line that cannot be routed; ``item_id`` is its id when the line is a JSON object."""

    def __init__(self, reason: str, item_id: Any = None) -> None:
        super().__init__(reason)
        self.item_id = item_id


def decode_line(raw: bytes) -> str:
    """JSON lines are UTF-8 (a BOM is dropped); a line in GB18030, as office PCs still save
    text, is read too. Anything else is a line error, not the end of the run."""
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise LineError("既不是 UTF-8 也不是 GB18030 编码的文字") from None


def _complaint_from_line(raw: bytes) -> tuple[Any, Any]:
    try:
        row = json.loads(decode_line(raw))
    except ValueError as error:  # JSONDecodeError, and LineError above
        raise LineError(str(error)) from None
    if not isinstance(row, dict):
        raise LineError("每行应为一个 JSON 对象")
    item_id = row.get("id")
    if not str(row.get("title") or "").strip() and not str(row.get("text") or "").strip():
        raise LineError("缺少 title 和 text", item_id)
    try:
        return item_id, complaint_from_fields(row)
    except (ValueError, TypeError) as error:
        raise LineError(str(error), item_id) from None


@click.command("route")
@click.argument("source", type=click.File("rb"), default="-", required=False)
@click.pass_context
def route_command(ctx: click.Context, source: BinaryIO) -> None:
    """分办：逐行读入 JSON（id、title、text），逐行输出审查、类别与承办单位（JSON）。"""
    service = make_service(ctx)
    service.load_route_model()
    router, registry = service.router, service.registry
    bad = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            item_id, complaint = _complaint_from_line(line)
        except LineError as error:
            bad += 1
            reason = f"第 {number} 行无法读取：{error}"
            click.echo(
                json.dumps(
                    {"id": error.item_id, "line": number, "error": reason}, ensure_ascii=False
                )
            )
            click.echo(f"错误：{reason}", err=True)
            continue
        record = assessment_record(item_id, assess_complaint(router, complaint), registry)
        record["entities"] = entity_record(complaint.text)
        click.echo(json.dumps(record, ensure_ascii=False))
    if bad:
        click.echo(f"共有 {bad} 行无法读取，已在输出中逐行标明。", err=True)
        ctx.exit(EXIT_BAD_INPUT)


def _figures(result: Evaluation, names: dict[str, str]) -> dict[str, Any]:
    def per_class(scores: Any) -> list[dict[str, Any]]:
        return [
            {
                "label": f.label,
                "name": f.name,
                "precision": round(f.precision, 4),
                "recall": round(f.recall, 4),
                "f1": round(f.f1, 4),
                "support": f.support,
            }
            for f in scores.per_class(names)
        ]

    baseline = result.baseline
    mean, deviation = spread(result.fold_macro_f1)
    baseline_mean, baseline_deviation = spread(result.baseline_fold_macro_f1)
    return {
        "macro_f1": round(result.router.macro_f1(), 4),
        "accuracy": round(result.router.accuracy, 4),
        "messages_per_second": round(result.messages_per_second, 1),
        "baseline_macro_f1": round(baseline.macro_f1(), 4) if baseline.expected else None,
        "baseline_accuracy": round(baseline.accuracy, 4) if baseline.expected else None,
        "messages": len(result.router.expected),
        "folds": result.folds,
        "fold_macro_f1": [round(f, 4) for f in result.fold_macro_f1],
        "fold_macro_f1_mean": round(mean, 4),
        "fold_macro_f1_std": round(deviation, 4),
        "baseline_fold_macro_f1": [round(f, 4) for f in result.baseline_fold_macro_f1],
        "baseline_fold_macro_f1_mean": round(baseline_mean, 4),
        "baseline_fold_macro_f1_std": round(baseline_deviation, 4),
        "trained": result.trained,
        "per_class": per_class(result.router),
        "confusion": result.router.confusion(),
        "baseline_per_class": per_class(baseline) if baseline.expected else [],
        "baseline_confusion": baseline.confusion() if baseline.expected else {},
    }


@click.command("route-eval")
@click.option(
    "--train",
    "train_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="训练用的带标注消息（JSON 行，含 label）",
)
@click.option(
    "--test",
    "test_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="测试用的带标注消息",
)
@click.option("--folds", type=int, help="对 --train 文件做 K 折交叉验证")
@click.option("--no-train", is_flag=True, help="只用随附分办词表，不训练分办模型")
@click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象（供脚本使用）")
@click.pass_context
def route_eval_command(  # noqa: PLR0917 - click passes each option as an argument
    ctx: click.Context,
    train_path: Path | None,
    test_path: Path | None,
    folds: int | None,
    no_train: bool,
    as_json: bool,
) -> None:
    """评测分办：宏平均 F1、准确率、各类别查准率与查全率、混淆矩阵、速度，并与基线比较。"""
    if folds is not None and (test_path is not None or train_path is None):
        fail("--folds 只与 --train 一起使用（对训练文件做交叉验证）", EXIT_CONFIG)
    if folds is None and test_path is None:
        fail("请给出 --test 文件，或用 --train 文件加 --folds K 做交叉验证", EXIT_CONFIG)
    if folds is None and train_path is None and not no_train:
        fail("没有 --train 文件就无法训练分办模型；只评测词表请加 --no-train", EXIT_CONFIG)
    service = make_service(ctx)
    router = service.router
    names = {
        s: f"{s}（{service.registry.get(c).name}）"
        for s, c in router.vocabulary.sector_units.items()
    }
    names |= {u.code: u.name for u in service.registry}
    evaluator = Evaluator(router, train=not no_train)
    try:
        sectors = router.vocabulary.sector_units
        train = read_labelled(train_path, service.registry, sectors) if train_path else []
        if folds is not None:
            result = evaluate_folds(evaluator, train, folds)
        else:
            assert test_path is not None
            test = read_labelled(test_path, service.registry, sectors)
            result = evaluate_split(evaluator, train, test)
    except (EvaluationError, TrainingError) as error:
        fail(str(error), EXIT_CONFIG)
    figures = _figures(result, names)
    if as_json:
        print_json(figures)
    else:
        _print_report(figures, names)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _fold_line(title: str, figures: dict[str, Any], prefix: str) -> str:
    folds = "、".join(f"{f:.4f}" for f in figures[f"{prefix}fold_macro_f1"])
    return (
        f"  {title}各折宏平均 F1：{folds}（平均 {figures[f'{prefix}fold_macro_f1_mean']:.4f}，"
        f"标准差 {figures[f'{prefix}fold_macro_f1_std']:.4f}）"
    )


def _print_report(figures: dict[str, Any], names: dict[str, str]) -> None:
    how = "随附词表（未训练模型）" if not figures["trained"] else "词表 + 训练所得分办模型"
    split = f"{figures['folds']} 折交叉验证" if figures["folds"] > 1 else "训练集 / 测试集"
    console.print(
        f"分办评测：{how}，{split}，共 {figures['messages']} 条消息\n"
        f"  宏平均 F1：{_percent(figures['macro_f1'])}　准确率：{_percent(figures['accuracy'])}"
        f"　速度：每秒 {figures['messages_per_second']:.0f} 条\n"
        f"  基线（TF-IDF + LinearSVC，同一切分、同样分词）宏平均 F1："
        f"{_percent(figures['baseline_macro_f1'])}"
        f"　准确率：{_percent(figures['baseline_accuracy'])}"
    )
    if figures["folds"] > 1:
        console.print(_fold_line("分办", figures, ""))
        if figures["baseline_fold_macro_f1"]:
            console.print(_fold_line("基线", figures, "baseline_"))
    for title, key in (("分办", "per_class"), ("基线", "baseline_per_class")):
        if figures[key]:
            print_table(
                f"{title}：各类别",
                ["类别", "查准率", "查全率", "F1", "条数"],
                [
                    [
                        c["name"],
                        f"{c['precision']:.3f}",
                        f"{c['recall']:.3f}",
                        f"{c['f1']:.3f}",
                        str(c["support"]),
                    ]
                    for c in figures[key]
                ],
            )
    confusion = figures["confusion"]
    columns = sorted({p for row in confusion.values() for p in row})
    print_table(
        "分办：混淆矩阵（行为标注，列为判断；空白为未能判断）",
        ["标注 \\ 判断", *[c or "（无）" for c in columns]],
        [[names.get(e, e), *[str(row.get(c, 0)) for c in columns]] for e, row in confusion.items()],
    )
    sys.stdout.flush()
