"""Place names of Yuncheng (counties, towns, villages) for place-based routing (Art. 6: territory).

People rarely write the committee suffix ("大李村" for 大李村委会, "解州" for 解州镇), so each
division is indexed under its official name and its common short forms. A bare town stem that is
also an everyday word (太阳, 城区, 古城) is not indexed: only "太阳乡" names the place.

A name shared by divisions of several counties is resolved by the other places in the same text
(a town or county that contains one of them); otherwise it is reported as ambiguous and never
guessed.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "config" / "divisions.csv"

LEVELS = ("county", "town", "village")

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
    town_code: str = ""


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """One place name found in a text, and what it was resolved to."""

    text: str
    candidates: tuple[Division, ...]
    resolved: Division | None
    how: str  # 唯一 | 由所在乡镇确定 | 由所在县确定 | 多地同名

    @property
    def ambiguous(self) -> bool:
        return self.resolved is None

    def describe(self) -> str:
        if self.resolved is not None:
            d = self.resolved
            where = d.county_name + (d.town_name if d.level == "village" else "")
            suffix = "" if self.how == "唯一" else f"（{self.how}）"
            return f"地名“{self.text}”→{where}{suffix}"
        counties = "、".join(sorted({c.county_name for c in self.candidates}))
        return f"地名“{self.text}”多地同名（{counties}），未能确定所属县（市、区）"


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
                town_code=row.get("town_code") or "",
            )
            for row in csv.DictReader(handle)
        ]


def build_place_index(
    divisions: Iterable[Division], *, is_common_word: Callable[[str], bool] | None = None
) -> PlaceIndex:
    """Index each division under its spellings. A bare town stem that ``is_common_word`` (an
    everyday word such as 太阳 or 城区) is left out: it would route ordinary sentences."""
    common = is_common_word or (lambda _word: False)
    index: dict[str, list[Division]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for division in divisions:
        for spelling in spellings(division.name, division.level):
            bare_stem = division.level == "town" and not spelling.endswith(("镇", "乡", "街道"))
            if bare_stem and spelling != division.name and common(spelling):
                continue
            if (spelling, division.code) not in seen:
                seen.add((spelling, division.code))
                index[spelling].append(division)
    return PlaceIndex({k: tuple(v) for k, v in index.items()})


def _most_specific(divisions: Sequence[Division]) -> tuple[Division, ...]:
    """A spelling that is both a town and a village of the same county means the town."""
    best = min(LEVELS.index(d.level) for d in divisions)
    return tuple(d for d in divisions if LEVELS.index(d.level) == best)


def _resolve(
    text: str, candidates: tuple[Division, ...], towns: set[str], counties: set[str]
) -> PlaceMention:
    if len({d.county_code for d in candidates}) == 1:
        return PlaceMention(text, candidates, _most_specific(candidates)[0], "唯一")
    in_town = tuple(d for d in candidates if d.town_code and d.town_code in towns)
    if len({d.code for d in in_town}) == 1:
        return PlaceMention(text, candidates, in_town[0], "由所在乡镇确定")
    pool = in_town or candidates
    in_county = tuple(d for d in pool if d.county_code in counties)
    if len({d.county_code for d in in_county}) == 1:
        return PlaceMention(text, candidates, _most_specific(in_county)[0], "由所在县确定")
    return PlaceMention(text, candidates, None, "多地同名")


def find_places(tokens: Iterable[str], index: PlaceIndex) -> tuple[PlaceMention, ...]:
    """Place names among ``tokens`` (in order of first mention), each resolved by the others."""
    names = index.by_name
    # Distinct tokens first (in C), then only the place names among them.
    found = {token: names[token] for token in dict.fromkeys(tokens) if token in names}
    # Context: the towns and counties that are named without doubt.
    towns: set[str] = set()
    counties: set[str] = set()
    for candidates in found.values():
        if len({d.county_code for d in candidates}) == 1:
            counties.add(candidates[0].county_code)
            towns.update(d.code for d in candidates if d.level == "town")
    return tuple(_resolve(text, c, towns, counties) for text, c in found.items())
