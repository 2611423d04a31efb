"""Screening (Art. 8, 9, 12): should the complaint be accepted (受理)?

Each reason not to accept is a rule with its own code; a decision names the rules that fired and
the words that fired them. A rejection is only a proposal: a clerk confirms it (RULES.md). The
rules here are the first, plain version; they are pure functions over the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScreeningInput:
    title: str
    text: str
    complainant_name: str
    complainant_contact: str


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    code: str
    article: str
    label: str
    words: tuple[str, ...] = ()


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

    def as_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "hits": [
                {"code": h.code, "article": h.article, "label": h.label, "matched": list(h.matched)}
                for h in self.hits
            ],
        }


WORD_RULES: tuple[ScreeningRule, ...] = (
    ScreeningRule(
        "force_majeure",
        "第八条",
        "因不可抗力或法律法规修订导致，不列为政务失信",
        ("不可抗力", "自然灾害", "地震", "洪水", "法律法规修订"),
    ),
    ScreeningRule(
        "in_litigation",
        "第九条第（一）项",
        "正在诉讼尚未裁决",
        ("正在诉讼", "已起诉", "已经起诉", "法院正在审理", "尚未判决", "等待判决", "诉讼中"),
    ),
    ScreeningRule(
        "military",
        "第九条第（二）项",
        "涉及人民解放军、武警部队",
        ("解放军", "武警", "部队", "军区", "军队"),
    ),
    ScreeningRule(
        "criminal",
        "第九条第（三）项",
        "涉及刑事案件",
        ("刑事案件", "立案侦查", "犯罪嫌疑人", "公安机关已立案"),
    ),
    ScreeningRule(
        "lawful_channel",
        "第九条第（五）项",
        "应通过行政复议、诉讼、仲裁等法定途径解决",
        ("行政复议", "申请仲裁", "劳动仲裁"),
    ),
)

ANONYMOUS = ScreeningRule("anonymous", "第九条第（四）项", "未以实名进行投诉举报")
TOO_VAGUE = ScreeningRule("too_vague", "第九条第（四）项", "投诉举报内容模糊不清，无法调查或回复")
MIN_TEXT_CHARS = 15


def _word_hits(item: ScreeningInput) -> list[RuleHit]:
    text = f"{item.title}\n{item.text}"
    hits = []
    for rule in WORD_RULES:
        matched = tuple(w for w in rule.words if w in text)
        if matched:
            hits.append(RuleHit(rule.code, rule.article, rule.label, matched))
    return hits


def _identity_hits(item: ScreeningInput) -> list[RuleHit]:
    if item.complainant_name.strip() or item.complainant_contact.strip():
        return []
    return [RuleHit(ANONYMOUS.code, ANONYMOUS.article, ANONYMOUS.label, ())]


def _vagueness_hits(item: ScreeningInput) -> list[RuleHit]:
    if len("".join(item.text.split())) >= MIN_TEXT_CHARS:
        return []
    return [RuleHit(TOO_VAGUE.code, TOO_VAGUE.article, TOO_VAGUE.label, ())]


CHECKS: tuple[Callable[[ScreeningInput], list[RuleHit]], ...] = (
    _word_hits,
    _identity_hits,
    _vagueness_hits,
)


def screen_complaint(item: ScreeningInput) -> ScreeningDecision:
    hits = tuple(hit for check in CHECKS for hit in check(item))
    return ScreeningDecision(accepted=not hits, hits=hits)
