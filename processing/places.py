"""Place names of Yuncheng (counties, towns, villages) for place-based routing.

People rarely write the committee suffix ("大李村" for 大李村委会, "解州" for 解州镇), so each
division is indexed under its official name and its common short forms. A name shared by
villages of several counties maps to all of them; the router treats that as weak evidence.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "config" / "divisions.csv"

_SUFFIXES = (
    ("社区居民委员会", "社区"),
    ("村民委员会", "村"),
    ("社区居委会", "社区"),
    ("居委会", ""),
    ("村委会", "村"),
    ("街道办事处", ""),
    ("街道", ""),
    ("镇", ""),
    ("乡", ""),
)


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str
    level: str  # county | town | village
    county_code: str
    county_name: str
    town_name: str


@dataclass(frozen=True)
class PlaceIndex:
    """Every indexed spelling → the divisions it may mean."""

    by_name: Mapping[str, tuple[Division, ...]]

    def lookup(self, name: str) -> tuple[Division, ...]:
        return self.by_name.get(name, ())

    def names(self) -> Iterable[str]:
        return self.by_name.keys()


def spellings(name: str, level: str) -> set[str]:
    """The official name and the short forms people write for it."""
    found = {name}
    if level == "county":
        if len(name) > 2:
            found.add(name[:-1])  # 临猗县 → 临猗; 绛县 and 夏县 stay whole
        return found
    for suffix, replacement in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            short = stem + replacement
            if len(short) >= 2:
                found.add(short)
            if level == "town" and len(stem) >= 2:
                found.add(stem)
            break
    return found


def read_divisions(path: Path = DIVISIONS_FILE) -> list[Division]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Division(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                county_code=row["county_code"],
                county_name=row["county_name"],
                town_name=row.get("town_name") or "",
            )
            for row in csv.DictReader(handle)
        ]


def build_place_index(divisions: Iterable[Division]) -> PlaceIndex:
    index: dict[str, list[Division]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for division in divisions:
        for spelling in spellings(division.name, division.level):
            if (spelling, division.code) not in seen:
                seen.add((spelling, division.code))
                index[spelling].append(division)
    return PlaceIndex({k: tuple(v) for k, v in index.items()})
