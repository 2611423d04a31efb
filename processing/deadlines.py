"""Deadlines as a pure function of a case's history (Art. 13, 14, 16, 18, 26).

Walking the case's events in order yields every deadline the case has had: the acknowledgement
and result deadlines of each transfer, the result deadline of each supplementary investigation,
and the whole-case deadline of each acceptance, extended when an extension is approved. Each one
says how it was computed, whether it was met or voided (and by which event), and whether a year
without a known holiday schedule made it provisional. Because it is derived, not edited, the same
history and calendar always give the same deadlines: a changed calendar or a late event simply
recomputes them.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from core.clock import to_local
from core.workdays import CountedDate, WorkdayCalendar

KIND_LABELS: Mapping[str, str] = {
    "acknowledge": "签收反馈期限",
    "result": "报送办理结果期限",
    "supplementary": "补充调查结果期限",
    "case": "全案办结期限",
}


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    """The periods of the Measures, in working days (Art. 26); all configurable."""

    acknowledge_working_days: int = 3  # Art. 13
    result_working_days: int = 30  # Art. 14
    supplementary_working_days: int = 30  # Art. 16 gives none; Art. 14's period by analogy
    case_months: int = 2  # Art. 18
    extension_months: int = 1  # Art. 18
    # "2 months" read as two calendar months ending on a working day (RULES.md), or as a count of
    # working days per month.
    month_rule: Literal["calendar_months", "working_days"] = "calendar_months"
    working_days_per_month: int = 21


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """The part of a ``CaseEvent`` the deadlines depend on."""

    id: int
    kind: str
    at: dt.datetime
    to_status: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeadlineSpec:
    stage: str  # unique per case: acknowledge:1, result:1, supplementary:1, case:1
    kind: str
    unit_code: str | None
    starts_on: dt.date
    due_on: dt.date
    provisional_years: frozenset[int]
    rule: str
    basis: Mapping[str, Any]
    status: str = "open"  # open | met | void
    settled_at: dt.datetime | None = None
    settled_event_id: int | None = None
    settled_note: str = ""

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day (Nov 30 + 3 → Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def _fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _months_later(
    start: dt.date, months: int, calendar: WorkdayCalendar, rules: DeadlineRules
) -> CountedDate:
    if rules.month_rule == "working_days":
        return calendar.count_working_days(start, months * rules.working_days_per_month)
    return calendar.roll_forward(add_months(start, months))


def _month_rule_text(rules: DeadlineRules) -> str:
    if rules.month_rule == "working_days":
        return f"每月按 {rules.working_days_per_month} 个工作日计"
    return "期满日为休息日的顺延至下一工作日"


@dataclass
class _Walk:
    """Mutable state while walking the history; only ``compute_deadlines`` sees it."""

    calendar: WorkdayCalendar
    rules: DeadlineRules
    specs: dict[str, DeadlineSpec] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)  # kind → stage of the latest one
    unit_code: str | None = None
    extensions: int = 0

    def open(self, kind: str, spec: DeadlineSpec) -> None:
        self.specs[spec.stage] = spec
        self.current[kind] = spec.stage

    def next_stage(self, kind: str) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{kind}:{self.counters[kind]}"

    def settle(self, kind: str, status: str, event: HistoryEvent, note: str) -> None:
        stage = self.current.get(kind)
        if stage is None or self.specs[stage].status != "open":
            return
        self.specs[stage] = replace(
            self.specs[stage],
            status=status,
            settled_at=event.at,
            settled_event_id=event.id,
            settled_note=note,
        )


def _working_day_spec(
    walk: _Walk, kind: str, start: dt.date, *, days: int, reason: str, event: HistoryEvent
) -> DeadlineSpec:
    counted = walk.calendar.count_working_days(start, days)
    return DeadlineSpec(
        stage=walk.next_stage(kind),
        kind=kind,
        unit_code=walk.unit_code,
        starts_on=start,
        due_on=counted.date,
        provisional_years=counted.provisional_years,
        rule=f"自{reason}之日（{_fmt(start)}）起 {days} 个工作日",
        basis={"event_id": event.id, "start": start.isoformat(), "working_days": days},
    )


def _case_spec(walk: _Walk, stage: str, start: dt.date, event_id: int) -> DeadlineSpec:
    rules = walk.rules
    months = rules.case_months + walk.extensions * rules.extension_months
    counted = _months_later(start, months, walk.calendar, rules)
    rule = f"自受理之日（{_fmt(start)}）起 {rules.case_months} 个月"
    if walk.extensions:
        rule += f"，经批准延长 {walk.extensions * rules.extension_months} 个月"
    return DeadlineSpec(
        stage=stage,
        kind="case",
        unit_code=None,
        starts_on=start,
        due_on=counted.date,
        provisional_years=counted.provisional_years,
        rule=f"{rule}（{_month_rule_text(rules)}）",
        basis={
            "event_id": event_id,
            "start": start.isoformat(),
            "months": months,
            "month_rule": rules.month_rule,
        },
    )


def _extend_result(walk: _Walk, event: HistoryEvent) -> None:
    """Art. 18: an approved extension moves the open result deadline by the same period."""
    for kind in ("result", "supplementary"):
        stage = walk.current.get(kind)
        if stage is None or walk.specs[stage].status != "open":
            continue
        spec = walk.specs[stage]
        base = dt.date.fromisoformat(str(spec.basis.get("original_due", spec.due_on.isoformat())))
        months = walk.extensions * walk.rules.extension_months
        counted = _months_later(base, months, walk.calendar, walk.rules)
        walk.specs[stage] = replace(
            spec,
            due_on=counted.date,
            provisional_years=spec.provisional_years | counted.provisional_years,
            rule=f"{spec.rule.split('，经批准')[0]}，经批准延长 {months} 个月",
            basis={**spec.basis, "original_due": base.isoformat(), "extension_event": event.id},
        )


def _on_accept(walk: _Walk, event: HistoryEvent) -> None:
    walk.extensions = 0
    start = to_local(event.at).date()
    walk.open("case", _case_spec(walk, walk.next_stage("case"), start, event.id))


def _on_transfer(walk: _Walk, event: HistoryEvent) -> None:
    for kind in ("acknowledge", "result", "supplementary"):
        walk.settle(kind, "void", event, "案件重新转办")
    walk.unit_code = str(event.data.get("unit") or "") or None
    start, rules = to_local(event.at).date(), walk.rules
    for kind, days in (
        ("acknowledge", rules.acknowledge_working_days),
        ("result", rules.result_working_days),
    ):
        walk.open(kind, _working_day_spec(walk, kind, start, days=days, reason="转办", event=event))


def _on_supplementary(walk: _Walk, event: HistoryEvent) -> None:
    days = int(event.data.get("working_days") or walk.rules.supplementary_working_days)
    start = to_local(event.at).date()
    spec = _working_day_spec(
        walk, "supplementary", start, days=days, reason="要求补充调查", event=event
    )
    walk.open("supplementary", spec)


def _on_extension(walk: _Walk, event: HistoryEvent) -> None:
    walk.extensions += 1
    stage = walk.current.get("case")
    if stage is not None and walk.specs[stage].status == "open":
        old = walk.specs[stage]
        walk.specs[stage] = _case_spec(walk, stage, old.starts_on, int(old.basis["event_id"]))
    _extend_result(walk, event)


def _settle_all(walk: _Walk, event: HistoryEvent, note: str) -> None:
    for kind in ("acknowledge", "result", "supplementary", "case"):
        walk.settle(kind, "void", event, note)


# Events that meet a deadline: the acknowledgement is met by any proper answer of the unit.
_MEETS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "acknowledge": (("acknowledge", "承办单位签收"),),
    "request_extension": (("acknowledge", "承办单位申请延期（视为签收）"),),
    "decline": (("acknowledge", "承办单位说明理由退回"),),
    "report_result": (
        ("acknowledge", "承办单位报送办理结果（视为签收）"),
        ("result", "承办单位报送办理结果"),
        ("supplementary", "承办单位报送补充调查结果"),
    ),
    "close": (("case", "结案"),),
}
_MEETS_LEGACY = {"close_with_result": _MEETS["report_result"]}
_VOIDS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "decline": (("result",), "承办单位退回"),
    "recall": (("acknowledge", "result", "supplementary"), "市信用办撤回转办"),
    "close": (("acknowledge", "result", "supplementary"), "案件已结案"),
}


def _apply(walk: _Walk, event: HistoryEvent) -> None:
    kind = event.kind
    if kind == "accept" or (kind == "reopen" and event.to_status == "triage"):
        _on_accept(walk, event)
    elif kind == "transfer":
        _on_transfer(walk, event)
    elif kind == "order_supplementary":
        _on_supplementary(walk, event)
    elif kind == "approve_extension":
        _on_extension(walk, event)
    elif kind in ("reject", "mark_duplicate"):
        _settle_all(walk, event, "案件不予受理或已并案")
    for deadline_kind, note in _MEETS.get(kind, _MEETS_LEGACY.get(kind, ())):
        walk.settle(deadline_kind, "met", event, note)
    voided, note = _VOIDS.get(kind, ((), ""))
    for deadline_kind in voided:
        walk.settle(deadline_kind, "void", event, note)


def compute_deadlines(
    events: Iterable[HistoryEvent], calendar: WorkdayCalendar, rules: DeadlineRules
) -> list[DeadlineSpec]:
    """Every deadline of a case with this history, in the order they arose."""
    walk = _Walk(calendar=calendar, rules=rules)
    for event in sorted(events, key=lambda e: e.id):
        _apply(walk, event)
    return list(walk.specs.values())
