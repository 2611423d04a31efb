"""One export row → one normalised record, or the reasons it cannot be one. Pure functions.

A record is what the importer stores on the submission (``payload``) and what the hotline
channel handler later turns into a ``Complaint``. Its digest covers the normalised fields only,
so the same work order re-exported with another column order or date format is "unchanged".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from core.clock import CHINA_TZ
from ingest.hotline.cells import Cell, clean_code, clean_line, clean_phone, clean_text
from ingest.hotline.columns import ColumnMap
from ingest.hotline.dates import parse_cell_date

# A work-order number or website id: letters, digits and a few separators.
_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_./#-]{0,120}$")
# The same, for a raw cell: matched whole, it is also what clean_code returns unchanged.
_PLAIN_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z_./#-]{0,120}")
# Trailing summary rows of exports: "合计", "总计：128 条", "共 128 条记录".
_TOTAL_ROW = re.compile(r"^(合计|总计|小计|共计|统计|共\s*\d+\s*[条件])")
MAX_VALUE_CHARS = 20000


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem with one row. ``fatal``: the row was not imported."""

    row: int
    column: str
    value: str
    reason: str
    fatal: bool = True


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A hotline work order or website complaint, normalised. ``stated_at`` is when the source
    says it took the complaint; the other fields are the source's own words (evidence)."""

    channel: str
    number: str
    row: int
    stated_at: dt.datetime | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    sender_address: str = ""  # the complainant's postal address (letters, website)
    address: str = ""  # where it happened (事发地址)
    region: str = ""
    category: str = ""
    title: str = ""
    content: str = ""
    respondent: str = ""
    recording: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The submission's idempotency key: ``hotline:<工单编号>``, ``web:<id>``."""
        return f"{self.channel}:{self.number}"

    def canonical(self) -> str:
        """The payload as canonical JSON (sorted keys, no spaces): what is stored, and hashed.

        ``canonical_json(self.to_payload())`` written out key by key, in sorted order: it runs
        once per imported row, and is twice as fast (tests compare the two on random records).
        """
        try:
            return self._canonical()
        except TypeError:  # a field that is not text: as the general encoder writes it
            return canonical_json(self.to_payload())

    def _canonical(self) -> str:
        q = _quote
        parts = []
        if self.address:
            parts.append('"address":' + q(self.address))
        if self.category:
            parts.append('"category":' + q(self.category))
        parts.append('"channel":' + q(self.channel))
        if self.content:
            parts.append('"content":' + q(self.content))
        if self.email:
            parts.append('"email":' + q(self.email))
        parts.append('"extra":' + (canonical_json(dict(self.extra)) if self.extra else "{}"))
        if self.name:
            parts.append('"name":' + q(self.name))
        parts.append('"number":' + q(self.number))
        if self.phone:
            parts.append('"phone":' + q(self.phone))
        if self.recording:
            parts.append('"recording":' + q(self.recording))
        if self.region:
            parts.append('"region":' + q(self.region))
        if self.respondent:
            parts.append('"respondent":' + q(self.respondent))
        if self.sender_address:
            parts.append('"sender_address":' + q(self.sender_address))
        stated = self.stated_at
        parts.append('"stated_at":' + (q(stated.isoformat()) if stated else "null"))
        if self.title:
            parts.append('"title":' + q(self.title))
        return "{" + ",".join(parts) + "}"

    def digest(self) -> str:
        """sha256 of the canonical payload: the content only, not the row number or the file."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()

    def to_payload(self) -> dict[str, Any]:
        """The normalised fields (empty ones left out); the row number lives on the submission."""
        data: dict[str, Any] = {"channel": self.channel, "number": self.number}
        for name, value in zip(_TEXT_FIELDS, _text_values(self), strict=True):
            if value:
                data[name] = value
        data["stated_at"] = self.stated_at.isoformat() if self.stated_at else None
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> SourceRecord:
        stated = data.get("stated_at")
        values = {name: str(data.get(name) or "") for name in _TEXT_FIELDS}
        return cls(
            channel=str(data["channel"]),
            number=str(data["number"]),
            **values,
            row=int(data.get("row", 0)),
            stated_at=dt.datetime.fromisoformat(stated) if stated else None,
            extra=tuple((data.get("extra") or {}).items()),
        )


_TEXT_FIELDS = tuple(
    f.name
    for f in fields(SourceRecord)
    if f.name not in ("channel", "number", "row", "stated_at", "extra")
)
_text_values = operator.attrgetter(*_TEXT_FIELDS)
_quote = json.encoder.encode_basestring  # a JSON string, non-ASCII text as it is


# json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) without building
# an encoder for every call: it runs once per imported row. The C encoder is CPython's own (what
# json.dumps uses); its circular-reference check is left out, a payload is a tree of values.
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_make_encoder is not None:
    _encode = _c_make_encoder(
        None, json.JSONEncoder().default, json.encoder.encode_basestring, None, ":", ",",
        True, False, True,
    )  # fmt: skip

    def canonical_json(value: Any) -> str:
        """``value`` as canonical JSON: sorted keys, no spaces, text as written (not escaped)."""
        return "".join(_encode(value, 0))

else:  # pragma: no cover - a Python without the C accelerator
    _ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def canonical_json(value: Any) -> str:
        """``value`` as canonical JSON: sorted keys, no spaces, text as written (not escaped)."""
        return _ENCODER.encode(value)


@dataclass(frozen=True, slots=True)
class MappedRow:
    """The outcome for one source row: a record (perhaps with warnings), errors, or a quiet skip
    (``skipped`` says why: empty row, repeated header, totals row)."""

    row: int
    record: SourceRecord | None = None
    issues: tuple[RowIssue, ...] = ()
    skipped: str = ""
    # The record's canonical JSON and its sha256, computed once where the row is read.
    payload_json: str = ""
    digest: str = ""

    @classmethod
    def of(cls, record: SourceRecord, issues: Sequence[RowIssue] = ()) -> MappedRow:
        text = record.canonical()
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls(record.row, record, tuple(issues), payload_json=text, digest=digest)


def _is_blank(row: Sequence[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def _skip_reason(row: Sequence[Cell], number: str, columns: ColumnMap) -> str:
    if number:
        if number == columns.number_header:
            return "重复的表头行"
        return "合计行" if _TOTAL_ROW.match(number) else ""
    if _is_blank(row):
        return "空行"
    first = next((clean_line(c) for c in row if c not in (None, "")), "")
    return "合计行" if _TOTAL_ROW.match(first) else ""


def _truncated(text: str, issues: list[RowIssue], row: int, column: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    issues.append(
        RowIssue(row, column, text[:50], f"内容超过 {MAX_VALUE_CHARS} 字，已截断", fatal=False)
    )
    return text[:MAX_VALUE_CHARS]


def _recording_name(value: str) -> str:
    """ "D:\\录音\\2026\\a.mp3" or "http://…/a.mp3" → "a.mp3"."""
    return re.split(r"[\\/]", value.strip())[-1].strip()


def _padded(values: Sequence[Cell], width: int) -> list[Cell]:
    """The row as a list of at least ``width`` cells plus a final None (for absent fields)."""
    cells = list(values)
    if len(cells) < width:
        cells.extend([None] * (width - len(cells)))
    cells.append(None)
    return cells


def map_hotline_row(
    values: Sequence[Cell], row: int, columns: ColumnMap, *, date1904: bool = False
) -> MappedRow:
    """Map one data row of a 12345 export by ``columns``. Runs once per row of files with
    100,000 rows: plain indexing into a padded row; the usual row (a plain work-order number,
    a date cell, nothing to report) takes no detours."""
    at = columns.slots
    cells = _padded(values, columns.width)
    raw_number = cells[at["number"]]
    if type(raw_number) is str and _PLAIN_NUMBER.fullmatch(raw_number):
        number = raw_number  # what clean_code returns, and a valid number: never a totals row
        if number == columns.number_header:
            return MappedRow(row, skipped="重复的表头行")
    else:
        number = clean_code(raw_number)
        skipped = _skip_reason(values, number, columns)
        if skipped:
            return MappedRow(row, skipped=skipped)
        if not number:
            return _bad_number(row, columns, cells, value="", reason="工单编号为空")
        if not _NUMBER.match(number):
            reason = "工单编号含有不允许的字符"
            return _bad_number(row, columns, cells, value=number[:100], reason=reason)
    title, content = clean_text(cells[at["title"]]), clean_text(cells[at["content"]])
    if not title and not content:
        return MappedRow(row, issues=(_no_text(row, columns),))
    issues: list[RowIssue] = []
    raw_time = cells[at["received_at"]]
    if type(raw_time) is dt.datetime and raw_time.tzinfo is None:
        stated_at: dt.datetime | None = raw_time.replace(tzinfo=CHINA_TZ)  # as localise()
    else:
        try:
            stated_at = parse_cell_date(raw_time, date1904=date1904)
        except ValueError as error:
            stated_at = None
            issues.append(
                RowIssue(
                    row, columns.header_of("received_at"), clean_line(raw_time), str(error), False
                )
            )
    phone, phone_note = clean_phone(cells[at["phone"]])
    if phone_note:
        issues.append(RowIssue(row, columns.header_of("phone"), phone, phone_note, fatal=False))
    recording = clean_line(cells[at["recording"]])
    if len(title) > MAX_VALUE_CHARS or len(content) > MAX_VALUE_CHARS:
        title = _truncated(title, issues, row, columns.header_of("title"))
        content = _truncated(content, issues, row, columns.header_of("content"))
    record = SourceRecord(
        channel="hotline",
        number=number,
        row=row,
        stated_at=stated_at,
        name=clean_line(cells[at["name"]])[:200],
        phone=phone[:64],
        address=clean_line(cells[at["address"]])[:500],
        region=clean_line(cells[at["region"]])[:200],
        category=clean_line(cells[at["category"]])[:100],
        title=title[:500],
        content=content,
        respondent=clean_line(cells[at["respondent"]])[:200],
        recording=_recording_name(recording)[:255] if recording else "",
        extra=_extra(cells, columns) if columns.extra else (),
    )
    return MappedRow.of(record, issues)


def _extra(cells: list[Cell], columns: ColumnMap) -> tuple[tuple[str, str], ...]:
    """The other named columns of the row, as evidence."""
    named = columns.extra
    return tuple((name, clean_text(cells[at])) for name, at in named if cells[at] not in (None, ""))


def _bad_number(
    row: int, columns: ColumnMap, cells: list[Cell], *, value: str, reason: str
) -> MappedRow:
    """A row with a bad work-order number; an empty title and content is reported too."""
    issues = [RowIssue(row, columns.header_of("number"), value, reason)]
    at = columns.slots
    if not clean_text(cells[at["title"]]) and not clean_text(cells[at["content"]]):
        issues.append(_no_text(row, columns))
    return MappedRow(row, issues=tuple(issues))


def _no_text(row: int, columns: ColumnMap) -> RowIssue:
    return RowIssue(row, columns.header_of("content"), "", "诉求标题和诉求内容都为空")
