"""The unit reply grammar on real-world replies (Art. 13, 14, 18)."""

from __future__ import annotations

import pytest

from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from processing.replies import parse_unit_command, strip_quoted
from processing.workflow import find_suggested_unit


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("签收", "acknowledge"),
        ("我单位已签收，将按期办理。", "acknowledge"),
        ("我单位已签收，将在规定期限内办结。", "acknowledge"),  # an intention, not a result
        ("【签收】", "acknowledge"),
        ("签收.", "acknowledge"),  # half-width full stop
        ("办结\n经核实已整改。", "result"),
        ("办结：经核实，多收费用已退还。", "result"),
        ("办结:经核实,多收费用已退还.", "result"),  # half-width punctuation throughout
        ("已签收并办结，结果如下：……", "result"),
        ("退回。理由：该事项属于盐湖区人民政府职责范围，建议转盐湖区人民政府办理。", "decline"),
        ("该事项不属于我单位职责，现予退回，建议转市住房和城乡建设局办理。", "decline"),
        ("退回：本单位无管辖权", "decline"),
        ("申请延期\n因涉及多个部门，调查尚需时间。", "extension"),
        ("我单位已签收。因情况复杂，申请延期一个月。", "extension"),
        ("收到，谢谢", "unclear"),
        ("尚未办结，正在调查。", "unclear"),  # negated
        ("请问何时办结？", "unclear"),  # a question
        ("经核实已退回多收费用", "unclear"),  # 退回 as an ordinary word
        ("办结。经核实已退回多收费用，已告知投诉人。", "result"),
        ("签收后退回", "unclear"),
        ("办结\n已整改。\n申请延期：还需复核", "unclear"),  # two commands that contradict
        ("退回", "unclear"),  # no reason (Art. 13)
        ("申请延期", "unclear"),  # no reason (Art. 18)
        ("办结", "unclear"),  # no written result (Art. 14)
        ("您好\n\n-----原始邮件-----\n请于3日内签收", "unclear"),  # the command only in the quote
        ("好的\n> 签收：回复正文第一行写签收", "unclear"),
        ("收到\n------------------ Original ------------------\n签收", "unclear"),
        ("已阅\n--\n某某县政府办公室 签收人：张三", "unclear"),  # signature cut off
    ],
)
def test_command_kind(text: str, kind: str) -> None:
    assert parse_unit_command(text).kind == kind


def test_result_text_drops_command_line_and_quote() -> None:
    command = parse_unit_command(
        "办结：\n已退还费用。\n\n在 2026年11月25日，运城市信用办 写道：\n原函"
    )
    assert command.text == "已退还费用。"
    assert command.matched == "办结"


def test_result_in_an_attachment_only_is_accepted() -> None:
    assert parse_unit_command("办结，详见附件。", has_attachments=True).kind == "result"
    assert parse_unit_command("办结", has_attachments=False).kind == "unclear"


def test_unclear_reply_says_why_and_highlights_what_looked_like_commands() -> None:
    command = parse_unit_command("尚未办结，正在调查。")
    assert command.problem.startswith("未找到")
    assert command.highlighted == "尚未【办结】，正在调查。"


def test_extension_in_a_sentence_also_acknowledges() -> None:
    command = parse_unit_command("我单位已签收。因情况复杂，申请延期一个月。")
    assert (command.kind, command.also_acknowledges) == ("extension", True)


def test_strip_quoted_keeps_new_text() -> None:
    assert strip_quoted("新内容\nOn Mon, X wrote:\n> old") == "新内容"
    assert strip_quoted("新内容\n________________________________\n发件人: x") == "新内容"
    assert strip_quoted("新内容\n发自我的iPhone\n旧") == "新内容"


def test_suggested_unit_is_the_one_after_the_suggestion() -> None:
    registry = load_registry(DEFAULT_UNITS_FILE)
    text = "该事项发生在临猗县，不属于盐湖区职责，建议转临猗县人民政府办理。"
    units = find_suggested_unit(text, registry, exclude="yanhu")
    assert [u.code for u in units] == ["linyi"]
    assert find_suggested_unit("本单位无管辖权", registry, exclude="yanhu") == []
