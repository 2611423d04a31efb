"""What the processing steps need from the rest of the service, passed explicitly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from config.units import UnitRegistry
from core.clock import Clock
from core.workdays import WorkdayCalendar
from ingest.archive import RawArchive
from notifications.letters import LetterWriter
from processing.deadlines import DeadlineRules
from processing.route import Evidence, RouteDecision


class Router(Protocol):
    def route(self, title: str, text: str, *, stated_respondent: str = "") -> RouteDecision: ...

    def evidence(self, title: str, text: str) -> Evidence: ...


class CalendarSource(Protocol):
    """The current working-day calendar (``core.calendar_file.CalendarFile`` re-reads its file)."""

    def current(self) -> WorkdayCalendar: ...


@dataclass(frozen=True)
class FixedCalendar:
    """A calendar that never changes (tests, and the default before settings are read)."""

    calendar: WorkdayCalendar = field(default_factory=WorkdayCalendar)

    def current(self) -> WorkdayCalendar:
        return self.calendar


@dataclass(frozen=True, slots=True)
class SupervisionRules:
    """Art. 20, 21: when notices and 提醒督办函 go out."""

    notice_working_days_before: int = 1
    # The new expectation written into an automatic 提醒督办函: this many working days from it.
    grace_working_days: int = 3
    office_hours_start: dt.time = dt.time(8, 30)
    office_hours_end: dt.time = dt.time(17, 30)


@dataclass(frozen=True)
class WorkflowContext:
    """What the workflow (unit commands, complainant replies, staff decisions, supervision)
    needs: no router, so staff commands start without loading the routing model."""

    registry: UnitRegistry
    letters: LetterWriter
    clock: Clock
    calendar_source: CalendarSource = field(default_factory=FixedCalendar)
    rules: DeadlineRules = field(default_factory=DeadlineRules)
    supervision: SupervisionRules = field(default_factory=SupervisionRules)
    city_credit_office: str = "city-credit"
    own_addresses: frozenset[str] = frozenset()

    @property
    def calendar(self) -> WorkdayCalendar:
        return self.calendar_source.current()


@dataclass(frozen=True)
class ProcessingContext:
    registry: UnitRegistry
    router: Router
    archive: RawArchive
    clock: Clock
    letters: LetterWriter
    case_prefix: str
    token_secret: bytes
    own_addresses: frozenset[str]
    workflow: WorkflowContext
    min_route_confidence: float = 0.3
    # Screening reasons whose rejection is sent without a clerk's review (screening.auto_reject).
    auto_reject: frozenset[str] = frozenset()
    # Registered 12345 hotline-centre addresses whose exports are imported, not opened as cases.
    hotline_senders: frozenset[str] = frozenset()
