"""Art. 17: personal data masked in everything the service shows or sends."""

from __future__ import annotations

import logging

import pytest

from core.logs import MaskingFilter
from core.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_known_names,
    mask_name,
    mask_personal_data,
    mask_phone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13812345678", "电话138****5678"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("座机0359-2345678", "座机0359-****5678"),
        ("编号20261125", "编号20261125"),  # a date-like number is not a phone
    ],
)
def test_mask_phone(text: str, expected: str) -> None:
    assert mask_phone(text) == expected


def test_mask_id_number_keeps_region_and_tail() -> None:
    assert mask_id_number("身份证140802199001011234") == "身份证140802********1234"
    assert mask_id_number("14080219900101123X") == "140802********123X"


def test_mask_email_and_name() -> None:
    assert mask_email("写信给 zhangsan@126.com 即可") == "写信给 z***@126.com 即可"
    assert mask_name("张建国") == "张**"
    assert mask_name("") == ""


def test_mask_everything_in_one_text() -> None:
    text = "张三 13812345678 zs@example.com 140802199001011234"
    masked = mask_personal_data(text)
    for secret in ("13812345678", "zs@example.com", "199001011234"):
        assert secret not in masked


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("zwsx.test.masking")
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 1, "来电 %s", ("13812345678",), None
    )
    MaskingFilter().filter(record)
    assert record.getMessage() == "来电 138****5678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("住在解放路12号", "住在解放路**号"),
        ("3号楼2单元501室", "**号楼**单元**室"),
        ("运信用办〔2021〕28号", "运信用办〔2021〕28号"),  # a document number stays
        ("涉及100户居民", "涉及100户居民"),
        ("2025年招商引资", "2025年招商引资"),
    ],
)
def test_mask_address_hides_doors_not_streets(text: str, expected: str) -> None:
    assert mask_address(text) == expected


def test_known_names_are_masked_wherever_they_appear() -> None:
    text = "我是解州镇居民王堃。\n王堃\n2026年11月20日"
    assert mask_known_names(text, ["王堃", ""]) == "我是解州镇居民王*。\n王*\n2026年11月20日"
