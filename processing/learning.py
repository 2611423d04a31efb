"""Learning from confirmed history: what trains the routing model, and its stored versions.

Training examples are (1) routes staff confirmed or corrected (``cases route``), the latest per
case; (2) cases a city department acknowledged (签收, Art. 13): it accepted the matter as its
sector's; (3) labelled history imported from a file (``model import``). A county's
acknowledgement confirms the territory, not the sector, so it trains nothing unless staff named
the sector.

Models are stored in the database (so every instance, and a standby taking over, uses the same
one), versioned, and exactly one is active; the service reloads it when that changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config.units import UnitRegistry
from processing.model import LinearModel
from store.models import Case, CaseEvent, RouteLabel, RouteModel


@dataclass(frozen=True, slots=True)
class Example:
    title: str
    text: str
    sector: str
    source: str  # staff_route | acknowledged | import


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    already: int


def import_key(title: str, text: str, label: str) -> str:
    return hashlib.sha256(f"{title}\0{text}\0{label}".encode()).hexdigest()


def import_history(
    session: Session,
    rows: Iterable[tuple[str, str, str, str]],
    *,
    actor: str,
    now: dt.datetime,
) -> ImportResult:
    """Store labelled history ``(title, text, unit_code, sector)``; the same row twice is kept
    once."""
    known = set(session.scalars(select(RouteLabel.import_key).where(RouteLabel.source == "import")))
    added = already = 0
    for title, text, unit_code, sector in rows:
        key = import_key(title, text, sector or unit_code)
        if key in known:
            already += 1
            continue
        known.add(key)
        session.add(
            RouteLabel(
                case_id=None,
                created_at=now,
                actor=actor,
                source="import",
                unit_code=unit_code,
                sector=sector,
                reason="导入的历史分办记录",
                title=title,
                text=text,
                import_key=key,
            )
        )
        added += 1
    return ImportResult(added, already)


def _staff_examples(session: Session, registry: UnitRegistry) -> dict[int, Example]:
    examples: dict[int, Example] = {}
    rows = session.execute(
        select(RouteLabel, Case)
        .join(Case, Case.id == RouteLabel.case_id)
        .where(RouteLabel.source == "staff_route")
        .order_by(RouteLabel.id)
    )
    for label, case in rows:
        unit = registry.find(label.unit_code)
        sector = label.sector or (unit.sector if unit is not None else "")
        if sector:
            examples[case.id] = Example(case.title, case.body, sector, "staff_route")
        else:
            examples.pop(case.id, None)  # a later route without a sector replaces an earlier one
    return examples


def _acknowledged_examples(
    session: Session, registry: UnitRegistry, skip: set[int]
) -> list[Example]:
    acknowledged = select(CaseEvent.case_id).where(CaseEvent.kind == "acknowledge")
    found = []
    for case in session.scalars(select(Case).where(Case.id.in_(acknowledged)).order_by(Case.id)):
        unit = registry.find(case.unit_code)
        if case.id not in skip and unit is not None and unit.kind == "department" and unit.sector:
            found.append(Example(case.title, case.body, unit.sector, "acknowledged"))
    return found


def collect_examples(session: Session, registry: UnitRegistry) -> list[Example]:
    staff = _staff_examples(session, registry)
    imported = [
        Example(label.title, label.text, label.sector, "import")
        for label in session.scalars(
            select(RouteLabel).where(RouteLabel.source == "import").order_by(RouteLabel.id)
        )
        if label.sector
    ]
    return [*staff.values(), *_acknowledged_examples(session, registry, set(staff)), *imported]


def describe_examples(examples: Iterable[Example]) -> dict[str, Mapping[str, int]]:
    items = list(examples)
    return {
        "sectors": dict(Counter(e.sector for e in items).most_common()),
        "sources": dict(Counter(e.source for e in items).most_common()),
    }


# -- stored models ---------------------------------------------------------------------------


def next_version(session: Session, now: dt.datetime) -> str:
    count = session.scalar(select(func.count()).select_from(RouteModel)) or 0
    return f"v{count + 1}-{now.strftime('%Y%m%d')}"


def store_model(
    session: Session, model: LinearModel, *, created_by: str, now: dt.datetime, activate: bool
) -> RouteModel:
    data = model.to_bytes()
    row = RouteModel(
        version=model.version,
        created_at=now,
        created_by=created_by,
        examples=int((model.meta or {}).get("examples", 0)),
        summary=dict(model.meta or {}),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        active=False,
    )
    session.add(row)
    session.flush()
    if activate:
        activate_model(session, model.version)
    return row


def activate_model(session: Session, version: str) -> RouteModel:
    row = session.scalars(select(RouteModel).where(RouteModel.version == version)).one_or_none()
    if row is None:
        raise LookupError(f"没有版本为 {version} 的分办模型")
    session.execute(update(RouteModel).where(RouteModel.id != row.id).values(active=False))
    row.active = True
    return row


def active_version(session: Session) -> str:
    return session.scalar(select(RouteModel.version).where(RouteModel.active)) or ""


def load_active_model(session: Session) -> LinearModel | None:
    row = session.scalars(select(RouteModel).where(RouteModel.active)).one_or_none()
    if row is None:
        return None
    if hashlib.sha256(row.data).hexdigest() != row.sha256:
        raise ValueError(f"分办模型 {row.version} 的数据校验不符，请重新训练或启用其他版本")
    return LinearModel.from_bytes(row.data)
