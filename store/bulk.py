"""Bulk inserts for intake of large files: one driver-level executemany per batch.

SQLAlchemy's Core executemany spends about as long per row on bind bookkeeping as the database
spends storing it. Here each column's bind processor (the same conversion the model declares:
aware datetimes to UTC, JSON serialisation) is looked up once per statement and applied in a
plain loop; columns given one value for the whole batch are converted once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table


def bulk_insert(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    serialised: tuple[str, ...] = (),
) -> None:
    """Insert ``rows`` (per-row values) merged with ``constants`` (the same for every row).
    Columns named in ``serialised`` already hold their database form (JSON text made by the
    caller, who needed it anyway to hash it) and are passed through unconverted."""
    if not rows:
        return
    constants = dict(constants or {})
    dialect = connection.dialect
    varying = list(rows[0].keys())
    names = [*varying, *constants]
    processors = [
        None if name in serialised else table.c[name].type.bind_processor(dialect)
        for name in varying
    ]
    fixed = []
    for name, value in constants.items():
        process = table.c[name].type.bind_processor(dialect)
        fixed.append(process(value) if process else value)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    # Only table and column names from the model are interpolated, quoted; values are bound.
    columns, markers = ", ".join(quote(n) for n in names), ", ".join([marker] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608
    if not any(processors) and len(varying) > 1:  # text and numbers: nothing to convert
        values_of = itemgetter(*varying)
        params = [(*values_of(row), *fixed) for row in rows]
    else:
        params = []
        for row in rows:
            values = [
                p(row[n]) if p is not None and row[n] is not None else row[n]
                for n, p in zip(varying, processors, strict=True)
            ]
            params.append((*values, *fixed))
    connection.exec_driver_sql(sql, params)


def lookup(
    connection: Connection, table: Table, key: str, value: str, keys: Sequence[str]
) -> dict[str, Any]:
    """``{key: value}`` of the rows whose ``key`` column is one of ``keys`` (raw values, no
    result processing), in statements of at most 900 keys (SQLite's default variable limit)."""
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    found: dict[str, Any] = {}
    for start in range(0, len(keys), 900):
        chunk = tuple(keys[start : start + 900])
        sql = (
            f"SELECT {quote(key)}, {quote(value)} FROM {quote(table.name)} "  # noqa: S608
            f"WHERE {quote(key)} IN ({', '.join([marker] * len(chunk))})"
        )
        found.update(tuple(row) for row in connection.exec_driver_sql(sql, chunk))
    return found
