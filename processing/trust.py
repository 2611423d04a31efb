"""May this reply act on its case? A pure decision over values, with the reason recorded.

A reply changes a case only when its sender is a registered address of the case's handling unit
(commands) or the case's complainant (follow-ups) — and nothing says the sender is forged or the
reply is a replay. A forged From fails the receiving server's SPF/DKIM/DMARC checks, which it
records in ``Authentication-Results`` (RFC 8601) or ``Received-SPF`` (RFC 7208); a replayed reply
repeats a Message-ID already acted on, or is dated before the letter it answers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from processing.parse import ParsedMail

# Clocks of mail servers and PCs disagree; a reply cannot precede our letter by more than this.
CLOCK_SKEW = dt.timedelta(minutes=15)
_METHOD = re.compile(r"\b(dmarc|spf|dkim)\s*=\s*([a-z]+)", re.IGNORECASE)
_SIGNING_DOMAIN = re.compile(r"\bheader\.([di])\s*=\s*@?([^\s;()]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReplyTrust:
    role: str  # unit | complainant | unknown: who the From address claims to be
    trusted: bool
    reason: str


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One result of an ``Authentication-Results`` header (RFC 8601 §2.2)."""

    method: str  # dmarc | spf | dkim
    outcome: str  # pass | fail | softfail | none …
    signing_domain: str = ""  # DKIM: header.d, or the domain of header.i


def authentication_results(header: str) -> list[AuthResult]:
    """The DKIM, SPF and DMARC results, in order; the authserv-id and other methods ignored."""
    found = []
    for resinfo in header.split(";"):
        method = _METHOD.search(resinfo)
        if method is None:
            continue
        signer = _SIGNING_DOMAIN.findall(resinfo)
        by_tag = {tag.lower(): value.lower().rsplit("@", 1)[-1] for tag, value in signer}
        domain = by_tag.get("d") or by_tag.get("i", "")
        found.append(AuthResult(method.group(1).lower(), method.group(2).lower(), domain))
    return found


def aligned(signing_domain: str, from_domain: str) -> bool:
    """A DKIM signature speaks for the From address only when its domain is the From domain or
    a parent of it (RFC 7489 §3.1.1): anyone can sign their own mail with a valid signature."""
    signing, sender = signing_domain.strip(".").lower(), from_domain.strip(".").lower()
    return bool(signing) and (sender == signing or sender.endswith("." + signing))


def authentication_failure(mail: ParsedMail) -> str:
    """Why the receiving server says the From address is forged, or '' when it does not."""
    found = authentication_results(mail.header("authentication-results"))
    results: dict[str, str] = {}
    for item in found:
        results.setdefault(item.method, item.outcome)
    spf_header = mail.header("received-spf").strip().lower()
    if spf_header.startswith("fail") and "spf" not in results:
        results["spf"] = "fail"
    from_domain = mail.from_addr.rpartition("@")[2]
    dkim_pass = any(
        r.method == "dkim" and r.outcome == "pass" and aligned(r.signing_domain, from_domain)
        for r in found
    )
    dkim_fail = any(r.method == "dkim" and r.outcome == "fail" for r in found)
    if results.get("dmarc") == "fail":
        return "收件服务器判定发件人 DMARC 校验失败"
    if results.get("spf") in ("fail", "softfail") and not dkim_pass:
        return (
            f"收件服务器判定发件人 SPF 校验为 {results['spf']}，"
            "且无与发件人域名一致的有效 DKIM 签名"
        )
    if dkim_fail and not dkim_pass and results.get("spf") != "pass":
        return "收件服务器判定 DKIM 签名无效"
    return ""


def assess_reply(
    role: str,
    mail: ParsedMail,
    *,
    replayed: bool = False,
    letter_created_at: dt.datetime | None = None,
) -> ReplyTrust:
    """Whether a reply from ``role`` may act; ``letter_created_at`` is the letter it answers."""
    if role == "unknown":
        return ReplyTrust(role, False, "发件人不是该案承办单位登记的邮箱，也不是投诉举报者本人")
    forged = authentication_failure(mail)
    if forged:
        return ReplyTrust(role, False, f"疑似冒用发件人地址：{forged}")
    if replayed:
        return ReplyTrust(role, False, f"同一封回复（{mail.message_id}）此前已处理过，疑为重放")
    if letter_created_at and mail.date and mail.date < letter_created_at - CLOCK_SKEW:
        return ReplyTrust(role, False, "回复日期早于所回复的函件，疑为旧邮件重放")
    return ReplyTrust(role, True, "发件人为登记邮箱")
