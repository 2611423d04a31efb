"""Training data from confirmed history, and stored model versions (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from processing.learning import (
    activate_model,
    active_version,
    collect_examples,
    import_history,
    load_active_model,
    next_version,
    store_model,
)
from processing.model import LinearModel
from store.db import make_engine, make_sessionmaker, migrate, normalise_url, transaction
from store.models import Case, CaseEvent, RouteLabel, RouteModel

NOW = dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC)
REGISTRY = load_registry(DEFAULT_UNITS_FILE)


@pytest.fixture
def sessions(database_url: str, tmp_path: Path):
    engine = make_engine(normalise_url(database_url, base_dir=tmp_path))
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def tiny_model(version: str) -> LinearModel:
    return LinearModel(
        version=version,
        classes=("城乡建设", "教育文体"),
        words=("物业", "学校"),
        idf=np.ones(2),
        weights=np.array([[1.0, -1.0], [-1.0, 1.0]]),
        bias=np.zeros(2),
        meta={"examples": 2},
    )


def add_case(session, number: str, unit: str, *, acknowledged: bool = False) -> Case:
    case = Case(
        number=number,
        status="transferred",
        channel="email",
        received_at=NOW,
        title=f"标题{number}",
        body=f"正文{number}",
        unit_code=unit,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(case)
    session.flush()
    if acknowledged:
        session.add(CaseEvent(case=case, at=NOW, actor=f"unit:{unit}", kind="acknowledge"))
    return case


def test_examples_come_from_clerks_departments_and_imports(sessions) -> None:
    with transaction(sessions) as session:
        corrected = add_case(session, "C1", "linyi")
        for unit, sector in (("hrss", ""), ("linyi", "教育文体")):  # the latest route wins
            session.add(
                RouteLabel(
                    case_id=corrected.id,
                    created_at=NOW,
                    actor="staff:a",
                    source="staff_route",
                    unit_code=unit,
                    sector=sector,
                )
            )
        add_case(session, "C2", "housing", acknowledged=True)  # a department accepted it
        add_case(session, "C3", "yanhu", acknowledged=True)  # territory only: no sector
        result = import_history(
            session, [("t", "物业费", "housing", "城乡建设")] * 2, actor="staff:a", now=NOW
        )
    assert (result.added, result.already) == (1, 1)
    with sessions() as session:
        examples = collect_examples(session, REGISTRY)
    assert [(e.title, e.sector, e.source) for e in examples] == [
        ("标题C1", "教育文体", "staff_route"),
        ("标题C2", "城乡建设", "acknowledged"),
        ("t", "城乡建设", "import"),
    ]


def test_models_are_versioned_and_one_is_active(sessions) -> None:
    with transaction(sessions) as session:
        assert next_version(session, NOW) == "v1-20261125"
        store_model(session, tiny_model("v1"), created_by="staff:a", now=NOW, activate=True)
        store_model(session, tiny_model("v2"), created_by="staff:a", now=NOW, activate=True)
        assert next_version(session, NOW) == "v3-20261125"
    with sessions() as session:
        assert active_version(session) == "v2"
        loaded = load_active_model(session)
    assert loaded is not None and loaded.classes == ("城乡建设", "教育文体")
    assert loaded.predict(["物业"]).probabilities["城乡建设"] > 0.5
    with transaction(sessions) as session:
        activate_model(session, "v1")  # back to the earlier version
        with pytest.raises(LookupError, match="v9"):
            activate_model(session, "v9")
    with sessions() as session:
        assert active_version(session) == "v1"
        assert sum(m.active for m in session.scalars(select(RouteModel))) == 1


def test_a_damaged_model_is_refused(sessions) -> None:
    with transaction(sessions) as session:
        row = store_model(session, tiny_model("v1"), created_by="a", now=NOW, activate=True)
        row.sha256 = "0" * 64
    with sessions() as session, pytest.raises(ValueError, match="校验不符"):
        load_active_model(session)


def test_the_service_reloads_a_newly_activated_model(make_settings, make_service) -> None:
    service = make_service(make_settings())
    assert service.load_route_model() == ""
    with transaction(service.sessions) as session:
        store_model(session, tiny_model("v7"), created_by="a", now=NOW, activate=True)
    assert service.load_route_model() == "v7"
    assert service.route_model.version == "v7"
    with transaction(service.sessions) as session:
        session.scalars(select(RouteModel)).one().sha256 = "0" * 64
        store_model(session, tiny_model("v8"), created_by="a", now=NOW, activate=False)
        session.flush()
        activate_model(session, "v8")
    assert service.load_route_model() == "v8"
