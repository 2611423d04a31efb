"""Art. 17: personal data masked in everything the service shows or sends."""

from __future__ import annotations

import logging

import pytest

from core.logs import MaskingFilter
from core.masking import mask_email, mask_id_number, mask_name, mask_personal_data, mask_phone


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
