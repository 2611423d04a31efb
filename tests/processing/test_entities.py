"""Entities in the text: complainant details, amounts, dates, the core text."""

from __future__ import annotations

import datetime as dt

import pytest

from processing.entities import (
    chinese_number,
    core_text,
    extract_entities,
    find_amounts,
    valid_id_number,
)
from processing.normalise import complaint_from_fields

LETTER = """尊敬的领导：您好！
我叫王建国，身份证号140802198001011234，电话13835900001，也可打0359-2221234。
2026年3月5日，盐湖区某镇政府答应的三百元补贴和1.5万元补偿款至今没有发放。
此致
敬礼
王建国
2026年11月20日"""


def test_contacts_and_identity() -> None:
    found = extract_entities(LETTER)
    assert found.names == ("王建国",)
    assert found.id_numbers == ()  # the check digit of this made-up number is wrong
    assert found.phones == ("13835900001", "0359-2221234")
    assert not found.emails


def test_valid_id_number_needs_its_check_digit() -> None:
    assert valid_id_number("11010519491231002X")  # the standard's own example
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("110105194913310029")  # month 13
    text = "身份证11010519491231002X，订单号110105194912310021"
    assert extract_entities(text).id_numbers == ("11010519491231002X",)
    assert extract_entities(text).phones == ()  # digits inside the ID are not a phone


def test_amounts_and_dates() -> None:
    found = extract_entities(LETTER)
    assert [a.yuan for a in found.amounts] == [300.0, 15000.0]
    assert found.dates == (dt.date(2026, 3, 5), dt.date(2026, 11, 20))


@pytest.mark.parametrize(
    ("text", "value"),
    [("三百", 300), ("十五", 15), ("一千二", 1200), ("一千零二", 1002), ("两", 2)],
)
def test_chinese_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


def test_amount_with_thousands_separator() -> None:
    assert [a.yuan for a in find_amounts("共计12,500元")] == [12500.0]


def test_core_text_drops_greeting_and_signature() -> None:
    core = core_text(LETTER)
    assert core.startswith("我叫王建国")
    assert core.endswith("至今没有发放。")
    assert "此致" not in core and "2026年11月20日" not in core


def test_names_need_a_surname_and_not_a_role() -> None:
    assert extract_entities("我是村民，举报人：村民").names == ()
    assert extract_entities("投诉人：李明，男，电话13900000000").names == ("李明",)


def test_real_name_needs_a_name_and_a_way_to_reach() -> None:
    assert extract_entities("我叫李明，电话13900000000。").real_name
    assert not extract_entities("我叫李明。").real_name


def test_fields_win_over_the_text() -> None:
    complaint = complaint_from_fields(
        {"title": "t", "text": "我叫李明，电话13900000000", "phone": "13811112222"}
    )
    assert (complaint.complainant_name, complaint.complainant_phone) == ("李明", "13811112222")
