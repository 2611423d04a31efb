"""The reply grammar of handling units: 签收, 退回 + reason, 申请延期 + reason, 办结 + result.

Units write real mail, not forms: full-width or half-width punctuation, the command inside a
sentence ("我单位已签收"), quoted history below, a signature, the result in a Word attachment.
Only the new part of a reply counts; a command word that is negated ("尚未办结"), asked about
("何时办结？") or part of ordinary text ("已退回多收费用") is not a command. Anything that does not
give exactly one clear command — or a command without what the Measures require with it (the
reasons of Art. 13 and 18, the written result of Art. 14) — is ``unclear``: it goes to staff with
the fragments that looked like commands highlighted, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_QUOTE_START = re.compile(
    r"^\s*(-{2,}\s*(原始邮件|Original Message|Original|原邮件|回复的原邮件)\s*-{2,}|_{10,}\s*$|"
    r"在\s*.{1,80}写道\s*[:：]\s*$|On .{1,200} wrote:\s*$|发件人\s*[:：]|From:\s)",
    re.IGNORECASE,
)
_SIGNATURE_START = re.compile(r"^\s*(--\s*|——+\s*|发自我的.{0,20}|Sent from my .{0,40})$")

COMMAND_LABELS = {
    "acknowledge": "签收",
    "decline": "退回",
    "extension": "申请延期",
    "result": "办结",
}

# Each command: patterns that find it in NFKC-normalised text. 退回 is also an everyday word
# ("退回多收费用"), so it counts only standing alone or in a phrase that addresses the office.
_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "result": (re.compile(r"办结"),),
    "decline": (
        re.compile(r"(^|[\n。!;；,，])\s*[【\[]?(退回|退办)[】\]]?\s*([:,，。.!\s]|$)"),
        re.compile(r"(申请|予以|现予|特此|现将|拟|请求|要求)(退回|退办)"),
        re.compile(r"(退回|退办)(贵办|你办|市信用办|信用办|重新|另行|转办|分办|该件|此件|本件)"),
    ),
    "extension": (re.compile(r"申请延期|延期申请|申请延长"),),
    "acknowledge": (re.compile(r"签收"),),
}
_WORDS: dict[str, tuple[str, ...]] = {
    "result": ("办结",),
    "decline": ("退回", "退办"),
    "extension": ("申请延期", "延期申请", "申请延长"),
    "acknowledge": ("签收",),
}
_NEGATION = re.compile(r"(未|不|没|无法|不能|不予|拒绝|暂不|无须|无需|非)\s*$")
# Intentions are not commands: "将在期限内办结", "核实后办结", "办结后反馈".
_FUTURE_BEFORE = re.compile(
    r"(将|会|争取|尽快|按期|按时|确保|力争|及时|限期|内|前|后|待|拟|计划|准备)\s*$"
)
_FUTURE_AFTER = re.compile(r"^\s*(后|时|期限|时限|之前|以前)")
_QUESTION_END = re.compile(r"^[^。!\n;；]*?[?？]")
MIN_REASON_CHARS = 4


@dataclass(frozen=True, slots=True)
class UnitCommand:
    """What a unit's reply asks for.

    ``kind`` is acknowledge | decline | extension | result | unclear. ``text`` is the new text of
    the reply without the command line: the written result (result) or the reasons (decline,
    extension). ``also_acknowledges`` says the reply also acknowledges receipt.
    """

    kind: str
    text: str
    matched: str = ""
    also_acknowledges: bool = False
    problem: str = ""  # why an unclear reply is unclear, for staff
    highlighted: str = ""  # the new text with command-like fragments in 【】

    @property
    def label(self) -> str:
        return COMMAND_LABELS.get(self.kind, "无法识别")


def normalise(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width (NFKC); CJK text unchanged."""
    return unicodedata.normalize("NFKC", text)


def strip_quoted(text: str) -> str:
    """The part of a reply written for this message, without quoted history or signature."""
    kept = []
    for line in text.splitlines():
        if _QUOTE_START.match(line) or _SIGNATURE_START.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _is_command_at(text: str, start: int, end: int) -> bool:
    """Not negated, not an intention, not inside a question."""
    before = text[max(0, start - 6) : start]
    if _NEGATION.search(before) or _FUTURE_BEFORE.search(before):
        return False
    return not (_FUTURE_AFTER.match(text[end:]) or _QUESTION_END.match(text[end:]))


def find_commands(text: str) -> dict[str, list[tuple[int, int]]]:
    """Command kind → spans where it stands as a command in the (normalised) text."""
    found: dict[str, list[tuple[int, int]]] = {}
    for kind, patterns in _PATTERNS.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                word = re.search(r"办结|退回|退办|申请延期|延期申请|申请延长|签收", match.group(0))
                assert word is not None
                start, end = match.start() + word.start(), match.start() + word.end()
                if _is_command_at(text, start, end):
                    found.setdefault(kind, []).append((start, end))
    return found


def highlight(text: str, words: Iterable[str] = ("办结", "退回", "退办", "延期", "签收")) -> str:
    """Mark every command-like word in 【】 so staff see at once what the reply seemed to say."""
    pattern = "|".join(re.escape(w) for w in words)
    return re.sub(f"({pattern})", r"【\1】", text)


def _without_command_line(text: str, words: tuple[str, ...]) -> str:
    """Drop the command at the very start ("办结：", "【退回】", "已签收。") and keep the rest."""
    alternatives = "|".join(re.escape(w) for w in words)
    pattern = rf"^\s*[【\[]?(已)?({alternatives})[】\]]?\s*[:：,，。.!！;；\s]*"
    return re.sub(pattern, "", text, count=1).strip()


def _reason_chars(text: str) -> int:
    """Letters and digits besides the command words themselves."""
    for words in _WORDS.values():
        for word in words:
            text = text.replace(word, "")
    return len(re.findall(r"[\w\u4e00-\u9fff]", text))


def _choose(kinds: set[str]) -> tuple[str, bool] | None:
    """The one command a set of commands amounts to, and whether it also acknowledges."""
    acknowledges = "acknowledge" in kinds
    rest = kinds - {"acknowledge"}
    if not rest:
        return ("acknowledge", False) if acknowledges else None
    if len(rest) > 1:
        return None
    return rest.pop(), acknowledges


def _unclear(new_text: str, problem: str) -> UnitCommand:
    return UnitCommand("unclear", new_text, problem=problem, highlighted=highlight(new_text))


def parse_unit_command(text: str, *, has_attachments: bool = False) -> UnitCommand:
    """Find the one command in the reply's new text, with what the Measures require with it."""
    new_text = strip_quoted(text)
    found = find_commands(normalise(new_text))
    if not found:
        return _unclear(new_text, "未找到“签收”“退回”“申请延期”“办结”等指令")
    chosen = _choose(set(found))
    if chosen is None:
        labels = "、".join(COMMAND_LABELS[k] for k in COMMAND_LABELS if k in found)
        return _unclear(new_text, f"同一回复中含有相互矛盾的指令：{labels}")
    kind, also_acknowledges = chosen
    label = COMMAND_LABELS[kind]
    body = _without_command_line(new_text, _WORDS[kind])
    if kind in ("decline", "extension") and _reason_chars(body) < MIN_REASON_CHARS:
        article = "第十三条" if kind == "decline" else "第十八条"
        return _unclear(new_text, f"“{label}”须说明理由（{article}），回复中未见理由")
    if kind == "result" and _reason_chars(body) < MIN_REASON_CHARS and not has_attachments:
        return _unclear(new_text, "“办结”须附书面办理结果（第十四条），回复中未见结果内容或附件")
    return UnitCommand(
        kind, body, label, also_acknowledges=also_acknowledges, highlighted=highlight(new_text)
    )
