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
