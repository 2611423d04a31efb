"""A work-order export as a stream of mapped rows: find the sheet and its header, map each row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest.hotline.cells import Cell
from ingest.hotline.columns import HEADER_SEARCH_ROWS, ColumnMap, HeaderNotFound, find_header
from ingest.hotline.rows import MappedRow, map_hotline_row
from ingest.hotline.tables import RowStream, Table, UnreadableFile, open_table

# A website file put among the 12345 exports: say where it belongs.
WEB_DOOR = (
    "文件内容是 JSON（信用网站的来件？），请放入网站来件投放文件夹或执行 python main.py web import"
)


def _looks_like_json(head: list[tuple[int, list[Cell]]]) -> bool:
    """Whether the first non-empty row of a text file starts like a JSON object."""
    for _number, cells in head:
        text = "".join(str(c) for c in cells if c not in (None, "")).lstrip("\ufeff \t")
        if text:
            return text.startswith("{")
    return False


@dataclass
class HotlineExport:
    """An opened export. ``rows(start_after)`` maps every data row after the header, skipping
    rows up to ``start_after`` (already committed by an earlier, interrupted run)."""

    table: Table
    synonyms: Mapping[str, tuple[str, ...]]
    columns: ColumnMap | None = None
    _stream: RowStream | None = None
    _head: list[tuple[int, list[Cell]]] | None = None
    _sheet: int = 0

    @property
    def format(self) -> str:
        return self.table.format

    @property
    def reader(self) -> str:
        return self.table.reader

    def estimated_rows(self) -> int | None:
        """Data rows the sheet declares (its last row less the header's), if it declares any."""
        last = self.table.sheets[self._sheet].estimated_rows()
        header = self.columns.header_row if self.columns is not None else 0
        return max(last - header, 0) if last is not None else None

    def locate(self) -> ColumnMap:
        """The first sheet whose first rows hold a recognisable header."""
        problems = []
        for index, sheet in enumerate(self.table.sheets):
            stream = sheet.rows()
            head = list(itertools.islice(stream, HEADER_SEARCH_ROWS))
            try:
                columns = find_header(head, self.synonyms)
            except HeaderNotFound as error:
                problems.append(f"工作表“{sheet.name}”：{error}")
                continue
            self.columns, self._stream, self._head, self._sheet = columns, stream, head, index
            return columns
        if self.table.format == "csv" and _looks_like_json(head):
            problems.append(WEB_DOOR)
        raise UnreadableFile("；".join(problems) or "文件中没有任何工作表")

    def rows(self, start_after: int = 0) -> Iterator[MappedRow]:
        columns = self.columns or self.locate()
        assert self._stream is not None and self._head is not None
        date1904 = self.table.date1904
        for number, cells in itertools.chain(self._head, self._stream):
            if number <= columns.header_row or number <= start_after:
                continue
            yield map_hotline_row(cells, number, columns, date1904=date1904)

    def close(self) -> None:
        self.table.close()


def open_export(
    path: Path, synonyms: Mapping[str, tuple[str, ...]], *, in_memory_limit: int
) -> HotlineExport:
    export = HotlineExport(open_table(path, in_memory_limit=in_memory_limit), synonyms)
    try:
        export.locate()
    except BaseException:
        export.close()
        raise
    return export
