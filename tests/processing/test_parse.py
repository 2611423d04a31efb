"""Parsing Chinese mail: every charset the office sees, broken labels, encoded names, HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.charsets import decode_bytes, guess_charset
from processing.parse import UnparseableMail, html_to_text, parse_mail
from tests import mailfactory

EML = Path(__file__).resolve().parents[1] / "data" / "eml"


def parse_file(name: str):
    return parse_mail((EML / name).read_bytes())


def test_gbk_text_labelled_gb2312_keeps_gbk_only_characters() -> None:
    raw = mailfactory.complaint(
        subject="反映王堃问题", body="朱镕基 王堃 吉喆", charset="gbk", label="gb2312"
    )
    mail = parse_mail(raw)
    assert mail.text == "朱镕基 王堃 吉喆"
    assert mail.subject == "反映王堃问题"
    assert mail.from_name == "王堃"
    assert "\ufffd" not in mail.text


def test_gb2312_label_gbk_body_fixture() -> None:
    mail = parse_file("gb2312_label_gbk_body.eml")
    assert "王堃、朱镕基、吉喆" in mail.text
    assert mail.subject == "反映盐湖区政府招商引资承诺不兑现（王堃）"
    assert (mail.from_name, mail.from_addr) == ("王堃", "wangkun@example.com")


def test_gb18030_four_byte_characters_survive() -> None:
    mail = parse_file("gb18030_four_byte_chars.eml")
    assert "刘䶮" in mail.text and "𠀀村" in mail.text
    assert mail.subject == "临猗县教育局违规收费（刘䶮）"
    assert mail.from_name == "刘"


def test_big5_labelled() -> None:
    mail = parse_file("big5_traditional.eml")
    assert "永濟市某局亂收費問題" in mail.text
    assert (mail.subject, mail.from_name) == ("反映永濟市亂收費問題", "陳先生")


def test_unlabelled_8bit_big5_is_detected() -> None:
    mail = parse_file("big5_unlabelled_8bit.eml")
    assert "永濟市某局亂收費問題" in mail.text
    assert any("big5" in d for d in mail.defects)


def test_raw_8bit_gbk_headers_and_unlabelled_body() -> None:
    mail = parse_file("gbk_unlabelled_8bit_headers.eml")
    assert mail.subject == "万荣县政府拖欠工程款（王堃）"
    assert mail.from_name == "王堃"
    assert "万荣县政府拖欠工程款两年未付" in mail.text


def test_flanker_raw_8bit_gb2312_headers() -> None:
    mail = parse_file("flanker_gb2312_raw_8bit_headers.eml")
    assert mail.subject == "提示：您的企业成员暂时无法登录邮件客户端"
    assert "系统检测到邮箱账号" in mail.text


def test_text_destroyed_by_the_sender_is_flagged_not_hidden() -> None:
    mail = parse_file("flanker_gb2312_lost_at_sender.eml")
    assert any("乱码" in d for d in mail.defects)


def test_rfc2231_and_rfc2047_file_names() -> None:
    mail = parse_file("utf8_rfc2231_filenames.eml")
    names = [a.filename for a in mail.attachments]
    assert names == ["协议副本.pdf", "现场照片.jpg", "../../etc/passwd"]
    assert mail.attachments[0].payload.startswith(b"%PDF-1.4")
    assert mail.attachments[1].payload.startswith(b"\xff\xd8")


def test_broken_base64_attachment_is_decoded_as_far_as_it_goes() -> None:
    mail = parse_file("cpython_broken_base64_attachment.eml")
    assert len(mail.attachments) == 1
    assert any("base64" in d for d in mail.defects)


def test_html_only_mail_becomes_text_with_quotes_marked() -> None:
    mail = parse_file("html_only_qq_reply.eml")
    assert mail.text.startswith("签收\n\n我单位已登记，正在调查。")
    assert "> 转办函 YCSX-2026-000001 办结" in mail.text
    assert mail.new_text == "签收\n\n我单位已登记，正在调查。\n\n张科长"


def test_html_to_text() -> None:
    assert (
        html_to_text("<p>第一段</p><p>第二&nbsp;段<br>换行</p><script>x()</script>")
        == "第一段\n\n第二 段\n换行"
    )


def test_reply_signature_and_quote_are_set_apart() -> None:
    mail = parse_file("quoted_reply_netease.eml")
    assert mail.new_text == "办结\n经核实，已于11月24日退还违规收取的费用。"
    assert "签收" in mail.text and "签收" not in mail.new_text


def test_nul_bytes_are_removed() -> None:
    raw = mailfactory.complaint(subject="x", body="a\x00b", charset="utf-8")
    assert parse_mail(raw).text == "ab"


@pytest.mark.parametrize("raw", [b"", b"\x89PNG\r\n\x1a\n\x00\x00binary", b"just some text\n"])
def test_what_is_not_a_message_is_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(UnparseableMail, match=r"电子邮件|为空"):
        parse_mail(raw)


@pytest.mark.parametrize(
    ("data", "charset"),
    [
        ("王堃".encode("gbk"), "gb18030"),
        ("王堃".encode(), "utf-8"),
        ("運城市信用辦本人反映永濟市亂收費問題".encode("big5"), "big5"),
        ("盐湖区人民政府违规收费".encode("gb2312"), "gb18030"),
    ],
)
def test_guess_charset(data: bytes, charset: str) -> None:
    assert guess_charset(data) == charset


def test_a_wrong_label_is_not_trusted() -> None:
    assert decode_bytes("王堃".encode("gbk"), "utf-8") == ("王堃", "gb18030")
    assert decode_bytes("王堃".encode("gbk"), "us-ascii") == ("王堃", "gb18030")
    assert decode_bytes("王堃".encode("gbk"), "x-unknown-charset") == ("王堃", "gb18030")
