"""A zwsx process that kills itself (SIGKILL, no clean-up) at a chosen point, for crash tests.

``python -m tests.notifications.crashing_process CONFIG POINT NOW`` runs the service's jobs with
the settings file CONFIG at the fixed time NOW (ISO 8601) and dies at POINT:

- ``after_render``: the transfer letter is rendered and flushed, its transaction not committed;
- ``before_send``: the outbox row is claimed and committed, the SMTP conversation not started;
- ``after_send``: the SMTP server accepted the message, the outcome not yet committed.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from config.settings import load_settings
from core.clock import FixedClock
from daemon.jobs import OutboxJob, PollMailJob, ProcessJob
from daemon.service import Service
from notifications.letters import LetterWriter


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class DyingTransport:
    def __init__(self, inner: Any, *, before: bool) -> None:
        self.inner, self.before = inner, before

    def send(self, raw: bytes, **kwargs: Any) -> None:
        if self.before:
            die()
        self.inner.send(raw, **kwargs)
        die()

    def close(self) -> None:
        self.inner.close()


def main(config: str, point: str, now: str) -> None:
    service = Service(
        load_settings(Path(config)),
        clock=FixedClock(dt.datetime.fromisoformat(now)),
        environ=dict(os.environ),
    )
    stop = threading.Event()
    if point == "after_render":
        real = LetterWriter.queue_transfer

        def queue_then_die(self: LetterWriter, *args: Any, **kwargs: Any) -> Any:
            real(self, *args, **kwargs)
            die()

        LetterWriter.queue_transfer = queue_then_die  # type: ignore[method-assign]
        PollMailJob(service, stop).run_once()
        ProcessJob(service, stop).run_once()
        return
    real_transport = service.transport()
    service.transport = lambda: DyingTransport(real_transport, before=point == "before_send")  # type: ignore[method-assign]
    OutboxJob(service, stop).run_once()


if __name__ == "__main__":
    main(*sys.argv[1:4])
