"""Open any export as sheets of rows: .xlsx, legacy .xls, CSV or tab-separated text.

The format is decided by the file's first bytes, not its name (hotline systems name HTML and CSV
files ".xls"). Readers (NOTES-stack):
- .xlsx: python-calamine (about ten times faster than openpyxl) when the worksheet XML is within
  ``in_memory_limit`` bytes, which bounds its memory; larger sheets stream through
  ``ingest.hotline.xlsx`` in constant memory.
- .xls (at most 65,536 rows by the format): python-calamine.
- CSV/TSV: the csv module, streamed, after encoding and delimiter detection.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from ingest.hotline.cells import Cell
from ingest.hotline.csvtext import TextFileError, detect_format, read_rows
from ingest.hotline.xlsx import XlsxError, XlsxStream

DEFAULT_IN_MEMORY_LIMIT = 128 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"

RowStream = Iterator[tuple[int, list[Cell]]]


class UnreadableFile(ValueError):
    """The file cannot be read at all; the message says why, for the clerk."""


@dataclass
class Sheet:
    name: str
    rows: Callable[[], RowStream]
    estimated_rows: Callable[[], int | None] = lambda: None


@dataclass
class Table:
    """An opened file: its format, sheets in workbook order, and what reading it needs."""

    format: str  # xlsx | xls | csv
    reader: str  # calamine | stream | csv
    sheets: list[Sheet]
    date1904: bool = False
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in self.closers:
            close()


def sniff_format(head: bytes) -> str:
    """xlsx | xls | csv from the first bytes; UnreadableFile for what no reader here takes."""
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE2):
        return "xls"
    lowered = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        raise UnreadableFile(
            "文件是网页（HTML/XML）格式而非 Excel 表格：请用 Excel 打开后另存为 .xlsx 再导入"
        )
    if head.startswith(b"%PDF"):
        raise UnreadableFile("文件是 PDF，不是工单导出表格")
    return "csv"


def _calamine_rows(workbook: CalamineWorkbook, index: int) -> RowStream:
    try:
        sheet = workbook.get_sheet_by_index(index)
    except CalamineError as error:
        raise UnreadableFile(f"工作表无法读取（{error}）") from None
    first_row = sheet.start[0] if sheet.start else 0
    # Cells are passed on as calamine gives them (a per-cell conversion here would cost more than
    # the read itself); durations, which calamine gives as timedelta, become text in clean_text.
    yield from enumerate(sheet.iter_rows(), start=first_row + 1)


def _open_calamine(path: Path, fmt: str) -> Table:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
    except (CalamineError, OSError, ValueError) as error:
        raise UnreadableFile(f"{fmt} 文件已损坏或加密，无法读取（{error}）") from None
    sheets = [
        Sheet(name, lambda i=i: _calamine_rows(workbook, i))  # type: ignore[misc]
        for i, name in enumerate(names)
    ]
    return Table(fmt, "calamine", sheets, closers=[workbook.close])


def _worksheet_bytes(path: Path) -> int:
    """Uncompressed size of the largest worksheet, which bounds what calamine would hold."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = [
                i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")
            ]
            strings = sum(
                i.file_size for i in archive.infolist() if "sharedstrings" in i.filename.lower()
            )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise UnreadableFile(f"xlsx 文件已损坏，无法解压（{error}）") from None
    if not sizes:
        raise UnreadableFile("xlsx 文件中没有工作表（可能不是 Excel 文件，或已损坏）")
    return max(sizes) + strings


def _open_stream(path: Path) -> Table:
    try:
        book = XlsxStream(str(path))
    except XlsxError as error:
        raise UnreadableFile(str(error)) from None

    def rows(index: int) -> RowStream:
        try:
            yield from book.rows(index)
        except XlsxError as error:  # damage found mid-way, after the rows before it
            raise UnreadableFile(str(error)) from None

    # Each sheet asks the book when called: the dimension is known only once its rows are read.
    sheets = [
        Sheet(name, lambda i=i: rows(i), lambda i=i: book.dimension_rows(i))  # type: ignore[misc]
        for i, (name, _part) in enumerate(book.sheets)
    ]
    return Table("xlsx", "stream", sheets, date1904=book.date1904, closers=[book.close])


def _open_csv(path: Path) -> Table:
    try:
        fmt = detect_format(path)
    except TextFileError as error:
        raise UnreadableFile(str(error)) from None

    def rows() -> RowStream:
        try:
            yield from read_rows(path, fmt)  # type: ignore[misc]
        except TextFileError as error:
            raise UnreadableFile(str(error)) from None

    return Table("csv", "csv", [Sheet(path.name, rows)])


def open_table(path: Path, *, in_memory_limit: int = DEFAULT_IN_MEMORY_LIMIT) -> Table:
    """Open ``path`` for reading; UnreadableFile with the reason when no reader can."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise UnreadableFile(f"无法打开文件（{error.strerror}）") from None
    if not head:
        raise UnreadableFile("文件是空的")
    fmt = sniff_format(head)
    if fmt == "xls":
        return _open_calamine(path, "xls")
    if fmt == "csv":
        return _open_csv(path)
    if _worksheet_bytes(path) <= in_memory_limit:
        table = _open_calamine(path, "xlsx")
        table.date1904 = False  # calamine converts dates itself
        return table
    return _open_stream(path)
