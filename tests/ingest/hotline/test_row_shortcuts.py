"""The shortcuts of the per-row code give exactly what the general code gives.

The cell cleaners return the usual cell unchanged after one check, and rows are serialised by a
cached encoder; both run for every row of a 100,000-row file. Each is compared here with the
computation it replaces, over random text full of the characters the cleaners handle, and over
every row of the fixture files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from functools import partial

import pytest

from core.clock import CHINA_TZ
from ingest.hotline.cells import clean_code, clean_line, clean_phone, clean_text, to_halfwidth
from ingest.hotline.columns import merged_headers
from ingest.hotline.rows import _TEXT_FIELDS, SourceRecord, canonical_json
from ingest.hotline.worksheet import open_export
from tests.ingest.hotline.conftest import DATA, write_export

# Plain letters, CJK text, whitespace of every kind, controls, full-width forms, zero widths.
ALPHABET = (
    "aZ09-_./#,:;()投诉盐湖区，。：（）"
    " \t\n\r\x0b\x0c\x1c\x1f\x00\x08\x7f\u00a0\u3000\u2028\u200b\u200d\u2060\ufeff"
    "\uff10\uff19\uff21\uff3a\uff41\uff5a\uff0d\uff08"
)


def reference_line(value: str) -> str:
    return re.sub(r"\s+", " ", clean_text(value))


def reference_code(value: str) -> str:
    text = clean_text(value)
    return re.sub(r"\s+", "", text if text.isascii() else to_halfwidth(text))


def reference_phone(value: str) -> str:
    return re.sub(r"[\s\u00a0]+", "", to_halfwidth(clean_text(value)))


def random_texts(count: int) -> list[str]:
    rng = random.Random(4)
    texts = ["", " ", "YC12345-2026", "13800000000", "0359 2021234", "王某某", "ＹＣ１２"]
    for _ in range(count):
        pool = rng.choice([ALPHABET, ALPHABET[:20], "aZ09-_./#"])
        texts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 12))))
    return texts


def test_cell_cleaners_equal_the_general_computation() -> None:
    for text in random_texts(5000):
        assert clean_line(text) == reference_line(text), repr(text)
        assert clean_code(text) == reference_code(text), repr(text)
        assert clean_phone(text) == (reference_phone(text), ""), repr(text)


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1, 2.5, {"z": None, "y": '中文"\\\n\x00\u2028'}], "c": True},
        {"extra": {"工单状态": "已转办", "b": ""}, "stated_at": None, "number": "YC1"},
        {},
        {"nan": float("nan"), "big": 10**20, "neg": -0.0},
    ],
)
def test_canonical_json_is_json_dumps(value: object) -> None:
    expected = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert canonical_json(value) == expected


def random_records(count: int) -> list[SourceRecord]:
    rng = random.Random(7)
    texts = ["", "", "x", '引号"与\\反斜杠', "换行\n", "\u2028", "YC-1", "王某某"]
    records = [SourceRecord("", "", 0), SourceRecord("web", "", 0)]
    # Not text (from an unusual payload): written as the general encoder writes it.
    records += [SourceRecord("web", 5, 0, name=1.5), SourceRecord(None, "1", 0, title=0)]  # type: ignore[arg-type]
    for row in range(count):
        values = {name: rng.choice(texts) for name in _TEXT_FIELDS}
        stated = rng.choice([None, dt.datetime(2026, 3, 5, 14, 0, 0, 5, tzinfo=CHINA_TZ)])
        extra = rng.choice([(), (("b", "2"), ("a", "一")), (("k", ""),)])
        channel = rng.choice(["hotline", "web", "letter"])
        records.append(
            SourceRecord(
                channel=channel,
                number=rng.choice(["1", "YC2026", ""]),
                row=row,
                stated_at=stated,
                extra=extra,
                **values,
            )
        )
    return records


def test_record_canonical_is_json_dumps_of_its_payload() -> None:
    for record in random_records(2000):
        expected = json.dumps(
            record.to_payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        assert record.canonical() == expected, record


def test_canonical_json_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        canonical_json({"a": object()})


@pytest.mark.parametrize(
    "name",
    [
        "merged_title_excel_dates_totals.xlsx",
        "legacy_format.xls",
        "utf8_bom_comma.csv",
        "gbk_no_bom_header.csv",
        "gb18030_semicolon.csv",
        "excel_unicode_text_utf16_tab.txt",
        "overlap_export_week1.csv",
        "overlap_export_week2.csv",
        "generated",
    ],
)
def test_stored_payload_and_digest_are_the_records_json(name: str, tmp_path) -> None:
    """What the importer stores (payload text and digest) is the record's canonical JSON as
    json.dumps writes it, for every row of every fixture."""
    path = write_export(tmp_path / "g.xlsx", 300) if name == "generated" else DATA / name
    export = partial(open_export, synonyms=merged_headers({}), in_memory_limit=1 << 26)(path)
    mapped = [m for m in export.rows() if m.record is not None]
    export.close()
    assert mapped
    for row in mapped:
        assert row.record is not None
        text = json.dumps(
            row.record.to_payload(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        assert row.payload_json == text
        assert row.digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
