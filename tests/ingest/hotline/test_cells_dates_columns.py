"""Pure parts of the hotline import: cell text, phone numbers, dates, headers, CSV detection."""

from __future__ import annotations

import datetime as dt

import pytest

from config.settings import HOTLINE_FIELDS
from core.clock import CHINA_TZ
from ingest.hotline.cells import clean_code, clean_phone, clean_text, numeric_string
from ingest.hotline.columns import FIELD_LABELS, HeaderNotFound, find_header, merged_headers
from ingest.hotline.csvtext import detect_delimiter, detect_encoding
from ingest.hotline.dates import from_excel_serial, parse_cell_date, parse_text_date


def local(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=CHINA_TZ)


def test_full_width_forms_are_folded_but_chinese_punctuation_kept() -> None:
    assert clean_code("ＹＣ２０２６－０１ ") == "YC2026-01"
    assert clean_text("ＡＢＣ１２３，还有\u3000空格。\u200b") == "ABC123，还有 空格。"


@pytest.mark.parametrize(
    ("value", "expected", "warned"),
    [
        (13812345678.0, "13812345678", False),  # calamine gives whole numbers as floats
        (3592021234, "03592021234", True),  # a landline whose leading 0 Excel dropped
        ("0359-2021234", "0359-2021234", False),  # text keeps its zeros as written
        ("１３８ １２３４ ５６７８", "13812345678", False),
        (None, "", False),
    ],
)
def test_phone_numbers_keep_or_regain_leading_zeros(value, expected, warned) -> None:
    phone, warning = clean_phone(value)
    assert phone == expected and bool(warning) is warned


def test_numbers_excel_wrote_in_scientific_form() -> None:
    assert numeric_string("1.3812345678E10") == "13812345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年3月5日 14时", local(2026, 3, 5, 14, 0)),
        ("2026年3月5日14时30分", local(2026, 3, 5, 14, 30)),
        ("2026年3月5日 下午2时", local(2026, 3, 5, 14, 0)),
        ("2026/3/5 9:05", local(2026, 3, 5, 9, 5)),
        ("2026.03.05", local(2026, 3, 5)),
        ("２０２６－０３－０５　１４：００：００", local(2026, 3, 5, 14, 0)),
        ("20260305143000", local(2026, 3, 5, 14, 30)),
        ("2026-03-05T14:00:00+08:00", local(2026, 3, 5, 14, 0)),
        ("46086.5833333333", local(2026, 3, 5, 14, 0)),  # an Excel serial written as text
    ],
)
def test_text_dates(text: str, expected: dt.datetime) -> None:
    assert parse_text_date(text) == expected


def test_excel_serials_and_bad_dates() -> None:
    assert from_excel_serial(46086.5833333333) == local(2026, 3, 5, 14, 0)
    assert parse_cell_date(dt.datetime(2026, 3, 5, 14, 0)) == local(2026, 3, 5, 14, 0)
    assert parse_cell_date(None) is None
    with pytest.raises(ValueError, match="无法识别"):
        parse_text_date("上周三")
    with pytest.raises(ValueError, match="不存在"):
        parse_text_date("2026年2月30日")


def test_header_found_below_title_rows_with_synonyms_and_configured_names() -> None:
    rows = [
        (1, ["运城市12345热线工单导出", None, None]),
        (2, [None, None, None]),
        (3, ["单据号", "来电时间", "联系人", "联系电话（手机）", "问题描述"]),
    ]
    columns = find_header(rows, merged_headers({"number": ["单据号"]}))
    assert columns.header_row == 3
    assert columns.index("number") == 0 and columns.index("phone") == 3
    assert columns.index("content") == 4 and columns.index("received_at") == 1
    with pytest.raises(HeaderNotFound, match="工单编号"):
        find_header(rows, merged_headers({}))


def test_encoding_detection() -> None:
    text = "工单编号,受理时间\r\n"
    assert detect_encoding(text.encode("gbk"), complete=True) == "gb18030"
    assert detect_encoding(text.encode("utf-8"), complete=True) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode(), complete=True) == "utf-8-sig"
    assert detect_encoding(text.encode("utf-16"), complete=True) == "utf-16"
    # A sample cut in the middle of a character is still recognised as UTF-8.
    assert detect_encoding(text.encode("utf-8")[:4], complete=False) == "utf-8"


def test_delimiter_detection_ignores_title_lines_and_commas_in_text() -> None:
    assert detect_delimiter("标题\n工单编号;受理时间;内容\n1;2;a,b\n") == ";"
    assert detect_delimiter("工单编号\t受理时间\t内容\n1\t2\t甲,乙,丙,丁\n") == "\t"
    assert detect_delimiter("只有一列\n") == ","


def test_settings_know_the_same_fields_as_the_mapping() -> None:
    assert tuple(FIELD_LABELS) == HOTLINE_FIELDS
