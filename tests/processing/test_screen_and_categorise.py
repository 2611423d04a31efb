from __future__ import annotations

import pytest

from processing.categorise import categorise
from processing.screen import ScreeningInput, screen_complaint

REAL = {"complainant_name": "张三", "complainant_contact": "zs@example.com"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("此事我已起诉，法院正在审理，请信用办先处理", "in_litigation"),
        ("驻地部队占用我村土地", "military"),
        ("镇长涉嫌刑事案件，公安机关已立案", "criminal"),
        ("对县政府的处罚决定不服，想申请行政复议", "lawful_channel"),
        ("因洪水等自然灾害，县政府承诺的项目未能实施", "force_majeure"),
    ],
)
def test_each_rule_fires_with_its_words(text: str, code: str) -> None:
    decision = screen_complaint(ScreeningInput(title="", text=text, **REAL))
    assert not decision.accepted
    assert decision.code == code
    assert decision.hits[0].matched


def test_anonymous_and_vague() -> None:
    anonymous = screen_complaint(
        ScreeningInput(
            title="",
            text="县政府违规收费，每户多收三百元，请查处。",
            complainant_name="",
            complainant_contact="",
        )
    )
    assert anonymous.code == "anonymous"
    vague = screen_complaint(ScreeningInput(title="", text="有问题", **REAL))
    assert vague.code == "too_vague"


def test_plain_complaint_is_accepted() -> None:
    decision = screen_complaint(
        ScreeningInput(
            title="", text="盐湖区人民政府招商引资承诺的补贴至今没有兑现，请督促。", **REAL
        )
    )
    assert decision.accepted and decision.code == "accepted"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("县政府的拆迁补偿政策朝令夕改", "policy_reversal"),
        ("招商引资时承诺的优惠政策未兑现", "investment_breach"),
        ("学校违规收费，强制收费", "illegal_fees"),
        ("某科长滥用职权，吃拿卡要", "abuse_of_power"),
        ("办事窗口一直不作为", "other"),
        ("县里承诺的供暖补贴一直不兑现", "other"),  # a broken promise, but no investment
        ("引进我们公司时承诺的奖励资金一直不兑现", "investment_breach"),
    ],
)
def test_categories(text: str, code: str) -> None:
    assert categorise("", text).code == code
