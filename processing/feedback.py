"""The complainant's opinion of the result (Art. 16): 满意 / 基本满意 / 不满意, or 1 / 2 / 3.

Citizens answer in their own words ("非常满意，谢谢", "2", "不满意，问题根本没解决……"). A reply
that gives exactly one opinion is read as that opinion; anything else (two opinions, or none) is
left for staff. 不满意 with an objection opens an appeal for staff to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processing.replies import normalise, strip_quoted

SATISFACTION_LABELS = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
}
_DIGITS = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}
# Longest phrases first: each found phrase is blanked out before shorter ones are looked for,
# so "不满意" is never also read as "满意".
_PHRASES: tuple[tuple[str, str], ...] = (
    ("非常不满意", "dissatisfied"),
    ("很不满意", "dissatisfied"),
    ("不太满意", "dissatisfied"),
    ("不是很满意", "dissatisfied"),
    ("不怎么满意", "dissatisfied"),
    ("不满意", "dissatisfied"),
    ("基本满意", "basically_satisfied"),
    ("比较满意", "basically_satisfied"),
    ("非常满意", "satisfied"),
    ("很满意", "satisfied"),
    ("满意", "satisfied"),
)
_LEADING_DIGIT = re.compile(
    r"^\s*(?:我选|选|选择|评价|答)?\s*([123１２３])\s*(?:[.．、。,，:：)）]|$|\s)"
)
MIN_OBJECTION_CHARS = 6


@dataclass(frozen=True, slots=True)
class Satisfaction:
    kind: str  # satisfied | basically_satisfied | dissatisfied | unclear
    objection: str = ""  # what the complainant wrote besides the opinion
    problem: str = ""

    @property
    def label(self) -> str:
        return SATISFACTION_LABELS.get(self.kind, "无法识别")

    @property
    def opens_appeal(self) -> bool:
        """Art. 16: a dissatisfied complainant with a stated objection."""
        return self.kind == "dissatisfied" and _meaningful(self.objection) >= MIN_OBJECTION_CHARS


def _meaningful(text: str) -> int:
    return len(re.findall(r"[\w\u4e00-\u9fff]", text))


def _phrase_kinds(text: str) -> tuple[set[str], str]:
    kinds, rest = set(), text
    for phrase, kind in _PHRASES:
        if phrase in rest:
            kinds.add(kind)
            rest = rest.replace(phrase, " ")
    return kinds, rest


def parse_satisfaction(text: str) -> Satisfaction:
    new_text = strip_quoted(text)
    kinds, rest = _phrase_kinds(new_text)
    digit = _LEADING_DIGIT.match(new_text)
    if digit:
        kinds.add(_DIGITS[normalise(digit.group(1))])
        rest = _LEADING_DIGIT.sub(" ", rest, count=1)
    if len(kinds) != 1:
        problem = "未找到满意度评价" if not kinds else "回复中含有不同的评价"
        return Satisfaction("unclear", new_text, problem)
    objection = re.sub(r"^[\s,，。.:：!！;；、]+", "", rest).strip()
    return Satisfaction(kinds.pop(), objection)
