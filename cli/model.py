"""``model import|train|list|activate``: the learned routing model, versioned in the database."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from cli.common import (
    EXIT_CONFIG,
    EXIT_NOT_FOUND,
    console,
    current_staff,
    fail,
    make_service,
    print_json,
    print_table,
)
from core.clock import format_local
from processing.evaluation import EvaluationError, read_labelled
from processing.learning import (
    activate_model,
    collect_examples,
    describe_examples,
    import_history,
    next_version,
    store_model,
)
from processing.model import model_features
from processing.training import TrainingError, TrainingSet, train_linear_model
from store.db import transaction
from store.models import RouteModel


def _actor() -> str:
    return f"staff:{current_staff()}"


@click.group("model")
def model_group() -> None:
    """分办模型：导入历史记录、训练、查看与启用版本。"""


@model_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def import_command(ctx: click.Context, path: Path, as_json: bool) -> None:
    """导入带标注的历史分办记录（JSON 行：title、text、label 为行业或单位名称），供训练使用。"""
    service = make_service(ctx)
    router = service.router
    try:
        items = read_labelled(path, service.registry, router.vocabulary.sector_units)
    except EvaluationError as error:
        fail(str(error), EXIT_CONFIG)
    sectors = router.vocabulary.sector_units
    rows = []
    for item in items:
        if item.label in sectors:
            rows.append((item.title, item.text, sectors[item.label], item.label))
        else:
            unit = service.registry.get(item.label)
            rows.append((item.title, item.text, unit.code, unit.sector))
    with transaction(service.sessions) as session:
        result = import_history(session, rows, actor=_actor(), now=service.clock.now())
    if as_json:
        print_json({"added": result.added, "already": result.already, "read": len(items)})
        return
    console.print(
        f"读入 {len(items)} 条：新增 {result.added} 条，此前已导入 {result.already} 条。"
        "执行 model train 后生效。"
    )


@model_group.command("train")
@click.option("--no-activate", is_flag=True, help="只训练并保存，不启用新版本")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def train_command(ctx: click.Context, no_activate: bool, as_json: bool) -> None:
    """用已确认的分办记录（人工分办、市直部门签收、导入的历史）训练新版本分办模型。"""
    service = make_service(ctx)
    router = service.router
    started = time.perf_counter()
    with service.sessions() as session:
        examples = collect_examples(session, service.registry)
        version = next_version(session, service.clock.now())
    features = [model_features(router.tokenize(e.title, e.text)[0]) for e in examples]
    summary = describe_examples(examples)
    try:
        model = train_linear_model(
            TrainingSet(features, [e.sector for e in examples]), version=version, meta=summary
        )
    except TrainingError as error:
        fail(f"无法训练分办模型：{error}", EXIT_CONFIG)
    with transaction(service.sessions) as session:
        store_model(
            session,
            model,
            created_by=_actor(),
            now=service.clock.now(),
            activate=not no_activate,
        )
    report: dict[str, Any] = {
        "version": version,
        "examples": len(examples),
        "active": not no_activate,
        "seconds": round(time.perf_counter() - started, 1),
        **summary,
    }
    if as_json:
        print_json(report)
        return
    state = "已启用，运行中的服务在下一轮处理时改用此版本" if not no_activate else "未启用"
    sectors = "、".join(f"{s} {n}" for s, n in summary["sectors"].items())
    console.print(
        f"分办模型 {version} 训练完成（{state}）：共 {len(examples)} 条样本，"
        f"用时 {report['seconds']} 秒。\n各行业样本：{sectors}"
    )


def _rows(service: Any) -> list[dict[str, Any]]:
    with service.sessions() as session:
        models = session.scalars(select(RouteModel).order_by(RouteModel.id.desc())).all()
        return [
            {
                "version": m.version,
                "active": m.active,
                "created_at": m.created_at.isoformat(),
                "created_by": m.created_by,
                "examples": m.examples,
                "sha256": m.sha256,
            }
            for m in models
        ]


@model_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """列出已训练的分办模型版本。"""
    rows = _rows(make_service(ctx))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("尚未训练分办模型：分办只用随附词表。可先 model import，再 model train。")
        return
    print_table(
        f"分办模型（共 {len(rows)} 个版本）",
        ["版本", "状态", "训练时间", "训练人", "样本数"],
        [
            [
                r["version"],
                "启用中" if r["active"] else "",
                format_local(_when(r)),
                r["created_by"],
                str(r["examples"]),
            ]
            for r in rows
        ],
    )


def _when(row: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(row["created_at"])


@model_group.command("activate")
@click.argument("version")
@click.pass_context
def activate_command(ctx: click.Context, version: str) -> None:
    """启用指定版本的分办模型（可用于退回旧版本）。"""
    service = make_service(ctx)
    try:
        with transaction(service.sessions) as session:
            activate_model(session, version)
    except LookupError as error:
        fail(str(error), EXIT_NOT_FOUND)
    console.print(f"已启用分办模型 {version}，运行中的服务在下一轮处理时改用此版本。")
