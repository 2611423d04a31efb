"""The credit website's complaint column (Art. 4): JSON-lines files, one complaint per line.

Fields of each line (documented in the README; ``id`` and ``content`` or ``title`` required):
``id``, ``submitted_at``, ``name``, ``phone``, ``email``, ``address`` (the complainant's),
``title``, ``content``, ``respondent``, ``region``, ``incident_address``, ``category``. Other
keys are kept as evidence. Lines go through the same importer as 12345 exports: archived whole
first, idempotent by ``web:<id>``, a changed line an update, each bad line in the error report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.hotline.cells import clean_code, clean_line, clean_phone, clean_text
from ingest.hotline.dates import parse_cell_date
from ingest.hotline.rows import MappedRow, RowIssue, SourceRecord
from ingest.hotline.tables import UnreadableFile

WEB_FIELDS = {
    "id": "编号",
    "submitted_at": "提交时间",
    "name": "姓名",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通讯地址",
    "title": "标题",
    "content": "投诉内容",
    "respondent": "被投诉单位",
    "region": "所属区域",
    "incident_address": "事发地址",
    "category": "投诉类别",
}


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else clean_text(value if isinstance(value, str) else str(value))


def _decode(raw: bytes, number: int) -> tuple[Any, RowIssue | None]:
    try:
        return json.loads(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError:
        return None, RowIssue(number, "整行", "", "不是 UTF-8 编码")
    except json.JSONDecodeError as error:
        return None, RowIssue(
            number, "整行", raw[:80].decode("utf-8", "replace"), f"不是有效的 JSON（{error.msg}）"
        )


def map_web_line(raw: bytes, number: int) -> MappedRow:
    """One line of the file → a website complaint record, or the reasons it is not one."""
    if not raw.strip():
        return MappedRow(number, skipped="空行")
    data, problem = _decode(raw, number)
    if problem is None and not isinstance(data, dict):
        problem = RowIssue(number, "整行", "", "每行应为一个 JSON 对象 {…}")
    if problem is not None:
        return MappedRow(number, issues=(problem,))
    identifier = clean_code(data.get("id") if isinstance(data.get("id"), str | int) else None)
    issues = []
    if not identifier:
        issues.append(RowIssue(number, WEB_FIELDS["id"], "", "缺少编号（id）"))
    if not _text(data, "content") and not _text(data, "title"):
        issues.append(RowIssue(number, WEB_FIELDS["content"], "", "投诉内容和标题都为空"))
    if issues:
        return MappedRow(number, issues=tuple(issues))
    try:
        stated_at = parse_cell_date(_text(data, "submitted_at") or None)
    except ValueError as error:
        stated_at = None
        issues.append(
            RowIssue(
                number,
                WEB_FIELDS["submitted_at"],
                _text(data, "submitted_at"),
                str(error),
                fatal=False,
            )
        )
    record = SourceRecord(
        channel="web",
        number=identifier[:120],
        row=number,
        stated_at=stated_at,
        name=clean_line(_text(data, "name"))[:200],
        phone=clean_phone(_text(data, "phone"))[0][:64],
        email=clean_code(_text(data, "email"))[:320],
        sender_address=clean_line(_text(data, "address"))[:500],
        address=clean_line(_text(data, "incident_address"))[:500],
        region=clean_line(_text(data, "region"))[:200],
        category=clean_line(_text(data, "category"))[:100],
        title=_text(data, "title")[:500],
        content=_text(data, "content"),
        respondent=clean_line(_text(data, "respondent"))[:200],
        extra=tuple(
            (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
            for k, v in data.items()
            if k not in WEB_FIELDS and v not in (None, "")
        ),
    )
    return MappedRow.of(record, issues)


class JsonLinesFile:
    """An opened JSON-lines file; each line is mapped on its own, so one bad line sinks nothing."""

    format = "jsonl"
    reader = "json"

    def __init__(self, path: Path) -> None:
        try:
            self._handle = path.open("rb")
        except OSError as error:
            raise UnreadableFile(f"无法打开文件（{error.strerror}）") from None
        head = self._handle.read(4096)
        self._handle.seek(0)
        if b"\x00" in head:
            self._handle.close()
            raise UnreadableFile(
                "文件含有二进制内容，不是 JSON Lines 文本（每行一个 JSON 对象）；如果这是 12345 "
                "工单导出（Excel），请放入 12345 工单投放文件夹或执行 python main.py hotline import"
            )

    def estimated_rows(self) -> int | None:
        return None

    def rows(self, start_after: int = 0) -> Iterator[MappedRow]:
        for number, raw in enumerate(self._handle, start=1):
            if number > start_after:
                yield map_web_line(raw, number)

    def close(self) -> None:
        self._handle.close()


def open_json_lines(path: Path) -> JsonLinesFile:
    return JsonLinesFile(path)
