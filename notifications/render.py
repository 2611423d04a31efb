"""The jinja2 environment: templates as files, StrictUndefined, autoescape for HTML.

A site may override any template by placing a file of the same name in its own template
directory, which is searched first. Templates format values with the filters registered here,
so a caller passes plain values (a case, a unit, a date) and every letter formats them alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from core.clock import to_local
from core.masking import mask_name, mask_personal_data
from processing.categorise import CATEGORIES

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

CHANNEL_LABELS = {"email": "电子邮件", "hotline": "12345热线", "letter": "信件", "web": "网站专栏"}
_CHINESE_NUMERALS = "零一二三四五六七八九十"


def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".html"))


def chinese_date(value: dt.date | dt.datetime | str | None) -> str:
    """2026年11月25日 for a date or an aware datetime (in Beijing time); text passes through."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_time(value: dt.datetime | None) -> str:
    """2026年11月25日 09:30 in Beijing time."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{chinese_date(local.date())} {local:%H:%M}"


def chinese_numeral(value: int | str) -> str:
    """1 → 一 … 99 → 九十九, for article items: 第二十一条第（一）项."""
    if isinstance(value, str) and not value.isdigit():
        return value
    number = int(value)
    if not 0 < number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CHINESE_NUMERALS[tens] + "十")
    return head + (_CHINESE_NUMERALS[ones] if ones else "")


def text_lines(value: str | None) -> list[str]:
    """The non-empty lines of a text, stripped: each becomes one paragraph of a letter."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def channel_label(code: str | None) -> str:
    return CHANNEL_LABELS.get(code or "", code or "")


def category_label(code: str | None) -> str:
    return CATEGORIES.get(code or "other", "其他")


def percent(value: float | None) -> str:
    """0.8571 → 85.7%; None (no data) → —."""
    return "—" if value is None else f"{value * 100:.1f}%"


FILTERS: Mapping[str, Any] = {
    "cn_date": chinese_date,
    "cn_time": chinese_time,
    "cn_numeral": chinese_numeral,
    "lines": text_lines,
    "mask": lambda value: mask_personal_data(str(value or "")),
    "mask_name": mask_name,
    "channel_label": channel_label,
    "category_label": category_label,
    "percent": percent,
}


def make_environment(site_dir: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(str(site_dir))] if site_dir else []
    loaders.append(FileSystemLoader(str(TEMPLATE_DIR)))
    # Autoescape is decided per template: on for .html.j2, off for text and subjects.
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=_autoescape,  # noqa: S701
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render(env: Environment, name: str, context: Mapping[str, Any]) -> str:
    return env.get_template(name).render(**context)
