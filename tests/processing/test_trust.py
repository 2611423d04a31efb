from __future__ import annotations

import datetime as dt

import pytest

from processing.parse import parse_mail
from processing.trust import assess_reply, authentication_failure
from tests import mailfactory


def reply(**headers: str):
    return parse_mail(
        mailfactory.reply(sender="u@x.gov.cn", subject="回复", body="签收", extra_headers=headers)
    )


@pytest.mark.parametrize(
    ("results", "forged"),
    [
        ("mx.126.com; dmarc=fail header.from=x.gov.cn", True),
        ("mx.126.com; spf=fail smtp.mailfrom=x.gov.cn; dkim=none", True),
        ("mx.126.com; spf=softfail smtp.mailfrom=x.gov.cn", True),
        ("mx.126.com; spf=fail smtp.mailfrom=x.gov.cn; dkim=pass header.d=x.gov.cn", False),
        ("mx.126.com; spf=pass; dkim=pass; dmarc=pass", False),
        ("mx.126.com; dkim=fail; spf=none", True),
        # A valid signature of another domain says nothing about the From address.
        ("mx.126.com; spf=fail smtp.mailfrom=x.gov.cn; dkim=pass header.d=evil.example", True),
        ("mx.126.com; spf=softfail; dkim=pass header.i=@evil.example", True),
        ("mx.126.com; spf=fail; dkim=pass header.d=x.gov.cn.evil.example", True),
        ("mx.126.com; spf=fail; dkim=pass (no signing domain)", True),
        (
            "mx.126.com; spf=fail; dkim=pass header.d=evil.example; dkim=pass header.d=x.gov.cn",
            False,
        ),
        ("mx.126.com; spf=fail; dkim=pass header.d=GOV.CN", False),  # a parent domain signs
        ("mx.126.com; spf=fail; dkim=pass header.i=ban@x.gov.cn header.s=s1", False),
        ("mx.126.com; dkim=pass header.d=evil.example; dkim=fail header.d=x.gov.cn", True),
    ],
)
def test_authentication_results(results: str, forged: bool) -> None:
    assert bool(authentication_failure(reply(**{"Authentication-Results": results}))) is forged


def test_received_spf_fail() -> None:
    assert authentication_failure(reply(**{"Received-SPF": "Fail (mx: domain does not designate)"}))


def test_no_authentication_headers_is_not_forgery() -> None:
    assert authentication_failure(reply()) == ""


def test_assess_reply() -> None:
    mail = reply()
    assert assess_reply("unit", mail).trusted
    assert assess_reply("complainant", mail).trusted
    assert not assess_reply("unknown", mail).trusted
    assert not assess_reply("unit", mail, replayed=True).trusted
    letter = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # 11:00 Beijing; reply says 10:00
    assert not assess_reply("unit", mail, letter_created_at=letter).trusted
    assert assess_reply("unit", mail, letter_created_at=letter - dt.timedelta(hours=1)).trusted


def test_forged_reason_says_the_signature_is_not_the_senders() -> None:
    results = "mx.126.com; spf=fail smtp.mailfrom=x.gov.cn; dkim=pass header.d=evil.example"
    reason = authentication_failure(reply(**{"Authentication-Results": results}))
    assert reason == "收件服务器判定发件人 SPF 校验为 fail，且无与发件人域名一致的有效 DKIM 签名"
    trust = assess_reply("unit", reply(**{"Authentication-Results": results}))
    assert not trust.trusted and trust.reason.startswith("疑似冒用发件人地址")
