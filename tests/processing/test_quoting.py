from __future__ import annotations

import pytest

from processing.quoting import split_reply


@pytest.mark.parametrize(
    "marker",
    [
        "------------------ 原始邮件 ------------------",
        "----- 原始邮件 -----",
        "---- 回复的原邮件 ----",
        "-----Original Message-----",
        "在 2026年11月24日 10:00，运城市信用办 写道：",
        "On Tue, 24 Nov 2026 at 10:00, Office <a@b.c> wrote:",
        "发件人：运城市信用办",
        "From: Office <a@b.c>",
        "________________________________",
    ],
)
def test_quote_headers_of_common_clients(marker: str) -> None:
    parts = split_reply(f"签收\n已登记。\n\n{marker}\n转办函原文 办结")
    assert parts.new_text == "签收\n已登记。"
    assert "办结" in parts.quoted and "办结" not in parts.new_text


@pytest.mark.parametrize(
    "signature", ["-- ", "发自我的iPhone", "发自网易邮箱大师", "Sent from my Huawei"]
)
def test_signatures(signature: str) -> None:
    parts = split_reply(f"补充材料如下。\n{signature}\n张三 13800000000")
    assert parts.new_text == "补充材料如下。"
    assert "13800000000" in parts.signature


def test_angle_quoted_lines_are_quoted_even_inline() -> None:
    parts = split_reply("> 请签收\n签收\n> 办结")
    assert parts.new_text == "签收"
    assert "办结" in parts.quoted
