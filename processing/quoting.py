"""Separate the new text of a reply from its quoted history and its signature.

A reply changes a case only through what its sender wrote now, never through the quoted letter
below it (which contains our own words, case numbers and sometimes other people's commands).
The markers are those of the clients the office actually sees: NetEase, QQ, Foxmail, Outlook,
Apple Mail, Gmail, and RFC 3676's signature separator "-- ".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE_HEADER = re.compile(
    r"^\s*("
    r"-{2,}\s*(原始邮件|原邮件|回复的原邮件|Original Message|Forwarded message|转发邮件)\s*-{2,}"
    r"|_{5,}\s*$"  # Outlook's rule above "From: … Sent: …"
    r"|在\s*.{1,120}写道\s*[:：]\s*$"
    r"|于\s*.{1,120}写道\s*[:：]\s*$"
    r"|On .{1,200} wrote:\s*$"
    r"|(发件人|From)\s*[:：].{0,200}$"
    r")",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^(-- ?|——+|发自我的\S*|发自\s*(网易邮箱|QQ邮箱|手机|iPhone|iPad|华为|小米).*"
    r"|Sent from my .*|来自\s*(网易邮箱|QQ邮箱).*)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ReplyParts:
    new_text: str
    quoted: str
    signature: str


def split_reply(text: str) -> ReplyParts:
    """Split ``text`` at the first quote header, drop "> " lines, cut a trailing signature."""
    lines = text.splitlines()
    cut = next((i for i, line in enumerate(lines) if _QUOTE_HEADER.match(line)), len(lines))
    head, quoted = lines[:cut], lines[cut:]
    kept = [line for line in head if not line.lstrip().startswith(">")]
    quoted = [line for line in head if line.lstrip().startswith(">")] + quoted
    sig_at = next((i for i, line in enumerate(kept) if _SIGNATURE.match(line.strip())), len(kept))
    return ReplyParts(
        new_text="\n".join(kept[:sig_at]).strip(),
        quoted="\n".join(quoted).strip(),
        signature="\n".join(kept[sig_at:]).strip(),
    )
