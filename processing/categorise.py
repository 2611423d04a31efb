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
    (
        "policy_reversal",
        (
            "朝令夕改",
            "说变就变",
            "政策变更",
            "政策反复",
            "出尔反尔",
            "政策突然",
            "取消政策",
            "突然取消",
            "突然叫停",
            "单方面改变",
            "擅自改变",
            "标准突然",
            "突然改成",
            "新官不理旧账",
            "前后不一",
        ),
    ),
    (
        "investment_breach",
        (
            "招商引资",
            "招商",
            "违约",
            "毁约",
            "承诺未兑现",
            "没有兑现",
            "未兑现",
            "不兑现",
            "优惠政策",
            "投资协议",
            "招商协议",
            "协议约定",
            "合同约定",
            "入驻企业",
            "引进我们",
            "返还",
            "奖励资金",
            "配套建设",
            "拖欠企业",
            "并网",
        ),
    ),
    (
        "illegal_fees",
        (
            "乱收费",
            "违规收费",
            "超标准收费",
            "多收费",
            "收取费用",
            "强制收费",
            "违规收取",
            "乱罚款",
            "随意罚款",
            "乱摊派",
            "搭车收费",
            "收费依据",
            "没有依据",
            "不开发票",
            "审核费",
            "服务费",
            "技术服务费",
            "资料费",
            "早已取消",
            "高出",
        ),
    ),
    (
        "abuse_of_power",
        (
            "滥用职权",
            "索贿",
            "吃拿卡要",
            "以权谋私",
            "收受",
            "好处费",
            "刁难",
            "打击报复",
            "优亲厚友",
            "截留",
            "挪用",
            "套取",
            "权钱交易",
            "意思一下",
            "找中介",
            "亲戚",
        ),
    ),
)
# Art. 7(5) is the rest: administrative inaction and other harm to the public.

# Art. 7(2) is about investment attraction: a broken promise counts there only when the text is
# about an investment (otherwise it is 7(5), or 7(1) when a policy was reversed).
_CONTEXT: dict[str, tuple[str, ...]] = {
    "investment_breach": ("招商", "投资", "入驻", "引进", "项目", "企业", "公司", "厂"),
}


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
        if code in _CONTEXT and not any(w in content for w in _CONTEXT[code]):
            continue
        matched = tuple(w for w in words if w in content)
        if len(matched) > best[0]:
            best = (len(matched), code, matched)
    return CategoryDecision(code=best[1], label=CATEGORIES[best[1]], matched=best[2])
