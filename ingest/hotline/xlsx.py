"""A streaming .xlsx reader in constant memory, for worksheets too large to load at once.

openpyxl's read-only mode streams too but is ten times slower than python-calamine (NOTES-stack);
this reader feeds the worksheet XML through expat in 64 KB pieces straight from the zip member,
so memory does not grow with the sheet. The shared-string table (every distinct text of the file)
is spilled to a temporary file with an offset index, so it does not grow with the file either.
Cells come back as text, numbers, booleans or naive datetimes (for date-formatted numbers).
"""

from __future__ import annotations

import datetime as dt
import mmap
import re
import tempfile
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import PurePosixPath
from types import TracebackType
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from ingest.hotline.cells import Cell

CHUNK = 64 * 1024
# Built-in number formats that are dates or times (ECMA-376 §18.8.30, plus the CJK ones).
_BUILTIN_DATE_FORMATS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)]
)
_DATE_CODE = re.compile(r"[ymdhs]|[年月日时分秒]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class XlsxError(ValueError):
    """The workbook cannot be read; the message says why in plain words."""


# What a damaged or truncated workbook raises from zipfile, zlib, expat and the cell conversions
# (an encrypted or oddly compressed member: RuntimeError, NotImplementedError; a day number out
# of range: OverflowError; a shared-string index past the table: IndexError).
_DAMAGED = (
    zipfile.BadZipFile,
    KeyError,
    ElementTree.ParseError,
    expat.ExpatError,
    zlib.error,
    EOFError,
    ValueError,
    IndexError,
    OverflowError,
    OSError,
    RuntimeError,
    NotImplementedError,
)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _unescape(text: str) -> str:
    """OOXML writes control characters as _x000D_."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def column_index(ref: str) -> int:
    """ "B12" → 1 (0-based column)."""
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def is_date_format(code: str) -> bool:
    """A custom number format shows a date when it has y/m/d/h/s outside quotes and brackets."""
    return bool(_DATE_CODE.search(_QUOTED.sub("", code)))


class SharedStrings:
    """The shared-string table on disk: UTF-8 texts in a temporary file, offsets in memory."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="zwsx-sst-")  # noqa: SIM115 - closed in close()
        self._offsets = array("q", [0])
        self._map: mmap.mmap | None = None

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def freeze(self) -> None:
        self._file.flush()
        if self._offsets[-1]:
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        if self._map is None or start == end:
            return ""
        return self._map[start:end].decode("utf-8")

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()


def _parse_stream(member: IO[bytes], parser: Any) -> None:
    while True:
        chunk = member.read(CHUNK)
        parser.Parse(chunk, not chunk)
        if not chunk:
            return


def _read_shared_strings(member: IO[bytes]) -> SharedStrings:
    table = SharedStrings()
    parts: list[str] = []
    state = {"text": False, "phonetic": 0}
    tags: dict[str, str] = {}

    def local_of(name: str) -> str:
        local = tags.get(name)
        if local is None:
            local = tags[name] = _local(name)
        return local

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = tags.get(name) or local_of(name)
        if local == "t":
            state["text"] = not state["phonetic"]
        elif local == "rPh":  # phonetic guide (furigana/pinyin): not part of the text
            state["phonetic"] += 1

    def end(name: str) -> None:
        local = tags.get(name) or local_of(name)
        if local == "t":
            state["text"] = False
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "si":
            table.append(_unescape("".join(parts)))
            parts.clear()

    def data(text: str) -> None:
        if state["text"]:
            parts.append(text)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    _parse_stream(member, parser)
    table.freeze()
    return table


class _SheetParser:
    """expat handlers that collect complete rows; the caller drains ``ready`` after each chunk.

    The handlers run once per XML element (millions per large sheet), so they are closures over
    local state rather than methods: attribute lookups dominate otherwise.
    """

    def __init__(  # noqa: PLR0915 - the handlers are defined here on purpose (see above)
        self, strings: SharedStrings, date_styles: frozenset[int], *, date1904: bool
    ) -> None:
        self.ready: list[tuple[int, list[Cell]]] = []
        self.dimension_rows: int | None = None
        # Excel's dates are wall-clock times without a zone, like calamine's; they are
        # localised to Beijing time by ingest.hotline.dates.localise.
        epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)  # noqa: DTZ001
        tags: dict[str, str] = {}
        columns: dict[str, int] = {}
        # row number, cells, current column, type, style, text parts, collecting, phonetic depth
        state: list[Any] = [0, [], 0, "n", 0, [], False, 0]
        ready = self.ready

        def tag_of(name: str) -> str:
            local = tags.get(name)
            if local is None:
                local = tags[name] = _local(name)
            return local

        def column_of(ref: str) -> int:
            letters = ref.rstrip("0123456789")
            index = columns.get(letters)
            if index is None:
                index = columns[letters] = column_index(letters)
            return index

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = tags.get(name) or tag_of(name)
            if tag == "c":
                ref = attrs.get("r")
                state[2] = column_of(ref) if ref else len(state[1])
                state[3] = attrs.get("t", "n")
                state[4] = attrs.get("s", "0")
                state[5] = []
            elif tag in ("v", "t"):
                state[6] = not state[7]
            elif tag == "row":
                ref = attrs.get("r")
                state[0] = int(ref) if ref else state[0] + 1
                state[1] = []
            elif tag == "rPh":
                state[7] += 1
            elif tag == "dimension":
                self._dimension(attrs.get("ref", ""))

        def end(name: str) -> None:
            tag = tags.get(name) or tag_of(name)
            if tag == "c":
                row, column = state[1], state[2]
                if column > len(row):
                    row.extend([None] * (column - len(row)))
                parts = state[5]
                row.append(value_of("".join(parts)) if parts else None)
            elif tag in ("v", "t"):
                state[6] = False
            elif tag == "row":
                ready.append((state[0], state[1]))
            elif tag == "rPh":
                state[7] -= 1

        def data(text: str) -> None:
            if state[6]:
                state[5].append(text)

        def value_of(raw: str) -> Cell:
            kind = state[3]
            if kind == "s":
                return strings[int(raw)]
            if kind in ("inlineStr", "str", "e"):
                return _unescape(raw)
            if kind == "b":
                return raw == "1"
            if kind == "d":
                return dt.datetime.fromisoformat(raw)
            number: int | float = int(raw) if raw.isdigit() else float(raw)
            if int(state[4]) in date_styles:
                # Excel's day number, the time as its fraction; rounded to the millisecond.
                return epoch + dt.timedelta(milliseconds=round(number * 86_400_000))
            return number

        self.start, self.end, self.data = start, end, data
        self.current_row: Callable[[], int] = lambda: state[0]

    def _dimension(self, ref: str) -> None:
        last = ref.rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        self.dimension_rows = int(last) if last.isdigit() else None


class XlsxStream:
    """An open workbook; ``rows(index)`` streams one worksheet."""

    def __init__(self, path: str) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
            self._names = set(self._zip.namelist())
            self.sheets, self.date1904 = self._read_workbook()
            self._date_styles = self._read_date_styles()
            self._strings = self._load_strings()
            self._parsers: dict[int, _SheetParser] = {}
        except _DAMAGED as e:
            self.close()
            raise XlsxError(f"不是完整的 xlsx 文件（{type(e).__name__}: {e}）") from None

    def __enter__(self) -> XlsxStream:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _xml(self, name: str) -> ElementTree.Element:
        with self._zip.open(name) as member:
            # expat 2.4+ caps entity expansion and never fetches external entities.
            return ElementTree.parse(member).getroot()  # noqa: S314

    def _read_workbook(self) -> tuple[list[tuple[str, str]], bool]:
        workbook = self._xml("xl/workbook.xml")
        targets = {}
        if "xl/_rels/workbook.xml.rels" in self._names:
            for rel in self._xml("xl/_rels/workbook.xml.rels"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[rel.get("Id")] = str(PurePosixPath(path))
        sheets = []
        for element in workbook.iter():
            if _local(element.tag) == "sheet":
                rel_id = element.get(f"{{{_REL_NS}}}id") or element.get("id")
                sheets.append((element.get("name", ""), targets.get(rel_id, "")))
        date1904 = any(
            _local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true")
            for e in workbook.iter()
        )
        return [s for s in sheets if s[1] in self._names], date1904

    def _read_date_styles(self) -> frozenset[int]:
        if "xl/styles.xml" not in self._names:
            return frozenset()
        styles = self._xml("xl/styles.xml")
        custom = {
            int(e.get("numFmtId", -1)): e.get("formatCode", "")
            for e in styles.iter()
            if _local(e.tag) == "numFmt"
        }
        dates = set()
        for section in styles.iter():
            if _local(section.tag) != "cellXfs":
                continue
            for index, xf in enumerate(section):
                fmt = int(xf.get("numFmtId", 0))
                if fmt in _BUILTIN_DATE_FORMATS or (fmt in custom and is_date_format(custom[fmt])):
                    dates.add(index)
        return frozenset(dates)

    def _load_strings(self) -> SharedStrings:
        name = next((n for n in self._names if n.lower() == "xl/sharedstrings.xml"), None)
        if name is None:
            empty = SharedStrings()
            empty.freeze()
            return empty
        with self._zip.open(name) as member:
            return _read_shared_strings(member)

    def uncompressed_size(self, index: int) -> int:
        return self._zip.getinfo(self.sheets[index][1]).file_size

    def dimension_rows(self, index: int) -> int | None:
        """The last row number that worksheet ``index`` declares in ``<dimension ref="A1:H3001"/>``,
        known once ``rows(index)`` has started reading; None before that or when not declared."""
        parser = self._parsers.get(index)
        return parser.dimension_rows if parser is not None else None

    def rows(self, index: int) -> Iterator[tuple[int, list[Cell]]]:
        """(row number, cells) for each non-empty row of worksheet ``index``, in order."""
        handler = _SheetParser(self._strings, self._date_styles, date1904=self.date1904)
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = handler.start, handler.end
        parser.CharacterDataHandler = handler.data
        self._parsers[index] = handler
        try:
            member = self._zip.open(self.sheets[index][1])
        except _DAMAGED as error:
            raise XlsxError(f"工作表无法解压（{type(error).__name__}: {error}）") from None
        with member:
            while True:
                try:
                    chunk = member.read(CHUNK)
                    parser.Parse(chunk, not chunk)
                except _DAMAGED as error:
                    reason = (
                        f"工作表内容在第 {handler.current_row()} 行附近损坏，无法继续读取"
                        f"（{type(error).__name__}: {error}）"
                    )
                    yield from handler.ready  # the rows completed before the damage
                    raise XlsxError(reason) from None
                yield from handler.ready
                handler.ready.clear()
                if not chunk:
                    return

    def close(self) -> None:
        with suppress(AttributeError):
            self._strings.close()
        with suppress(AttributeError):
            self._zip.close()
