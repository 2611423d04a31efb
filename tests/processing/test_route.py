"""The router: respondent, place, vocabulary and model evidence, explained and combined."""

from __future__ import annotations

import pytest

from processing.model import ModelHolder, model_features
from processing.route import Router
from processing.training import TrainingSet, train_linear_model


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
        ("", "小区物业乱收费，开发商延期交房，房产证迟迟办不下来", "housing"),  # sector only
        ("", "学校强制学生参加有偿补课，老师收取补课费", "education"),
        ("", "市教体局不作为", "education"),  # 市 + a short name cut apart is still the city's
        ("", "运城市卫健局答复的事项没有落实", "health"),
        ("", "临猗县教体局答应的校车补贴没有发放", "linyi"),  # a county's bureau: the county
    ],
)
def test_routes_to_expected_unit(router: Router, title: str, text: str, unit: str) -> None:
    decision = router.route(title, text)
    assert decision.unit_code == unit, decision.reasons
    assert decision.confidence > 0.3
    assert decision.reasons


def test_sector_is_decided_even_when_the_county_handles_it(router: Router) -> None:
    decision = router.route("", "临猗县的学校强制学生参加有偿补课")
    assert decision.unit_code == "linyi"
    assert decision.sector == "教育文体"
    assert any("属地管理" in r for r in decision.reasons)


def test_nothing_to_go_on_falls_back_with_zero_confidence(router: Router) -> None:
    decision = router.route("", "我要反映一个问题，希望尽快处理")
    assert decision.unit_code == "city-credit"
    assert decision.confidence == 0.0
    assert decision.reasons


def test_credit_office_follows_the_unit(router: Router) -> None:
    assert router.route("", "临猗县政府乱收费").credit_office_code == "linyi-credit"
    assert router.route("", "市财政局拨款不到位").credit_office_code == "city-credit"


def test_stated_respondent_is_evidence(router: Router) -> None:
    decision = router.route("", "答应的补偿款一直没有发放", stated_respondent="永济市人民政府")
    assert decision.unit_code == "yongji"


def test_two_counties_lower_the_confidence(router: Router) -> None:
    one = router.route("", "临猗县政府拖欠工程款")
    two = router.route("", "临猗县政府和万荣县政府都拖欠工程款")
    assert two.confidence < one.confidence


def test_sector_choice_can_be_limited(router: Router) -> None:
    text = "小区物业乱收费，开发商延期交房"
    assert router.route("", text).sector == "城乡建设"
    assert router.route("", text, sectors={"商贸旅游", "教育文体"}).sector in {"商贸旅游", ""}


def test_learned_model_is_weighed_and_explained(router: Router) -> None:
    """A model trained on made-up history outvotes the vocabulary on words only it knows."""
    history = [("城乡建设", f"小区第{i}栋的小黄狗叫个不停") for i in range(20)] + [
        ("教育文体", f"第{i}中学的食堂饭菜太贵") for i in range(20)
    ]
    tokens = [router.tokenize("", text)[0] for _, text in history]
    model = train_linear_model(
        TrainingSet([model_features(t) for t in tokens], [label for label, _ in history]),
        version="v-test",
    )
    trained = Router(
        router.registry,
        router.places,
        router.vocabulary,
        router._tokenizer,
        fallback_unit="city-credit",
        city_credit_office="city-credit",
        model=ModelHolder(model),
    )
    decision = trained.route("", "楼下的小黄狗叫个不停")
    assert decision.sector == "城乡建设"
    assert decision.model_version == "v-test"
    assert any("分办模型（v-test）" in r and "叫个不停" in r for r in decision.reasons), (
        decision.reasons
    )
