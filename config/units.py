"""The units registry: handling units, credit offices and their addresses (Art. 5, 6, 13)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

UnitKind = Literal["county", "zone", "department", "credit_office"]
UNIT_KINDS: tuple[UnitKind, ...] = ("county", "zone", "department", "credit_office")

KIND_LABELS: Mapping[str, str] = {
    "county": "县（市、区）人民政府",
    "zone": "开发区管委会",
    "department": "市直部门",
    "credit_office": "信用办",
}


@dataclass(frozen=True, slots=True)
class Unit:
    """One organisation the service can route to or correspond with."""

    code: str
    name: str
    kind: UnitKind
    email: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    credit_office: str = ""
    division_code: str = ""
    sector: str = ""

    @property
    def is_handling_unit(self) -> bool:
        """Art. 6: counties, the zone and departments rectify; credit offices coordinate."""
        return self.kind != "credit_office"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class RegistryError(Exception):
    """The registry file is unusable; ``problems`` says why, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class UnitRegistry:
    """All units, by code, in file order."""

    units: tuple[Unit, ...]
    _by_code: dict[str, Unit] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {u.code: u for u in self.units})

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Unit:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"单位名录中没有代码为 {code!r} 的单位") from None

    def find(self, code: str | None) -> Unit | None:
        return self._by_code.get(code) if code else None

    def by_email(self, address: str) -> list[Unit]:
        """Units whose registered contact address is ``address`` (case-insensitive)."""
        wanted = address.strip().lower()
        return [u for u in self.units if u.email.lower() == wanted]

    def of_kind(self, *kinds: UnitKind) -> list[Unit]:
        return [u for u in self.units if u.kind in kinds]

    def with_addresses(self, overrides: Mapping[str, str]) -> UnitRegistry:
        """A copy with deployment-specific contact addresses applied."""
        unknown = sorted(set(overrides) - set(self._by_code))
        if unknown:
            raise RegistryError(
                [f"units.addresses 中的单位代码在名录中不存在：{', '.join(unknown)}"]
            )
        return UnitRegistry(
            tuple(replace(u, email=overrides.get(u.code, u.email)) for u in self.units)
        )


def _as_strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value or ())


def _parse_unit(index: int, raw: Mapping[str, Any]) -> tuple[Unit | None, list[str]]:
    problems = []
    where = f"第 {index} 个单位（{raw.get('name') or raw.get('code') or '无名称'}）"
    for key in ("code", "name", "kind", "email"):
        if not str(raw.get(key, "")).strip():
            problems.append(f"{where}缺少 {key}")
    if raw.get("kind") and raw.get("kind") not in UNIT_KINDS:
        problems.append(f"{where}的 kind 应为 {', '.join(UNIT_KINDS)} 之一")
    if raw.get("email") and "@" not in str(raw.get("email")):
        problems.append(f"{where}的联系邮箱格式不正确：{raw.get('email')}")
    if problems:
        return None, problems
    unit = Unit(
        code=str(raw["code"]).strip(),
        name=str(raw["name"]).strip(),
        kind=raw["kind"],
        email=str(raw["email"]).strip(),
        aliases=_as_strings(raw.get("aliases")),
        keywords=_as_strings(raw.get("keywords")),
        credit_office=str(raw.get("credit_office", "")).strip(),
        division_code=str(raw.get("division_code", "")).strip(),
        sector=str(raw.get("sector", "")).strip(),
    )
    return unit, []


def _check_references(units: Iterable[Unit]) -> list[str]:
    units = list(units)
    codes: dict[str, int] = {}
    for u in units:
        codes[u.code] = codes.get(u.code, 0) + 1
    problems = [f"单位代码重复：{c}" for c, n in codes.items() if n > 1]
    for u in units:
        if u.credit_office and u.credit_office not in codes:
            problems.append(f"单位 {u.code} 的 credit_office 指向不存在的单位：{u.credit_office}")
    return problems


def parse_registry(data: Mapping[str, Any]) -> UnitRegistry:
    raw_units = data.get("unit")
    if not isinstance(raw_units, list) or not raw_units:
        raise RegistryError(["单位名录中没有任何 [[unit]] 条目"])
    units, problems = [], []
    for index, raw in enumerate(raw_units, start=1):
        unit, unit_problems = _parse_unit(index, raw)
        problems.extend(unit_problems)
        if unit:
            units.append(unit)
    problems.extend(_check_references(units))
    if problems:
        raise RegistryError(problems)
    return UnitRegistry(tuple(units))


def load_registry(path: Path, *, addresses: Mapping[str, str] | None = None) -> UnitRegistry:
    """Read the registry TOML file and apply per-deployment address overrides."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError([f"找不到单位名录文件：{path}"]) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RegistryError([f"无法读取单位名录文件 {path}：{error}"]) from None
    registry = parse_registry(data)
    return registry.with_addresses(addresses or {})
