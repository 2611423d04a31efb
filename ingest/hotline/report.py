"""The row-level error report written beside a processed file: a CSV a clerk opens in Excel.

UTF-8 with a BOM, so Excel shows the Chinese correctly. Values are masked (Art. 17: the report
sits in a shared folder); the row number and column lead the clerk to the original.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from core.masking import mask_personal_data
from store.models import ImportRowError

HEADER = ("行号", "列", "内容", "原因", "处理结果")


def report_rows(issues: Sequence[ImportRowError]) -> list[tuple[str, ...]]:
    return [
        (
            str(issue.row_number),
            issue.column,
            mask_personal_data(issue.value)[:100],
            issue.reason,
            "未导入" if issue.fatal else "已导入（提示）",
        )
        for issue in issues
    ]


def write_error_report(path: Path, issues: Sequence[ImportRowError]) -> Path:
    """Write atomically (a clerk may have the old report open)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(report_rows(issues))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
