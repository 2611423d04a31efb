"""Every town and every unambiguous village of Yuncheng routes to its county (generated from
the whole divisions file), and ambiguous names are resolved by context or reported, never guessed.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from processing.places import Division, PlaceIndex, find_places, read_divisions, spellings
from processing.route import Router

DIVISIONS = read_divisions()
ZONE_TOWN = "运城经济技术开发区"
SENTENCE = "{place}的干部答应给我们的补偿款一直没有兑现，请上级督促。"


def expected_unit(router: Router, division: Division) -> str:
    """The county, except inside the development zone, which handles its own territory."""
    if division.town_name == ZONE_TOWN or division.name == ZONE_TOWN:
        return "kaifaqu"
    return next(u.code for u in router.registry if u.division_code == division.county_code)


def unambiguous_spellings(index: PlaceIndex) -> list[tuple[str, Division]]:
    """Each town or village spelling that names divisions of one county only."""
    cases = []
    for division in DIVISIONS:
        if division.level == "county":
            continue
        for spelling in sorted(spellings(division.name, division.level)):
            found = index.lookup(spelling)
            if found and len({d.county_code for d in found}) == 1 and division in found:
                cases.append((spelling, division))
    return cases


def test_every_town_and_unambiguous_village_routes_to_its_county(router: Router) -> None:
    cases = unambiguous_spellings(router.places)
    towns = {d.code for _, d in cases if d.level == "town"}
    assert len(towns) == sum(1 for d in DIVISIONS if d.level == "town")  # no town left out
    wrong = []
    for spelling, division in cases:
        decision = router.route("", SENTENCE.format(place=spelling))
        if decision.unit_code != expected_unit(router, division):
            wrong.append(f"{spelling}（{division.county_name}）→{decision.unit_code}")
    assert not wrong, f"{len(wrong)} of {len(cases)} misrouted: {wrong[:20]}"
    assert len(cases) > 4000


def test_every_official_village_name_is_unambiguous_or_reported() -> None:
    counties_by_name: defaultdict[str, set[str]] = defaultdict(set)
    for division in DIVISIONS:
        counties_by_name[division.name].add(division.county_code)
    shared = [n for n, c in counties_by_name.items() if len(c) > 1]
    assert 150 < len(shared) < 250  # the README counts 193 such names


def test_ambiguous_village_is_reported_not_guessed(router: Router) -> None:
    decision = router.route("", "大李村的村干部把低保名额给了自己亲戚")
    assert any("多地同名" in reason for reason in decision.reasons)
    assert decision.unit_code not in {u.code for u in router.registry.of_kind("county")}


@pytest.mark.parametrize("context", ["town", "county"])
def test_ambiguous_village_resolved_by_its_town_or_county(router: Router, context: str) -> None:
    name = "大李村委会"
    candidates = [d for d in DIVISIONS if d.name == name]
    assert len({d.county_code for d in candidates}) > 1
    target = candidates[0]
    where = target.town_name if context == "town" else target.county_name
    decision = router.route("", f"{where}{name[:-2]}的干部克扣补偿款")
    assert decision.unit_code == expected_unit(router, target), decision.reasons


def test_everyday_words_are_not_places(router: Router) -> None:
    mentions = find_places(
        router.tokenize("", "今天太阳很大，城区的古城墙很漂亮")[0], router.places
    )
    assert mentions == ()


def test_bare_rare_town_stem_is_a_place(router: Router) -> None:
    decision = router.route("", "解州的干部答应的补偿款一直没有发")
    assert decision.unit_code == "yanhu"
