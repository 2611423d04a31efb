"""The store on SQLite and PostgreSQL: migrations, case numbers, append-only events, UTC times."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from store.bulk import insert_values
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction
from store.models import AppendOnlyViolation, Case, CaseEvent, Submission
from store.numbering import find_case_numbers, next_case_number

NOW = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def sessions(database_url: str, tmp_path: Path):
    engine = make_engine(normalise_url(database_url, base_dir=tmp_path))
    migrate(engine)
    migrate(engine)  # idempotent on every start
    yield make_sessionmaker(engine)
    engine.dispose()


def new_case(number: str) -> Case:
    return Case(
        number=number,
        status="received",
        channel="email",
        received_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def test_migrations_create_all_tables(sessions) -> None:
    tables = set(inspect(sessions.kw["bind"]).get_table_names())
    assert {
        "submissions",
        "cases",
        "case_events",
        "outbox",
        "mailbox_state",
        "case_counters",
    } <= tables


def test_case_numbers_are_sequential_per_year(sessions) -> None:
    with transaction(sessions) as session:
        numbers = [next_case_number(session, "YCSX", 2026) for _ in range(3)]
        numbers.append(next_case_number(session, "YCSX", 2027))
    assert numbers == [
        "YCSX-2026-000001",
        "YCSX-2026-000002",
        "YCSX-2026-000003",
        "YCSX-2027-000001",
    ]


def test_concurrent_allocation_never_repeats(sessions) -> None:
    results: list[str] = []
    lock = threading.Lock()

    def allocate() -> None:
        for _ in range(5):
            with transaction(sessions) as session:
                number = next_case_number(session, "YCSX", 2026)
            with lock:
                results.append(number)

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and len(set(results)) == 20


def test_events_are_append_only(sessions) -> None:
    with transaction(sessions) as session:
        case = new_case("YCSX-2026-000009")
        session.add(case)
        session.add(CaseEvent(case=case, at=NOW, actor="system", kind="received"))
    with sessions() as session:
        event = session.scalars(select(CaseEvent)).one()
        event.note = "rewritten history"
        with pytest.raises(AppendOnlyViolation):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(CaseEvent)).one())
        with pytest.raises(AppendOnlyViolation):
            session.flush()


def test_datetimes_come_back_aware_utc(sessions) -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    with transaction(sessions) as session:
        case = new_case("YCSX-2026-000010")
        case.received_at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=beijing)
        session.add(case)
    with sessions() as session:
        stored = session.scalars(select(Case)).one().received_at
    assert stored == dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
    assert stored.tzinfo is not None


def test_naive_datetimes_are_refused(sessions) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(sessions) as session:
        case = new_case("YCSX-2026-000011")
        case.received_at = dt.datetime(2026, 11, 25, 9, 0)
        session.add(case)


def test_find_case_numbers() -> None:
    subject = "回复：【YCSX-2026-000042】转办函 / 另见 YCSX-2026-000042 和 ABC-2026-000001"
    assert find_case_numbers(subject, "YCSX") == ["YCSX-2026-000042"]


@pytest.mark.parametrize("received", [NOW, NOW.replace(microsecond=120)])
def test_bulk_insert_stores_times_as_the_orm_does(sessions, received: dt.datetime) -> None:
    """Rows inserted in bulk store times as the ORM does. On SQLite the driver's own adaptation
    left out zero microseconds ("01:00:00" beside the ORM's "01:00:00.000000"), and such text
    compares wrongly with times the ORM wrote."""
    file_columns = {
        "channel": "hotline",
        "sha256": "a" * 64,
        "size": 1,
        "archive_path": "ab/cd.xlsx",
        "received_at": received,
        "status": "pending",
        "attempts": 0,
    }
    with transaction(sessions) as session:
        session.add(Submission(source_key="orm", **file_columns))
        session.flush()
        table: Any = Submission.__table__
        connection = session.connection()
        insert_values(connection, table, ("source_key",), [("bulk",)], constants=file_columns)
    with sessions() as session:
        raw = session.connection().exec_driver_sql(
            "SELECT received_at FROM submissions ORDER BY source_key"
        )
        bulk, orm = [row[0] for row in raw]
        stored = session.scalars(select(Submission.received_at)).all()
    assert bulk == orm
    assert stored == [received, received]
