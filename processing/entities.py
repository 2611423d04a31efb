"""Entities in a complaint's text: the complainant's name, phones, ID-card numbers and emails,
money amounts, dates, and the core text without greetings and signatures.

Pure functions over the text. ID-card numbers are checked with their ISO 7064 MOD 11-2 check
digit (GB 11643-1999), so an order number of 18 digits is not taken for one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MOBILE = re.compile(r"(?<![\d])1[3-9]\d{9}(?![\d])")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}-?\d{7,8}(?![\d])")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CN_VALUES = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_AMOUNT = re.compile(
    r"(?P<number>\d+(?:,\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)\s*"
    r"(?P<scale>亿|万|千)?\s*(?P<unit>元|块钱|块)"
)
_DATE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*[年./-]\s*(?P<month>\d{1,2})\s*[月./-]\s*(?P<day>\d{1,2})\s*[日号]?"
)
# "我叫张三" / "投诉人：张三" / "本人张三，电话…"
_NAME_AFTER = re.compile(
    r"(?:我叫|本人叫|本人|我的名字是|姓名|投诉人|举报人|反映人|联系人|署名|落款)"
    r"\s*[:：]?\s*(?P<name>[\u4e00-\u9fa5]{2,4}?)"
    r"(?=[\s，,。.；;、（(：:]|$|电话|手机|联系|身份证|男|女|是|，)"
)
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
    "俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应"
    "臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_NOT_NAMES = {
    "政府",
    "领导",
    "村民",
    "居民",
    "业主",
    "群众",
    "老师",
    "家长",
    "学生",
    "职工",
    "市民",
    "农民",
    "工人",
    "同志",
    "先生",
    "女士",
    "反映",
    "投诉",
    "举报",
    "实名",
}

_GREETING = re.compile(
    r"^\s*(?:(?:尊敬的|敬爱的|亲爱的)[^，,：:！!。\n]{0,30}[：:，,！!]?\s*)?"
    r"(?:(?:您们|你们|您|你|大家|各位领导|领导)\s*好\s*[！!。.，,]?\s*)?"
)
_CLOSING = re.compile(
    r"(?:\n|^|[。！!])\s*(?:此致|敬礼|谢谢|感谢|盼复|望回复|望答复|期待回复|恳请回复"
    r"|发自我的|Sent from|-----\s*原始邮件|——+\s*原始邮件|在\s*\d{4}.{0,40}写道)",
)
_SIGNATURE_LINE = re.compile(
    r"\n\s*(?:(?:投诉人|举报人|反映人|联系人|联系电话|电话|手机|身份证号?|邮箱|日期|时间|署名)"
    r"\s*[:：].*|[\u4e00-\u9fa5]{2,4}\s*|(?:19|20)\d{2}\s*年.{0,10}日?\s*)$"
)


@dataclass(frozen=True, slots=True)
class Amount:
    text: str
    yuan: float


@dataclass(frozen=True, slots=True)
class Entities:
    names: tuple[str, ...]
    phones: tuple[str, ...]
    id_numbers: tuple[str, ...]
    emails: tuple[str, ...]
    amounts: tuple[Amount, ...]
    dates: tuple[dt.date, ...]
    core_text: str

    @property
    def real_name(self) -> bool:
        """Art. 9(4): a name, and a way to reach or identify the person."""
        return bool(self.names) and bool(self.phones or self.emails or self.id_numbers)


def valid_id_number(number: str) -> bool:
    """GB 11643-1999: 17 digits, a check character (ISO 7064 MOD 11-2), a plausible birth date."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    if "10X98765432"[total % 11] != number[17].upper():
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


def chinese_number(text: str) -> int | None:
    """三百 → 300, 十五 → 15, 两万 → 20000 (with the scale), 一千二 → 1200 (as people say it);
    None when ``text`` is not a plain Chinese numeral."""
    if not text or any(c not in _CN_VALUES and c not in _CN_UNITS for c in text):
        return None
    total, digit = 0, 0
    for char in text:
        if char in _CN_VALUES:
            digit = _CN_VALUES[char]
        else:
            total += (digit or 1) * _CN_UNITS[char]
            digit = 0
    if digit and len(text) >= 2 and text[-2] in _CN_UNITS and _CN_UNITS[text[-2]] >= 100:
        return total + digit * _CN_UNITS[text[-2]] // 10
    return total + digit


def find_amounts(text: str) -> tuple[Amount, ...]:
    scales = {"亿": 100_000_000, "万": 10_000, "千": 1_000, None: 1}
    found = []
    for match in _AMOUNT.finditer(text):
        raw = match.group("number")
        value = float(raw.replace(",", "")) if raw[0].isdigit() else chinese_number(raw)
        if value is None:
            continue
        found.append(Amount(match.group(0).strip(), float(value) * scales[match.group("scale")]))
    return tuple(found)


def find_dates(text: str) -> tuple[dt.date, ...]:
    found = []
    for match in _DATE.finditer(text):
        try:
            found.append(dt.date(int(match["year"]), int(match["month"]), int(match["day"])))
        except ValueError:
            continue
    return tuple(dict.fromkeys(found))


def find_names(text: str) -> tuple[str, ...]:
    names = []
    for match in _NAME_AFTER.finditer(text):
        name = match.group("name")
        if name[0] in _SURNAMES and name not in _NOT_NAMES and not name.endswith(("村", "镇")):
            names.append(name)
    return tuple(dict.fromkeys(names))


def core_text(text: str) -> str:
    """The text without the opening greeting, the closing formula and the signature lines."""
    body = _GREETING.sub("", text.strip(), count=1)
    closing = _CLOSING.search(body)
    if closing is not None and closing.start() > len(body) // 3:
        body = body[: closing.start() + (1 if body[closing.start()] in "。！!" else 0)]
    while (tail := _SIGNATURE_LINE.search(body)) is not None and tail.start() > 0:
        body = body[: tail.start()]
    return body.strip()


def extract_entities(text: str) -> Entities:
    ids = tuple(dict.fromkeys(m for m in _ID_CARD.findall(text) if valid_id_number(m)))
    masked = text
    for number in ids:  # an ID number holds digit runs that look like phones
        masked = masked.replace(number, " ")
    phones = _MOBILE.findall(masked) + _LANDLINE.findall(masked)
    return Entities(
        names=find_names(text),
        phones=tuple(dict.fromkeys(phones)),
        id_numbers=ids,
        emails=tuple(dict.fromkeys(_EMAIL.findall(text))),
        amounts=find_amounts(text),
        dates=find_dates(text),
        core_text=core_text(text),
    )
