"""Screening (Art. 8, 9, 12): should the complaint be accepted (受理)?

Each reason not to accept is a rule with its own code and article; a decision names the rules
that fired and the words that fired them. Words are regular expressions; phrases that only look
like a rule's words ("退役军人" is not the army, "没有起诉" is not a lawsuit) are struck out first.
Art. 12 adds two conditions: a government body must be named, and it must be inside Yuncheng.

A rejection is only a proposal: a clerk confirms it, unless the settings list the reason in
``screening.auto_reject`` (RULES.md). Screening is a pure function of the values given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from processing.entities import core_text


@dataclass(frozen=True, slots=True)
class ScreeningInput:
    title: str
    text: str
    complainant_name: str
    complainant_contact: str
    # From routing: Yuncheng places or units named, and the government bodies named.
    yuncheng_mentions: tuple[str, ...] = ()
    bodies_named: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    code: str
    article: str
    label: str
    patterns: tuple[str, ...] = ()
    not_these: tuple[str, ...] = ()  # struck out of the text before matching
    channel: str = ""  # where the complainant can turn instead (the not-accepted letter)

    def matches(self, text: str) -> tuple[str, ...]:
        for phrase in self.not_these:
            text = re.sub(phrase, "　", text)
        found: list[str] = []
        for pattern in self.patterns:
            found += [m.group(0) for m in re.finditer(pattern, text)]
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class RuleHit:
    code: str
    article: str
    label: str
    matched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScreeningDecision:
    accepted: bool
    hits: tuple[RuleHit, ...]

    @property
    def code(self) -> str:
        return "accepted" if self.accepted else self.hits[0].code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(h.code for h in self.hits)

    def as_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "hits": [
                {"code": h.code, "article": h.article, "label": h.label, "matched": list(h.matched)}
                for h in self.hits
            ],
        }


_NEGATED = r"(?:没有|没|未|并未|尚未|不想|不愿|无意|不打算|无法|不是|并非|不属于|不涉及|不存在)"

WORD_RULES: tuple[ScreeningRule, ...] = (
    ScreeningRule(
        "force_majeure",
        "第八条",
        "因自然灾害等不可抗力导致政策无法实施，不列为政务失信",
        (
            r"不可抗力",
            r"(?:因|由于|受)(?:[^。]{0,8})(?:自然灾害|地震|洪水|洪涝|泥石流|暴雨|"
            r"冰雹|旱灾|干旱|疫情|台风|山体滑坡)(?:[^。]{0,16})(?:无法|未能|不能|没能|停工|推迟|中断|取消)",
        ),
    ),
    ScreeningRule(
        "law_revised",
        "第八条",
        "因法律法规修订导致政策无法实施，不列为政务失信",
        (
            r"(?:法律|法|法规|规章|条例|上级政策|国家政策)(?:[^，。]{0,6})(?:修订|修改|废止|调整)"
            r"(?:[^。]{0,16})(?:无法|不能|不再|停止|取消|暂停)",
        ),
    ),
    ScreeningRule(
        "in_litigation",
        "第九条第（一）项",
        "正在诉讼尚未裁决",
        (
            r"(?:已经|已|目前已)(?:向[^，。]{0,10}法院)?(?:起诉|提起诉讼|提起行政诉讼)",
            r"法院(?:已经|已)?(?:受理|立案)",
            r"正在(?:诉讼|审理|打官司|起诉)",
            r"诉讼中",
            r"(?:一审|二审|再审)(?:中|期间|阶段|尚未)",
            r"等待(?:法院)?(?:判决|开庭|宣判|裁决)",
            r"(?:尚未|还没有?|至今未)(?:判决|宣判|开庭|裁决)",
            r"(?:案件|官司)(?:正在|还在|仍在)审理",
        ),
        not_these=(
            _NEGATED + r"(?:向[^，。]{0,10}法院)?(?:起诉|提起诉讼|打官司)",
            r"撤诉",
            r"已经?撤回起诉",
        ),
        channel="人民法院诉讼程序",
    ),
    ScreeningRule(
        "military",
        "第九条第（二）项",
        "涉及人民解放军、武警部队",
        (r"解放军", r"武警", r"部队", r"军区", r"军分区", r"军事管理区", r"营区", r"军队", r"驻军"),
        not_these=(
            r"(?:退役|复员|转业|退伍|伤残|现役)?军人(?:优抚|安置)?",
            r"部队转业",
            r"(?:从|在)部队(?:退伍|转业|复员)",
            r"军转干部",
            r"退役军人事务局",
        ),
        channel="军队有关部门",
    ),
    ScreeningRule(
        "criminal",
        "第九条第（三）项",
        "涉及刑事案件",
        (
            r"刑事案件",
            r"刑事(?:拘留|立案|责任|判决)",
            r"立案侦查",
            r"犯罪嫌疑人",
            r"涉嫌(?:[^，。]{0,8})罪",
            r"(?:公安机关|公安局|派出所)(?:已经|已)(?:立案|刑拘|抓获|逮捕)",
            r"被(?:刑拘|逮捕|判刑)",
            r"检察院(?:已经|已)?(?:批捕|起诉|立案)",
            r"(?:故意伤害|诈骗|盗窃|贪污|受贿|行贿)罪",
        ),
        not_these=(_NEGATED + r"(?:涉及)?刑事案件",),
        channel="公安机关、检察机关等有关机关",
    ),
    ScreeningRule(
        "lawful_channel",
        "第九条第（五）项",
        "应当依法通过行政复议、诉讼、仲裁等法定途径解决",
        (
            r"(?:申请|提起|进行)(?:行政)?复议",
            r"行政复议",
            r"(?:申请|提起|进行)(?:劳动|人事)?仲裁",
            r"劳动仲裁",
            r"仲裁委",
            r"不服(?:[^，。]{0,12})(?:处罚决定|行政处罚|复议决定|裁决|判决|裁定)",
            r"(?:准备|打算|想|要)(?:去)?(?:向法院)?(?:起诉|打官司)",
            r"要求(?:法院)?改判",
            r"判决(?:已经|已)?生效(?:[^，。]{0,10})(?:不执行|拒不执行|未执行)",
        ),
        not_these=(_NEGATED + r"(?:去)?(?:申请)?(?:行政复议|仲裁|起诉|打官司)",),
        channel="行政复议、行政诉讼或仲裁等法定途径",
    ),
    ScreeningRule(
        "not_handleable",
        "第九条第（六）项",
        "属于通过投诉举报方式不能处理的情形",
        (
            r"邻里(?:纠纷|矛盾)",
            r"家庭(?:纠纷|矛盾)",
            r"婚姻(?:纠纷|家庭)",
            r"离婚",
            r"遗产(?:继承)?纠纷",
            r"(?:私人|个人)(?:之间)?(?:借款|债务|欠款)纠纷",
            r"(?:只是|仅仅?是|仅|只)(?:想)?咨询",
            r"(?:仅|只)(?:作为|是)(?:一点)?建议",
            r"(?:中央|国务院|全国人大)(?:的)?(?:政策|法律)(?:不合理|有问题)",
        ),
        channel="有关部门或 12345 市民热线",
    ),
)

ANONYMOUS = ScreeningRule("anonymous", "第九条第（四）项", "未以实名进行投诉举报")
TOO_VAGUE = ScreeningRule("too_vague", "第九条第（四）项", "投诉举报内容模糊不清，无法调查或回复")
NO_BODY = ScreeningRule(
    "no_government_body", "第十二条第（一）项", "未指明被投诉举报的政府部门及其失信行为"
)
OUTSIDE = ScreeningRule(
    "outside_area",
    "第十二条第（二）项",
    "被投诉举报的政府部门不在本市行政区域内",
    channel="被投诉举报单位所在地或其上级机关",
)
ALL_RULES: tuple[ScreeningRule, ...] = (*WORD_RULES, ANONYMOUS, TOO_VAGUE, NO_BODY, OUTSIDE)
RULES_BY_CODE = {rule.code: rule for rule in ALL_RULES}

# Content shorter than this, once greeting, contacts and signature are gone, cannot be checked.
MIN_CONTENT_CHARS = 20
_ANONYMOUS_WORDS = re.compile(r"匿名(?:举报|投诉|反映)?|不愿(?:意)?透露(?:姓名|身份)|不便透露姓名")
_CONTACT_NOISE = re.compile(r"[\d\-+() ]{7,}|[\w.%+-]+@[\w.-]+")
_BODY = re.compile(
    r"(?:人民)?政府|管委会|街道办(?:事处)?|村委会?|居委会"
    r"|[\u4e00-\u9fa5]{1,8}?(?:局|厅|署|委员会|委(?![屈托婉实身派员]))"
    r"|[\u4e00-\u9fa5]{1,6}?(?:派出所|司法所|财政所|国土所|土地所|工商所|税务所|管理所|管理站"
    r"|服务站|检查站|服务中心|管理中心|政务中心|执法队|执法大队|大队|中队)"
    r"|(?:县|市|区|镇|乡|局|科|所|站|处|厅)长|书记|(?:村|镇|乡|办|委)?主任|干部|公务员|官员"
    r"|工作人员|执法人员|城管|村官"
)
# Words ending like a body that are not one (结局, 格局, 骗局 …).
_NOT_BODIES = (
    "结局",
    "格局",
    "骗局",
    "布局",
    "饭局",
    "大局",
    "开局",
    "出局",
    "残局",
    "全局",
    "当局",
)
_OUTSIDE = re.compile(
    r"(?:北京|天津|上海|重庆|河北|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
    r"四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)(?:省|市|自治区)?"
    r"|(?:太原|大同|阳泉|长治|晋城|朔州|晋中|忻州|临汾|吕梁|西安|渭南|三门峡|洛阳|郑州)市?"
    r"|(?:山西)?省(?:政府|人民政府|[^\s，。]{1,8}厅|[^\s，。]{1,8}委)"
)


def _word_hits(item: ScreeningInput, content: str) -> list[RuleHit]:
    text = f"{item.title}\n{content}"
    return [
        RuleHit(rule.code, rule.article, rule.label, matched)
        for rule in WORD_RULES
        if (matched := rule.matches(text))
    ]


def _identity_hits(item: ScreeningInput, content: str) -> list[RuleHit]:
    """Art. 9(4): a name and a way to answer; saying one is anonymous is anonymous."""
    said = tuple(dict.fromkeys(_ANONYMOUS_WORDS.findall(f"{item.title}\n{item.text}")))
    if not said and item.complainant_name.strip() and item.complainant_contact.strip():
        return []
    return [RuleHit(ANONYMOUS.code, ANONYMOUS.article, ANONYMOUS.label, said)]


def _vagueness_hits(item: ScreeningInput, content: str) -> list[RuleHit]:
    bare = "".join(_CONTACT_NOISE.sub("", content).split())
    if len(bare) + len(item.title.strip()) // 2 >= MIN_CONTENT_CHARS:
        return []
    return [RuleHit(TOO_VAGUE.code, TOO_VAGUE.article, TOO_VAGUE.label, ())]


def _article_12_hits(item: ScreeningInput, content: str) -> list[RuleHit]:
    """Art. 12: a government body is named (1), and it is inside Yuncheng (2)."""
    text = f"{item.title}\n{content}"
    # The bodies routing found in the registry, else any body-like word (the slow search, so
    # only when routing named none).
    bodies = item.bodies_named or tuple(
        dict.fromkeys(m for m in _BODY.findall(text) if not m.endswith(_NOT_BODIES))
    )
    if not bodies:
        return [RuleHit(NO_BODY.code, NO_BODY.article, NO_BODY.label, ())]
    if item.yuncheng_mentions:  # a Yuncheng place or unit named: inside, whatever else is
        return []
    outside = tuple(dict.fromkeys(_OUTSIDE.findall(text)))
    if outside:
        return [RuleHit(OUTSIDE.code, OUTSIDE.article, OUTSIDE.label, outside)]
    return []


CHECKS: tuple[Callable[[ScreeningInput, str], list[RuleHit]], ...] = (
    _word_hits,
    _identity_hits,
    _vagueness_hits,
    _article_12_hits,
)


def screen_complaint(item: ScreeningInput) -> ScreeningDecision:
    content = core_text(item.text)
    hits = [hit for check in CHECKS for hit in check(item, content)]
    if any(hit.code == TOO_VAGUE.code for hit in hits):
        # Too little to read: whether a body is named cannot be judged either.
        hits = [hit for hit in hits if hit.code != NO_BODY.code]
    return ScreeningDecision(accepted=not hits, hits=tuple(hits))


def lawful_channel(decision: ScreeningDecision) -> str:
    """Where the not-accepted letter suggests turning instead (the first rule that names one)."""
    for hit in decision.hits:
        rule = RULES_BY_CODE.get(hit.code)
        if rule is not None and rule.channel:
            return rule.channel
    return ""
