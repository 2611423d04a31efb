"""The first jieba keyword router: respondent, place and sector evidence, explained."""

from __future__ import annotations

import pytest

from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from processing.places import build_place_index, read_divisions
from processing.route import KeywordRouter


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> KeywordRouter:
    return KeywordRouter(
        load_registry(DEFAULT_UNITS_FILE),
        build_place_index(read_divisions()),
        fallback_unit="city-credit",
        city_credit_office="city-credit",
        cache_dir=tmp_path_factory.mktemp("jieba"),
    )


@pytest.mark.parametrize(
    ("title", "text", "unit"),
    [
        (
            "盐湖区住建局不作为",
            "盐湖区住建局对小区物业问题长期不作为",
            "yanhu",
        ),  # county-level bureau
        ("投诉市教育局", "市教育局承诺的学位补贴至今没有兑现", "education"),
        ("", "运城开发区管委会招商引资时承诺的优惠政策没有兑现", "kaifaqu"),
        ("", "新绛县政府拖欠工程款三年", "xinjiang"),  # not 绛县, which 新绛县 contains
        ("", "我是绛县人，绛县政府违规收费", "jiangxian"),
        ("", "解州镇政府答应的补贴没有发放", "yanhu"),  # town without county name
    ],
)
def test_routes_to_expected_unit(router: KeywordRouter, title: str, text: str, unit: str) -> None:
    decision = router.route(title, text)
    assert decision.unit_code == unit, decision.reasons
    assert decision.confidence > 0.3
    assert decision.reasons


def test_nothing_to_go_on_falls_back_with_zero_confidence(router: KeywordRouter) -> None:
    decision = router.route("", "我要反映一个问题，希望尽快处理")
    assert decision.unit_code == "city-credit"
    assert decision.confidence == 0.0


def test_credit_office_follows_the_unit(router: KeywordRouter) -> None:
    assert router.route("", "临猗县政府乱收费").credit_office_code == "linyi-credit"
    assert router.route("", "市财政局拨款不到位").credit_office_code == "city-credit"


def test_village_shared_by_two_counties_is_weak_evidence(router: KeywordRouter) -> None:
    decision = router.route("", "大李村的补贴没有发")
    assert any("多地同名" in reason for reason in decision.reasons)
    assert decision.confidence < 0.5
