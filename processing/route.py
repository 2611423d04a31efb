"""Routing (Art. 6, 13): pick the handling unit and the coordinating credit office.

A jieba tokenizer with a user dictionary of unit names, aliases, sector keywords and Yuncheng
place names turns the complaint into tokens; three kinds of evidence are then weighed:

1. the respondent named in the text (a unit name or alias; "盐湖区住建局" is county-level);
2. places (county, town, village), which make the matter county-level (Art. 6: territory);
3. sector keywords, which point to a city department (Art. 6: sector).

The decision explains itself (which words, which places) and carries a confidence; below the
configured threshold the case waits for a clerk. Routing is a pure function of the text.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from config.units import Unit, UnitRegistry
from processing.places import PlaceIndex

log = logging.getLogger(__name__)

Scores = defaultdict[str, float]

# Weights of each kind of evidence, per occurrence.
RESPONDENT_WEIGHT = 5.0
COUNTY_PLACE_WEIGHT = 3.0
TOWN_PLACE_WEIGHT = 3.0
VILLAGE_PLACE_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class RouteDecision:
    unit_code: str
    credit_office_code: str
    confidence: float
    reasons: tuple[str, ...]
    respondent: str = ""
    scores: dict[str, float] = field(default_factory=dict)


def _make_tokenizer(words: Iterable[str], cache_dir: Path | None) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir or Path(tempfile.gettempdir()))
    tokenizer.initialize()
    for word in sorted(set(words)):
        if len(word) >= 2:
            tokenizer.add_word(word, freq=200000)
    return tokenizer


class KeywordRouter:
    """Curated-vocabulary router over jieba tokens."""

    def __init__(
        self,
        registry: UnitRegistry,
        places: PlaceIndex,
        *,
        fallback_unit: str,
        city_credit_office: str,
        cache_dir: Path | None = None,
    ) -> None:
        self.registry = registry
        self.places = places
        self.fallback_unit = fallback_unit
        self.city_credit_office = city_credit_office
        self._alias_units: dict[str, list[Unit]] = defaultdict(list)
        self._keyword_units: dict[str, list[Unit]] = defaultdict(list)
        self._county_by_division = {
            u.division_code: u for u in registry.of_kind("county") if u.division_code
        }
        for unit in registry:
            if not unit.is_handling_unit:
                continue
            for name in unit.names:
                self._alias_units[name].append(unit)
            for keyword in unit.keywords:
                self._keyword_units[keyword].append(unit)
        words = [*self._alias_units, *self._keyword_units, *places.names()]
        self._tokenizer = _make_tokenizer(words, cache_dir)

    def tokens(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.lcut(text, HMM=False) if t.strip()]

    def route(self, title: str, text: str) -> RouteDecision:
        tokens = self.tokens(f"{title}\n{text}")
        scores: defaultdict[str, float] = defaultdict(float)
        reasons: list[str] = []
        respondent = self._score_respondents(tokens, scores, reasons)
        self._score_places(tokens, scores, reasons)
        self._score_keywords(tokens, scores, reasons)
        return self._decide(scores, reasons, respondent)

    def _county_for(self, token_index: int, tokens: list[str]) -> Unit | None:
        """The county named right before a department alias ("盐湖区" + "住建局")."""
        for back in (1, 2):
            if token_index - back < 0:
                break
            for division in self.places.lookup(tokens[token_index - back]):
                if division.level == "county":
                    return self._county_by_division.get(division.county_code)
        return None

    def _score_respondents(self, tokens: list[str], scores: Scores, reasons: list[str]) -> str:
        respondent = ""
        for i, token in enumerate(tokens):
            for unit in self._alias_units.get(token, ()):
                target = unit
                if unit.kind == "department" and not token.startswith(("市", "运城市")):
                    target = self._county_for(i, tokens) or unit
                scores[target.code] += RESPONDENT_WEIGHT
                reasons.append(f"被投诉单位“{token}”→{target.name}")
                respondent = respondent or token
        return respondent

    def _score_places(self, tokens: list[str], scores: Scores, reasons: list[str]) -> None:
        weights = {
            "county": COUNTY_PLACE_WEIGHT,
            "town": TOWN_PLACE_WEIGHT,
            "village": VILLAGE_PLACE_WEIGHT,
        }
        for token in tokens:
            if token in self._alias_units:
                continue  # already counted as a respondent
            divisions = self.places.lookup(token)
            counties = {d.county_code for d in divisions}
            if not counties:
                continue
            share = 1.0 / len(counties)
            for county_code in counties:
                unit = self._county_by_division.get(county_code)
                if unit is None:
                    continue
                level = min(
                    divisions, key=lambda d: ("county", "town", "village").index(d.level)
                ).level
                scores[unit.code] += weights[level] * share
            names = "、".join(sorted({d.county_name for d in divisions}))
            ambiguous = "（多地同名）" if len(counties) > 1 else ""
            reasons.append(f"地名“{token}”→{names}{ambiguous}")

    def _score_keywords(self, tokens: list[str], scores: Scores, reasons: list[str]) -> None:
        hits: Counter[str] = Counter()
        for token in tokens:
            for unit in self._keyword_units.get(token, ()):
                scores[unit.code] += KEYWORD_WEIGHT
                hits[f"{token}→{unit.name}"] += 1
        reasons.extend(f"关键词“{hit}”" for hit, _ in hits.most_common(5))

    def _decide(self, scores: Scores, reasons: list[str], respondent: str) -> RouteDecision:
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return self._fallback(("未找到可判断承办单位的单位名称、地名或关键词",))
        best_code, best = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        # Confidence: how much evidence, and how clearly the best beats the runner-up.
        margin = (best - second) / best
        amount = min(1.0, best / RESPONDENT_WEIGHT)
        confidence = round(margin * amount, 3)
        unit = self.registry.get(best_code)
        return RouteDecision(
            unit_code=unit.code,
            credit_office_code=unit.credit_office or self.city_credit_office,
            confidence=confidence,
            reasons=tuple(dict.fromkeys(reasons)),
            respondent=respondent,
            scores={code: round(score, 3) for code, score in ranked[:5]},
        )

    def _fallback(self, reasons: tuple[str, ...]) -> RouteDecision:
        unit = self.registry.get(self.fallback_unit)
        return RouteDecision(
            unit_code=unit.code,
            credit_office_code=unit.credit_office or self.city_credit_office,
            confidence=0.0,
            reasons=reasons,
        )
