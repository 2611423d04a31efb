"""Human-friendly unique case numbers: PREFIX-YEAR-NNNNNN (YCSX-2026-000042).

The counter row is incremented with UPDATE … RETURNING inside the caller's transaction, so two
daemon instances on PostgreSQL serialise on the row lock and never hand out the same number.
"""

from __future__ import annotations

import re

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import CaseCounter

NUMBER_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-(\d{4})-(\d{6,})\b")


def format_case_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year:04d}-{seq:06d}"


def _increment(session: Session, prefix: str, year: int) -> int | None:
    stmt = (
        update(CaseCounter)
        .where(CaseCounter.prefix == prefix, CaseCounter.year == year)
        .values(last_seq=CaseCounter.last_seq + 1)
        .returning(CaseCounter.last_seq)
    )
    return session.execute(stmt).scalar_one_or_none()


def next_case_number(session: Session, prefix: str, year: int) -> str:
    """Allocate the next number for ``prefix`` and ``year`` in the current transaction."""
    seq = _increment(session, prefix, year)
    if seq is None:
        try:
            with session.begin_nested():
                session.execute(insert(CaseCounter).values(prefix=prefix, year=year, last_seq=1))
            seq = 1
        except IntegrityError:  # another instance created the row first
            seq = _increment(session, prefix, year)
            assert seq is not None
    return format_case_number(prefix, year, seq)


def find_case_numbers(text: str, prefix: str) -> list[str]:
    """Every case number with ``prefix`` in ``text``, in order of appearance, without repeats."""
    seen: list[str] = []
    for match in NUMBER_RE.finditer(text or ""):
        if match.group(1) == prefix and match.group(0) not in seen:
            seen.append(match.group(0))
    return seen
