from __future__ import annotations

import pytest

from processing.replies import parse_unit_command, strip_quoted


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("签收", "acknowledge"),
        ("我单位已签收，将按期办理。", "acknowledge"),
        ("办结\n经核实已整改。", "result"),
        ("已签收并办结，结果如下：……", "result"),
        ("收到，谢谢", "unclear"),
        ("您好\n\n-----原始邮件-----\n请于3日内签收", "unclear"),  # the command only in the quote
        ("好的\n> 签收：回复正文第一行写签收", "unclear"),
    ],
)
def test_command_kind(text: str, kind: str) -> None:
    assert parse_unit_command(text).kind == kind


def test_result_text_drops_command_line_and_quote() -> None:
    command = parse_unit_command(
        "办结：\n已退还费用。\n\n在 2026年11月25日，运城市信用办 写道：\n原函"
    )
    assert command.text == "已退还费用。"


def test_strip_quoted_keeps_new_text() -> None:
    assert strip_quoted("新内容\nOn Mon, X wrote:\n> old") == "新内容"
