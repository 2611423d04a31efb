from __future__ import annotations

from processing.duplicates import RESEND_SIMILARITY, similarity

ORIGINAL = (
    "盐湖区政府招商引资承诺不兑现\n尊敬的信用办：盐湖区人民政府2025年招商引资时承诺给入驻企业的"
    "设备补贴至今没有兑现，多次反映无人答复。请督促盐湖区人民政府履行承诺。联系电话：13835900001"
)


def test_resends_stay_above_the_threshold() -> None:
    for resend in (
        ORIGINAL,
        "再次反映：" + ORIGINAL + "请尽快处理！",
        ORIGINAL.replace("尊敬的信用办：", "信用办领导你们好，") + "\n王堃",
        "Fw: " + ORIGINAL.replace("\n", " "),
    ):
        assert similarity(ORIGINAL, resend) >= RESEND_SIMILARITY, resend


def test_other_complaints_by_the_same_person_stay_below() -> None:
    for other in (
        "盐湖区政府违规收费\n盐湖区人民政府下属单位向企业收取不合理费用，没有任何收费依据，请查处。",
        "盐湖区招商引资承诺问题\n盐湖区人民政府承诺的厂房租金减免没有兑现，企业损失严重。",
        "临猗县教育局违规收费\n临猗县教育局向学生家长违规收取资料费。",
    ):
        assert similarity(ORIGINAL, other) < 0.6, other


def test_empty_text_is_never_similar() -> None:
    assert similarity("", "") == 0.0
