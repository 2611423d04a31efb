"""Commands in replies from handling units: 签收 (acknowledge) and 办结 (result, closes).

Only the new part of a reply counts: quoted history (lines starting with ">", or everything
after a "原始邮件"/"Original Message" separator or an "在…写道：" line) is cut off first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE_START = re.compile(
    r"^\s*(-{2,}\s*(原始邮件|Original Message|原邮件|回复的原邮件)\s*-{2,}|"
    r"在\s*.{1,80}写道\s*[:：]\s*$|On .{1,200} wrote:\s*$|发件人\s*[:：]|From:\s)",
    re.IGNORECASE,
)
ACKNOWLEDGE_WORDS = ("签收",)
RESULT_WORDS = ("办结",)


@dataclass(frozen=True, slots=True)
class UnitCommand:
    kind: str  # acknowledge | result | unclear
    text: str  # the new text of the reply (the written result, for "result")
    matched: str = ""


def strip_quoted(text: str) -> str:
    """The part of a reply written for this message, without quoted history."""
    kept = []
    for line in text.splitlines():
        if _QUOTE_START.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _without_leading_command(text: str, word: str) -> str:
    """Drop a first line that is only the command word ("办结", "办结：", "【办结】")."""
    lines = text.splitlines()
    if lines and lines[0].strip(" \t:：。.【】[]") == word:
        return "\n".join(lines[1:]).strip()
    return text


def parse_unit_command(text: str) -> UnitCommand:
    """Find the command in the reply's new text. 办结 wins over 签收 (a result implies receipt)."""
    new_text = strip_quoted(text)
    for word in RESULT_WORDS:
        if word in new_text:
            return UnitCommand("result", _without_leading_command(new_text, word), word)
    for word in ACKNOWLEDGE_WORDS:
        if word in new_text:
            return UnitCommand("acknowledge", new_text, word)
    return UnitCommand("unclear", new_text)
