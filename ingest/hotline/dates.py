"""Dates as exports write them: Excel serial numbers, real date cells, ISO text, Chinese text.

"2026年3月5日 14时", "2026/3/5 14:30", "2026.03.05", "20260305143000", "下午2时30分" … all become
timezone-aware datetimes in Beijing time. Pure functions; an unreadable date raises ValueError
with the reason, and the importer decides what that means for the row.
"""

from __future__ import annotations

import datetime as dt
import re

from core.clock import CHINA_TZ
from ingest.hotline.cells import Cell, to_halfwidth

# Excel's day 0 is 1899-12-30 in the 1900 date system (its 1900 leap-year bug included), and
# 1904-01-01 in the 1904 system some Mac workbooks use.
EXCEL_EPOCH_1900 = dt.datetime(1899, 12, 30, tzinfo=CHINA_TZ)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1, tzinfo=CHINA_TZ)
# Serial numbers outside 1954–2119 are not plausible acceptance times of a work order.
_SERIAL_RANGE = (20000.0, 80000.0)

_DATE_TEXT = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:\s*[T ]?\s*(?P<half>上午|下午|晚上|凌晨|中午|早上)?\s*"
    r"(?P<H>\d{1,2})\s*(?:[:时点]\s*(?P<M>\d{1,2})?\s*(?:[:分]\s*(?P<S>\d{1,2}(?:\.\d+)?)?\s*秒?)?)?)?"
    r"\s*$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
_AFTERNOON = {"下午", "晚上"}


def localise(value: dt.datetime) -> dt.datetime:
    """A naive datetime from a file is Beijing time; an aware one is kept as it is."""
    return value.replace(tzinfo=CHINA_TZ) if value.tzinfo is None else value


def from_excel_serial(serial: float, *, date1904: bool = False) -> dt.datetime:
    """Excel's day number (with the time as the fraction) as Beijing time."""
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise ValueError(f"数值 {serial:g} 不是合理的日期")
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH_1900
    # Rounded to the millisecond: serials carry float noise (14:00 is 0.58333333…).
    return epoch + dt.timedelta(milliseconds=round(serial * 86_400_000))


def _hour(hour: int, half: str | None) -> int:
    if half in _AFTERNOON and hour < 12:
        return hour + 12
    if half == "中午" and hour < 11:
        return hour + 12
    if half == "凌晨" and hour == 12:
        return 0
    return hour


def _from_match(match: re.Match[str]) -> dt.datetime:
    seconds = float(match["S"] or 0)
    hour = _hour(int(match["H"] or 0), match["half"])
    return dt.datetime(
        int(match["y"]),
        int(match["m"]),
        int(match["d"]),
        hour,
        int(match["M"] or 0),
        int(seconds),
        round((seconds % 1) * 1_000_000),
        tzinfo=CHINA_TZ,
    )


def parse_text_date(text: str) -> dt.datetime:
    """Date text in the forms exports and clerks write; ValueError with the reason otherwise."""
    cleaned = to_halfwidth(text).strip()
    try:
        return localise(dt.datetime.fromisoformat(cleaned))
    except ValueError:
        pass
    match = _DATE_TEXT.match(cleaned)
    try:
        if match:
            return _from_match(match)
        compact = _COMPACT.match(cleaned)
        if compact:
            y, m, d, hh, mm, ss = (int(p) if p else 0 for p in compact.groups())
            return dt.datetime(y, m, d, hh, mm, ss, tzinfo=CHINA_TZ)
    except ValueError:
        raise ValueError(f"日期不存在：{text}") from None
    try:
        return from_excel_serial(float(cleaned))
    except ValueError:
        raise ValueError(f"无法识别的日期：{text}") from None


def parse_cell_date(value: Cell, *, date1904: bool = False) -> dt.datetime | None:
    """Any cell value as a datetime; None for an empty cell; ValueError when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return localise(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=CHINA_TZ)
    if isinstance(value, bool | dt.time):
        raise ValueError(f"无法识别的日期：{value}")
    if isinstance(value, int | float):
        return from_excel_serial(float(value), date1904=date1904)
    return parse_text_date(value)
