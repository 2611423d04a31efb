"""The digest section on imported files (12345 exports, website JSON lines) that need a person.

A file that could not be read at all (``ImportFile.status = "failed"``, moved to ``failed/`` with
its reason) and a file some of whose rows were not imported (``rows_failed``, listed in its error
report and in ``import_row_errors``) are shown once, in the digest of the window they finished in.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from notifications.digest import DigestContext, DigestRow, DigestSection
from notifications.render import channel_label
from store.models import ImportFile

ERROR_CHARS = 100


def _outcome(item: ImportFile) -> str:
    if item.status == "failed":
        return f"无法读取：{item.error or ''}"
    return f"{item.rows_failed} 行未导入，见错误报告 {item.report_path or ''}".strip()


def import_problems(session: Session, ctx: DigestContext) -> DigestSection | None:
    """Files finished in the window that could not be read, or had rows that were not imported."""
    items = session.scalars(
        select(ImportFile)
        .where(
            ImportFile.finished_at > ctx.window.start,
            ImportFile.finished_at <= ctx.window.end,
            or_(ImportFile.status == "failed", ImportFile.rows_failed > 0),
        )
        .order_by(ImportFile.id)
    ).all()
    return DigestSection(
        key="import_problems",
        title="导入有问题的文件",
        columns=("文件", "渠道", "已导入", "情况"),
        rows=tuple(
            DigestRow(
                "",
                (
                    item.original_name,
                    channel_label(item.channel),
                    str(item.rows_new + item.rows_updated),
                    _outcome(item),
                ),
            )
            for item in items
        ),
        summary=(
            "无法读取的文件已移入 failed/（旁附原因）；其余的行已导入，有误的行请按错误报告核对。"
        ),
        limits=(0, 0, 0, ERROR_CHARS),
    )
