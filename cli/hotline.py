"""``python main.py hotline …`` and ``web import``: import work-order exports by hand, list imports.

A clerk's file stays where it is; its error report is written beside it (or, when that folder is
not writable, into the hotline drop folder's ``processed/``). Recordings named in the rows are
looked for beside the file. Exit codes: 0 all rows imported, 1 a file could not be read, 6 some
rows had errors (listed in the report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from cli.common import EXIT_CONFIG, console, fail, make_service, print_json, print_table
from core.clock import format_local
from daemon.service import Service
from ingest.hotline.dropfolder import PROCESSED
from ingest.hotline.importer import ImportSummary, Opener, import_file, write_import_report
from ingest.hotline.recordings import RecordingFinder
from ingest.web import open_json_lines
from store.models import ImportFile

EXIT_ROW_ERRORS = 6
STATUS_LABELS = {
    "done": "已导入",
    "already": "此前已导入",
    "failed": "无法读取",
    "reading": "导入中",
}


def _report_path(service: Service, summary: ImportSummary, path: Path) -> Path | None:
    if summary.import_id is None or summary.status == "already":
        return None
    beside = path.with_name(f"{path.name}.错误报告.csv")
    try:
        return write_import_report(service.import_deps, summary.import_id, beside)
    except OSError:
        fallback = service.settings.path(service.settings.hotline.drop_dir) / PROCESSED
        return write_import_report(service.import_deps, summary.import_id, fallback / beside.name)


def _import_one(
    service: Service, path: Path, opener: Opener, channel: str, progress: Progress
) -> ImportSummary:
    task = progress.add_task(path.name, total=None)

    def advance(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total if total and total >= done else None)

    summary = import_file(
        path,
        deps=service.import_deps,
        opener=opener,
        channel=channel,
        source="cli",
        finder=RecordingFinder(path.parent) if channel == "hotline" else None,
        batch_rows=service.settings.hotline.batch_rows,
        progress=advance,
    )
    progress.update(
        task, total=max(summary.rows + summary.skipped, 1), completed=summary.rows + summary.skipped
    )
    summary.report_path = _report_path(service, summary, path)
    return summary


def summary_dict(summary: ImportSummary) -> dict[str, Any]:
    return {
        "file": summary.name,
        "status": summary.status,
        "import_id": summary.import_id,
        "format": summary.format,
        "new": summary.new,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "failed_rows": summary.failed,
        "skipped_rows": summary.skipped,
        "warnings": summary.warnings,
        "recordings": summary.recordings,
        "error": summary.error,
        "report": str(summary.report_path) if summary.report_path else None,
    }


def _print_summaries(summaries: list[ImportSummary]) -> None:
    rows = [
        [
            s.name,
            STATUS_LABELS.get(s.status, s.status),
            str(s.new),
            str(s.updated),
            str(s.unchanged),
            str(s.failed),
            str(s.skipped),
            str(s.recordings),
            s.error or (str(s.report_path) if s.report_path else ""),
        ]
        for s in summaries
    ]
    print_table(
        "导入结果",
        ["文件", "结果", "新增", "更新", "未变", "有误", "跳过", "录音", "错误报告 / 原因"],
        rows,
    )


def run_imports(
    ctx: click.Context, files: tuple[Path, ...], opener: Opener, channel: str, as_json: bool
) -> None:
    service = make_service(ctx)
    summaries = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
        transient=False,
    ) as progress:
        for path in files:
            summaries.append(_import_one(service, path, opener, channel, progress))
    if as_json:
        print_json([summary_dict(s) for s in summaries])
    else:
        _print_summaries(summaries)
        console.print("新增的来件将由服务处理立案（或执行 python main.py run --once）。")
    if any(s.status == "failed" for s in summaries):
        ctx.exit(1)
    if any(s.failed for s in summaries):
        ctx.exit(EXIT_ROW_ERRORS)


FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.group("hotline")
def hotline_group() -> None:
    """12345 热线工单导出文件。"""


@hotline_group.command("import")
@FILES
@click.option("--source", "source_name", help="按 [hotline.sources] 中某一来源的列名对照读取")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def import_hotline(
    ctx: click.Context, files: tuple[Path, ...], source_name: str | None, as_json: bool
) -> None:
    """导入 12345 工单导出文件（.xlsx / .xls / .csv），每个工单编号只立案一次。"""
    service = make_service(ctx)
    hotline = service.settings.hotline
    columns = None
    if source_name:
        if source_name not in hotline.sources:
            known = "、".join(sorted(hotline.sources)) or "无"
            fail(f"配置中没有名为 {source_name} 的来源（已配置：{known}）", EXIT_CONFIG)
        columns = {**hotline.columns, **hotline.sources[source_name].columns}
    run_imports(ctx, files, service.hotline_opener(columns), "hotline", as_json)


@hotline_group.command("imports")
@click.option("--limit", type=int, default=30, show_default=True, help="最多列出多少个文件")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def list_imports(ctx: click.Context, limit: int, as_json: bool) -> None:
    """列出最近导入的文件（工单导出、网站来件）及其结果。"""
    service = make_service(ctx)
    with service.sessions() as session:
        imports = session.scalars(
            select(ImportFile).order_by(ImportFile.id.desc()).limit(limit)
        ).all()
    data = [
        {
            "id": i.id,
            "channel": i.channel,
            "file": i.original_name,
            "source": i.source,
            "status": i.status,
            "new": i.rows_new,
            "updated": i.rows_updated,
            "unchanged": i.rows_unchanged,
            "failed_rows": i.rows_failed,
            "error": i.error,
            "report": i.report_path,
            "finished_at": i.finished_at.isoformat() if i.finished_at else None,
        }
        for i in imports
    ]
    if as_json:
        print_json(data)
        return
    if not data:
        console.print("尚未导入任何文件。")
        return
    rows = [
        [
            str(i.id),
            i.original_name,
            STATUS_LABELS.get(i.status, i.status),
            str(i.rows_new),
            str(i.rows_updated),
            str(i.rows_failed),
            format_local(i.finished_at),
            i.error or i.report_path or "",
        ]
        for i in imports
    ]
    print_table(
        f"导入记录（最近 {len(rows)} 个）",
        ["编号", "文件", "结果", "新增", "更新", "有误", "完成时间", "错误报告 / 原因"],
        rows,
    )


@click.group("web")
def web_group() -> None:
    """信用网站投诉专栏来件。"""


@web_group.command("import")
@FILES
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def import_web(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """导入网站投诉专栏导出的 JSON Lines 文件（每行一件），每个编号只立案一次。"""
    run_imports(ctx, files, open_json_lines, "web", as_json)
