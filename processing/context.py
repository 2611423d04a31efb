"""What the processing steps need from the rest of the service, passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from config.units import UnitRegistry
from core.clock import Clock
from ingest.archive import RawArchive
from notifications.letters import LetterWriter
from processing.route import RouteDecision


class Router(Protocol):
    def route(self, title: str, text: str, *, stated_respondent: str = "") -> RouteDecision: ...


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
    min_route_confidence: float = 0.3
    # Registered 12345 hotline-centre addresses whose exports are imported, not opened as cases.
    hotline_senders: frozenset[str] = frozenset()
