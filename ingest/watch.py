"""Keep watching the mailbox: IDLE push when the server offers it, polling otherwise, and capped
exponential backoff when the server is down — an outage shows in ``source_health`` (and so in
``status`` and the digest), never as a crash loop.

RFC 2177: a client must re-issue IDLE at least every 29 minutes or the server may log it out;
``idle_seconds`` (25 minutes by default) bounds each wait, after which the folder is checked and
IDLE issued again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from ingest.archive import RawArchive
from ingest.health import record_poll
from ingest.intake import DEFAULT_MAX_BYTES, IntakeResult, take_new_mail
from ingest.sources import MailConnection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff: base, 2·base, 4·base … never more than ``cap`` seconds."""

    base_seconds: float = 5.0
    cap_seconds: float = 900.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return min(self.cap_seconds, self.base_seconds * 2 ** min(failures - 1, 30))


class WatchedConnection(MailConnection, Protocol):
    @property
    def supports_idle(self) -> bool: ...

    def wait_for_change(self, seconds: float, stop: threading.Event) -> bool: ...


class WatchedSource(Protocol):
    name: str

    def open(self) -> WatchedConnection: ...


@dataclass(frozen=True, slots=True)
class WatchSettings:
    idle: bool = True
    idle_seconds: float = 25 * 60
    poll_seconds: float = 60.0
    backoff: Backoff = Backoff()
    max_bytes: int = DEFAULT_MAX_BYTES


class MailboxWatcher:
    """Runs until ``stop`` is set; ``on_round`` is told after every successful intake round."""

    def __init__(
        self,
        source: WatchedSource,
        archive: RawArchive,
        factory: sessionmaker[Session],
        clock: Clock,
        stop: threading.Event,
        *,
        settings: WatchSettings = WatchSettings(),
        on_round: Callable[[IntakeResult], None] = lambda _result: None,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.source, self.archive, self.factory, self.clock = source, archive, factory, clock
        self.stop, self.settings, self.on_round = stop, settings, on_round
        # Waiting between attempts; tests inject a recorder instead of real time passing.
        self.wait = wait or stop.wait
        self.failures = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                connection = self.source.open()
                try:
                    self._serve(connection)
                finally:
                    connection.close()
            except Exception as error:
                self._failed(error)

    def _failed(self, error: Exception) -> None:
        self.failures += 1
        delay = self.settings.backoff.delay(self.failures)
        message = f"{type(error).__name__}: {error}"
        log.warning(
            "邮箱 %s 连接失败（第 %s 次），%s 秒后重试：%s",
            self.source.name,
            self.failures,
            delay,
            message,
        )
        try:
            record_poll(self.factory, self.source.name, self.clock, error=message)
        except Exception:  # the database may be down too; the next round records it
            log.exception("could not record the mailbox failure")
        self.wait(delay)

    def _serve(self, connection: WatchedConnection) -> None:
        push = self.settings.idle and connection.supports_idle
        how = "IDLE 即时收取" if push else f"每 {self.settings.poll_seconds:.0f} 秒收取"
        log.info("已连接邮箱 %s（%s）", self.source.name, how)
        while not self.stop.is_set():
            result = take_new_mail(
                connection,
                self.archive,
                self.factory,
                self.clock,
                IntakeResult(source=self.source.name),
                stop=self.stop,
                max_bytes=self.settings.max_bytes,
            )
            self.failures = 0
            record_poll(self.factory, self.source.name, self.clock, count=result.stored)
            if result.stored or result.skipped:
                log.info("邮箱 %s：新收 %s 封", self.source.name, result.stored)
            self.on_round(result)
            if push:
                connection.wait_for_change(self.settings.idle_seconds, self.stop)
            else:
                self.wait(self.settings.poll_seconds)
