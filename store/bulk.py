"""Bulk inserts for intake of large files: one driver-level executemany per batch.

SQLAlchemy's Core executemany spends about as long per row on bind bookkeeping as the database
spends storing it. Here each column's bind processor (the same conversion the model declares:
aware datetimes to UTC, JSON serialisation) is looked up once per statement and applied in a
plain loop; columns given one value for the whole batch are converted once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table


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
    names = list(rows[0].keys())
    values_of = itemgetter(*names)
    values = [values_of(row) for row in rows] if len(names) > 1 else [(r[names[0]],) for r in rows]
    insert_values(connection, table, names, values, constants=constants, serialised=serialised)


def insert_values(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    serialised: tuple[str, ...] = (),
) -> None:
    """``bulk_insert`` for rows given as tuples of the columns ``names``, in that order."""
    if not rows:
        return
    constants = dict(constants or {})
    dialect = connection.dialect
    processors = [None if n in serialised else _processor(table, n, dialect) for n in names]
    fixed = []
    for name, value in constants.items():
        process = _processor(table, name, dialect)
        fixed.append(process(value) if process else value)
    marker, quote = _marker_and_quote(dialect)
    # Only table and column names from the model are interpolated, quoted; values are bound.
    all_names = [*names, *constants]
    columns = ", ".join(quote(n) for n in all_names)
    markers = ", ".join([marker] * len(all_names))
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({markers})"  # noqa: S608
    if not any(processors):  # text and numbers: nothing to convert
        params = [(*row, *fixed) for row in rows]
    else:
        params = [
            (
                *(
                    p(v) if p is not None and v is not None else v
                    for v, p in zip(row, processors, strict=True)
                ),
                *fixed,
            )
            for row in rows
        ]
    connection.exec_driver_sql(sql, params)


def lookup(
    connection: Connection, table: Table, key: str, value: str, keys: Sequence[str]
) -> dict[str, Any]:
    """``{key: value}`` of the rows whose ``key`` column is one of ``keys`` (raw values, no
    result processing), in statements of at most 900 keys (SQLite's default variable limit)."""
    marker, quote = _marker_and_quote(connection.dialect)
    found: dict[str, Any] = {}
    for start in range(0, len(keys), 900):
        chunk = tuple(keys[start : start + 900])
        sql = (
            f"SELECT {quote(key)}, {quote(value)} FROM {quote(table.name)} "  # noqa: S608
            f"WHERE {quote(key)} IN ({', '.join([marker] * len(chunk))})"
        )
        found.update(tuple(row) for row in connection.exec_driver_sql(sql, chunk))
    return found


def _processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind conversion for this dialect, as the ORM applies it (for SQLite the
    datetime text SQLAlchemy writes, always with microseconds, not the driver's adaptation)."""
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


def _marker_and_quote(dialect: Dialect) -> tuple[str, Callable[[str], str]]:
    """The driver's parameter marker, and the quoting of table and column names."""
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    return marker, dialect.identifier_preparer.quote
