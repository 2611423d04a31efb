from __future__ import annotations

from processing.parse import html_to_text, parse_mail
from tests import mailfactory


def test_gbk_text_labelled_gb2312_keeps_gbk_only_characters() -> None:
    raw = mailfactory.complaint(
        subject="反映王堃问题", body="朱镕基 王堃 吉喆", charset="gbk", label="gb2312"
    )
    mail = parse_mail(raw)
    assert mail.text == "朱镕基 王堃 吉喆"
    assert mail.subject == "反映王堃问题"
    assert mail.from_name == "王堃"
    assert "\ufffd" not in mail.text


def test_html_only_mail_becomes_text() -> None:
    assert (
        html_to_text("<p>第一段</p><p>第二&nbsp;段<br>换行</p><script>x()</script>")
        == "第一段\n\n第二 段\n换行"
    )


def test_nul_bytes_are_removed() -> None:
    raw = mailfactory.complaint(subject="x", body="a\x00b", charset="utf-8")
    assert parse_mail(raw).text == "ab"
