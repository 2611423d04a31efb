"""Category of the dishonesty (Art. 7): one of five, decided from the complaint's words."""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES: dict[str, str] = {
    "policy_reversal": "重大政策朝令夕改",
    "investment_breach": "招商引资违约违诺",
    "illegal_fees": "违规收费或超标准收费",
    "abuse_of_power": "公务人员滥用职权谋取不正当利益",
    "other": "其他损害群众利益、行政不作为等失信行为",
}

_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("policy_reversal", ("朝令夕改", "政策变更", "政策反复", "出尔反尔", "政策突然", "取消政策")),
    (
        "investment_breach",
        ("招商引资", "违约", "承诺未兑现", "没有兑现", "未兑现", "优惠政策", "投资协议"),
    ),
    (
        "illegal_fees",
        ("乱收费", "违规收费", "超标准收费", "多收费", "收取费用", "强制收费", "违规收取"),
    ),
    ("abuse_of_power", ("滥用职权", "索贿", "吃拿卡要", "以权谋私", "收受", "好处费", "刁难")),
)


@dataclass(frozen=True, slots=True)
class CategoryDecision:
    code: str
    label: str
    matched: tuple[str, ...]


def categorise(title: str, text: str) -> CategoryDecision:
    """The category whose words occur most; Art. 7(5) when none do."""
    content = f"{title}\n{text}"
    best: tuple[int, str, tuple[str, ...]] = (0, "other", ())
    for code, words in _WORDS:
        matched = tuple(w for w in words if w in content)
        if len(matched) > best[0]:
            best = (len(matched), code, matched)
    return CategoryDecision(code=best[1], label=CATEGORIES[best[1]], matched=best[2])
