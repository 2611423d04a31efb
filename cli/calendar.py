"""``python main.py calendar show YEAR``: what the service believes about each day of a year.

Every day's status names its source (the State Council schedule in chinese-calendar, the local
override file, or a provisional count), so a clerk can check a deadline by hand (Art. 26).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from cli.common import console, make_service, print_json, print_table
from core.clock import CHINA_TZ
from core.workdays import (
    SOURCE_LABELS,
    SOURCE_OVERRIDE,
    SOURCE_PROVISIONAL,
    DayInfo,
    WorkdayCalendar,
    calendar_warnings,
    package_knows_year,
)

WEEKDAYS = "一二三四五六日"


def year_status(calendar: WorkdayCalendar, year: int) -> str:
    if year in calendar.override_years:
        note = calendar.year_notes.get(year)
        return "已在本地调整文件中完整录入" + (f"（依据：{note}）" if note else "")
    if package_knows_year(year):
        return "国务院放假安排已收录（chinese-calendar）"
    return "放假安排尚未录入：暂按周末及法定节日推算，相关期限均标明“暂定”"


def _is_notable(info: DayInfo) -> bool:
    """A day that does not simply follow Monday–Friday working, weekend off."""
    ordinary = info.day.weekday() < 5
    return (
        info.working != ordinary
        or info.source == SOURCE_OVERRIDE
        or bool(info.label and info.label != "周末")
    )


def day_row(info: DayInfo) -> dict[str, Any]:
    return {
        "date": info.day.isoformat(),
        "weekday": f"周{WEEKDAYS[info.day.weekday()]}",
        "working": info.working,
        "label": info.label,
        "source": info.source,
        "provisional": info.provisional,
    }


def describe_year(calendar: WorkdayCalendar, year: int, *, every_day: bool) -> dict[str, Any]:
    days = calendar.year_days(year)
    shown = days if every_day else [d for d in days if _is_notable(d)]
    today = dt.datetime.now(CHINA_TZ).date()
    return {
        "year": year,
        "known": calendar.knows_year(year),
        "status": year_status(calendar, year),
        "working_days": sum(d.working for d in days),
        "days_off": sum(not d.working for d in days),
        "provisional": any(d.source == SOURCE_PROVISIONAL for d in days),
        "days": [day_row(d) for d in shown],
        "warnings": [w.message for w in calendar_warnings(calendar, today)],
    }


@click.group("calendar")
def calendar_group() -> None:
    """工作日日历（第二十六条）。"""


@calendar_group.command("show")
@click.argument("year", type=click.IntRange(2004, 2100))
@click.option("--all", "every_day", is_flag=True, help="列出全年每一天（默认只列节假日和调休日）")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（供脚本使用）")
@click.pass_context
def show_year(ctx: click.Context, year: int, every_day: bool, as_json: bool) -> None:
    """显示系统对某一年每一天（上班或放假）的认定及其依据。"""
    service = make_service(ctx, show_warnings=True)
    calendar_file = service.calendar_file
    detail = describe_year(calendar_file.current(), year, every_day=every_day)
    if calendar_file.last_error:
        detail["warnings"].insert(0, f"工作日调整文件有误，未生效：{calendar_file.last_error}")
    if as_json:
        print_json(detail)
        return
    console.print(f"{year} 年：{detail['status']}")
    console.print(f"全年工作日 {detail['working_days']} 天，休息日 {detail['days_off']} 天。")
    rows = [
        [
            d["date"],
            d["weekday"],
            "上班" if d["working"] else "放假",
            d["label"] or "—",
            SOURCE_LABELS[d["source"]] + ("（暂定）" if d["provisional"] else ""),
        ]
        for d in detail["days"]
    ]
    title = "全年每日认定" if every_day else "节假日与调休日"
    print_table(title, ["日期", "星期", "认定", "说明", "依据"], rows)
    if calendar_file.last_error:  # the other warnings were printed by the start-up checks
        console.print(f"提示：{detail['warnings'][0]}")
