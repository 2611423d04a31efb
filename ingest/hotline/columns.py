"""Which column holds what: the usual 12345 export headers, their synonyms, and header detection.

Exports differ by system and year: "来电时间" or "受理时间", a merged title row above the header,
"联系电话（手机）". A header row is found among the first rows by how many known headers it has;
configured headers (``[hotline.columns]``) are tried before the built-in ones.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingest.hotline.cells import Cell, clean_code, clean_line, to_halfwidth

# field → Chinese label (for error reports) and the headers that mean it, most specific first.
FIELD_LABELS: Mapping[str, str] = {
    "number": "工单编号",
    "received_at": "受理时间",
    "name": "来电人",
    "phone": "联系电话",
    "category": "诉求类型",
    "title": "诉求标题",
    "content": "诉求内容",
    "region": "所属区域",
    "address": "事发地址",
    "respondent": "被反映单位",
    "recording": "录音文件",
}

DEFAULT_HEADERS: Mapping[str, tuple[str, ...]] = {
    "number": ("工单编号", "工单号", "工单流水号", "受理编号", "编号", "单号"),
    "received_at": ("受理时间", "来电时间", "登记时间", "受理日期", "来电日期", "创建时间"),
    "name": ("来电人", "联系人", "来电人姓名", "诉求人", "反映人", "姓名"),
    "phone": ("联系电话", "来电号码", "联系方式", "手机号码", "手机号", "主叫号码", "电话"),
    "category": ("诉求类型", "诉求类别", "问题类型", "问题分类", "工单类型", "业务类型"),
    "title": ("诉求标题", "工单标题", "标题", "主题"),
    "content": ("诉求内容", "问题描述", "来电内容", "工单内容", "反映内容", "诉求描述", "内容"),
    "region": ("所属区域", "所属地区", "所属县区", "区域", "区县"),
    "address": ("事发地址", "事发地点", "详细地址", "地址"),
    "respondent": ("被反映单位", "被投诉单位", "被投诉举报单位", "被反映对象", "涉及单位"),
    "recording": ("录音文件", "录音文件名", "通话录音", "录音"),
}

# How far down a merged title block can push the header row.
HEADER_SEARCH_ROWS = 20
# A header row must name the work-order number and at least this many fields in all.
MIN_HEADER_FIELDS = 3

_DECORATION = re.compile(r"[\s*＊:：]+")
_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")


class HeaderNotFound(ValueError):
    """No row among the first ones looks like a 12345 export header."""


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Column index of each mapped field, and the other named columns (kept as evidence)."""

    header_row: int  # 1-based row number of the header
    fields: tuple[tuple[str, int], ...]
    extra: tuple[tuple[str, int], ...]
    headers: tuple[str, ...]
    positions: Mapping[str, int | None] = dataclasses.field(default_factory=dict)
    # For the row mapper: each field's column, -1 when absent (a padded row ends in None), and
    # the number of columns a row is padded to.
    slots: Mapping[str, int] = dataclasses.field(default_factory=dict)
    width: int = 0
    # The number column's header as a work-order number, to spot a repeated header row.
    number_header: str = ""

    def __post_init__(self) -> None:
        found = dict(self.fields)
        object.__setattr__(self, "positions", {f: found.get(f) for f in FIELD_LABELS})
        object.__setattr__(self, "slots", {f: found.get(f, -1) for f in FIELD_LABELS})
        widest = max([p for _, p in (*self.fields, *self.extra)], default=-1)
        object.__setattr__(self, "width", widest + 1)
        if self.headers:
            number_header = clean_code(self.headers[found.get("number") or 0])
            object.__setattr__(self, "number_header", number_header)

    def index(self, field: str) -> int | None:
        return self.positions[field]

    def header_of(self, field: str) -> str:
        position = self.index(field)
        return self.headers[position] if position is not None else FIELD_LABELS[field]


def normalise_header(value: Cell) -> str:
    """ "联系电话 *" → "联系电话"; full-width forms folded; Latin letters lower-cased."""
    return _DECORATION.sub("", to_halfwidth(clean_line(value))).lower()


def merged_headers(configured: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Configured headers first, then the built-in synonyms, all normalised."""
    merged: dict[str, tuple[str, ...]] = {}
    for field, defaults in DEFAULT_HEADERS.items():
        names = [*configured.get(field, ()), *defaults]
        merged[field] = tuple(dict.fromkeys(normalise_header(n) for n in names))
    return merged


def _field_for(header: str, synonyms: Mapping[str, tuple[str, ...]]) -> tuple[str, int] | None:
    """The field a header names and how good the match is (lower is better)."""
    best: tuple[str, int] | None = None
    candidates = (header, _BRACKETED.sub("", header))
    for field, names in synonyms.items():
        for rank, name in enumerate(names):
            if name in candidates and (best is None or rank < best[1]):
                best = (field, rank)
    return best


def map_header_row(
    row: Sequence[Cell], row_number: int, synonyms: Mapping[str, tuple[str, ...]]
) -> ColumnMap:
    """Map one header row; when two columns name the same field the better synonym wins."""
    headers = tuple(clean_line(cell) for cell in row)
    chosen: dict[str, tuple[int, int]] = {}
    extra: list[tuple[str, int]] = []
    for position, header in enumerate(headers):
        match = _field_for(normalise_header(header), synonyms) if header else None
        if match is None:
            if header:
                extra.append((header, position))
            continue
        field, rank = match
        if field not in chosen or rank < chosen[field][1]:
            if field in chosen:
                extra.append((headers[chosen[field][0]], chosen[field][0]))
            chosen[field] = (position, rank)
        else:
            extra.append((header, position))
    fields = tuple((field, pos) for field, (pos, _rank) in chosen.items())
    return ColumnMap(row_number, fields, tuple(extra), headers)


def find_header(
    rows: Sequence[tuple[int, Sequence[Cell]]], synonyms: Mapping[str, tuple[str, ...]]
) -> ColumnMap:
    """The first row that names the work-order number and enough other fields."""
    best: ColumnMap | None = None
    for row_number, row in rows[:HEADER_SEARCH_ROWS]:
        candidate = map_header_row(row, row_number, synonyms)
        if candidate.index("number") is not None and len(candidate.fields) >= MIN_HEADER_FIELDS:
            return candidate
        if best is None or len(candidate.fields) > len(best.fields):
            best = candidate
    found = "、".join(FIELD_LABELS[f] for f, _ in best.fields) if best and best.fields else "无"
    raise HeaderNotFound(
        f"前 {HEADER_SEARCH_ROWS} 行中找不到表头：表头须含“工单编号”及至少 "
        f"{MIN_HEADER_FIELDS - 1} 个其他已知列（识别到的列：{found}）；"
        "列名不同的，请在配置 [hotline.columns] 中登记"
    )
