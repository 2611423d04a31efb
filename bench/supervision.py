"""The supervision job's round over many open cases, against the bare deadline computation.

N open cases (accepted, transferred, half of them acknowledged) are written straight into a
fresh SQLite store; then, in the same run:

1. floor: ``compute_deadlines`` alone over every case's history (no store), the pure work;
2. first round: ``run_supervision`` creates every deadline row (in office hours, so the ladder
   is climbed too);
3. steady round: the same again, nothing to change — what the daemon pays every 10 minutes.

    .venv/bin/python bench/supervision.py [--cases N]

There is no target in the issue; the figures say how often the job can run for a given load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import parse_settings  # noqa: E402
from core.clock import CHINA_TZ, FixedClock  # noqa: E402
from daemon.service import Service  # noqa: E402
from processing.deadlines import HistoryEvent, compute_deadlines  # noqa: E402
from processing.supervision_run import run_supervision  # noqa: E402
from store.db import transaction  # noqa: E402
from store.models import Case, CaseEvent  # noqa: E402

START = dt.datetime(2026, 9, 1, 9, 0, tzinfo=CHINA_TZ)


def populate(service: Service, count: int) -> list[list[HistoryEvent]]:
    histories = []
    with transaction(service.sessions) as session:
        for n in range(count):
            at = START + dt.timedelta(hours=3 * n)
            case = Case(
                number=f"YCSX-2026-{n + 1:06d}",
                status="acknowledged" if n % 2 else "transferred",
                channel="email",
                received_at=at,
                unit_code="yanhu",
                credit_office_code="yanhu-credit",
                complainant_email=f"c{n}@example.com",
                created_at=at,
                updated_at=at,
            )
            session.add(case)
            session.flush()
            kinds = ["accept", "transfer"] + (["acknowledge"] if n % 2 else [])
            events = []
            for i, kind in enumerate(kinds):
                event = CaseEvent(
                    case_id=case.id,
                    at=at + dt.timedelta(minutes=i),
                    actor="system",
                    kind=kind,
                    data={"unit": "yanhu"},
                )
                session.add(event)
                events.append(event)
            session.flush()
            histories.append([HistoryEvent(e.id, e.kind, e.at, None, e.data or {}) for e in events])
    return histories


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="zwsx-bench-supervision-"))
    settings = parse_settings(
        {"service": {"base_dir": str(base)}, "database": {"url": f"sqlite:///{base / 'b.db'}"}}
    )
    clock = FixedClock(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC))  # Wed 10:00 Beijing
    service = Service(settings, clock=clock, environ={"ZWSX_TOKEN_SECRET": "bench"})
    histories = populate(service, args.cases)
    wf = service.workflow
    calendar = wf.calendar

    started = time.perf_counter()
    for history in histories:
        compute_deadlines(history, calendar, wf.rules)
    floor = time.perf_counter() - started

    started = time.perf_counter()
    first = run_supervision(service.sessions, wf)
    first_time = time.perf_counter() - started

    started = time.perf_counter()
    steady = run_supervision(service.sessions, wf)
    steady_time = time.perf_counter() - started

    n = args.cases
    print(f"cases: {n}")
    print(f"floor  compute_deadlines only : {floor:7.2f} s  {n / floor:8.0f} cases/s")
    print(f"first  round (rows + letters) : {first_time:7.2f} s  {n / first_time:8.0f} cases/s")
    print(f"       {first.summary()}")
    print(f"steady round (nothing changes): {steady_time:7.2f} s  {n / steady_time:8.0f} cases/s")
    print(f"       {steady.summary()}")
    service.close()


if __name__ == "__main__":
    main()
