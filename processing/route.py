"""Routing (Art. 6, 13): the handling unit, the coordinating credit office and the sector.

One jieba tokenizer, with a user dictionary of unit names, aliases, Yuncheng place names and the
curated vocabulary, turns the complaint into tokens. Four kinds of evidence are then weighed:

1. the respondent named in the text (a unit name or alias; "盐湖区住建局" is county-level);
2. places (county, town, village; ambiguous names resolved by the others, never guessed), which
   make the matter county-level (Art. 6: territory);
3. the curated vocabularies (config/vocabulary.toml), which point to a sector and a department;
4. the learned model (``processing.model``), trained on confirmed history, also over sectors.

A county-level respondent or place decides the unit (the county or the zone rectifies within its
territory); otherwise a city department named in the text, otherwise the department answering
for the sector. The decision explains itself and carries a confidence; below the configured
threshold the case waits for a clerk. Routing is a pure function of the text.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from config.units import Unit, UnitRegistry
from processing.model import ModelHolder, Prediction
from processing.places import PlaceIndex, PlaceMention, find_places
from processing.tokenizer import RoutingTokenizer
from processing.vocabulary import TopicScore, Vocabulary, sector_scores

log = logging.getLogger(__name__)

# Confidence of each kind of decisive evidence.
RESPONDENT_CONFIDENCE = 0.95
PLACE_CONFIDENCE = 0.9
CITY_DEPARTMENT_CONFIDENCE = 0.9
# Vocabulary evidence saturates at two strong words.
VOCABULARY_SATURATION = 6.0
# Share of the curated vocabulary next to the learned model (tuned by route-eval, 5 folds).
VOCABULARY_SHARE = 0.3
CITY_PREFIXES = ("市", "运城市", "运城")
GOVERNMENT_WORDS = ("政府", "管委会")


@dataclass(frozen=True, slots=True)
class RouteDecision:
    unit_code: str
    credit_office_code: str
    confidence: float
    reasons: tuple[str, ...]
    respondent: str = ""
    sector: str = ""
    places: tuple[str, ...] = ()
    respondents: tuple[str, ...] = ()
    yuncheng: tuple[str, ...] = ()  # places and units named that are certainly Yuncheng's
    model_version: str = ""
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evidence:
    respondents: tuple[str, ...]
    yuncheng: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Respondent:
    text: str
    unit: Unit
    territorial: bool  # a county/zone, or a department qualified by a county name
    explicit_city: bool  # a department written as the city's (市教育局)


@dataclass(frozen=True, slots=True)
class SectorChoice:
    sector: str
    unit_code: str
    confidence: float
    reasons: tuple[str, ...]
    scores: dict[str, float]


def make_tokenizer(cache_dir: Path | None) -> RoutingTokenizer:
    """A private tokenizer (the global one is shared), initialised from jieba's cache."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = RoutingTokenizer()
    tokenizer.tmp_dir = str(cache_dir or Path(tempfile.gettempdir()))
    tokenizer.initialize()
    return tokenizer


def add_words(tokenizer: jieba.Tokenizer, words: Iterable[str]) -> None:
    """Routing words (unit names, places, vocabulary) are kept whole by the tokenizer."""
    for word in sorted(set(words)):
        if len(word) >= 2:
            tokenizer.add_word(word, freq=200000)


def is_common_word(tokenizer: jieba.Tokenizer, word: str, threshold: int = 50) -> bool:
    """An everyday word in jieba's own dictionary (太阳 5044, 城区 1517; 解州 0, 蒲州 36)."""
    return int(tokenizer.FREQ.get(word, 0)) >= threshold


class Router:
    """Routes a complaint on respondent, place, vocabulary and (when trained) model evidence."""

    def __init__(
        self,
        registry: UnitRegistry,
        places: PlaceIndex,
        vocabulary: Vocabulary,
        tokenizer: RoutingTokenizer,
        *,
        fallback_unit: str,
        city_credit_office: str,
        model: ModelHolder | None = None,
    ) -> None:
        self.registry = registry
        self.places = places
        self.vocabulary = vocabulary
        self.fallback_unit = fallback_unit
        self.city_credit_office = city_credit_office
        self.model = model or ModelHolder()
        self._tokenizer = tokenizer
        self._aliases: dict[str, Unit] = {}
        for unit in registry:
            if unit.is_handling_unit:
                for name in unit.names:
                    self._aliases.setdefault(name, unit)
        self._territory = {
            u.division_code: u for u in registry.of_kind("county", "zone") if u.division_code
        }

    def tokenize(self, title: str, text: str) -> tuple[list[str], int]:
        """Tokens of the title then the text, and how many belong to the title."""
        head = self._cut(title)
        return head + self._cut(text), len(head)

    def _cut(self, text: str) -> list[str]:
        return self._tokenizer.words(text)

    def route(
        self,
        title: str,
        text: str,
        *,
        stated_respondent: str = "",
        sectors: Collection[str] | None = None,
    ) -> RouteDecision:
        """Decide. ``sectors`` limits the sector choice (an evaluation over a fixed label set)."""
        tokens, title_tokens = self.tokenize(title, text)
        if stated_respondent:
            tokens += self._cut(stated_respondent)
        respondents = self._find_respondents(tokens)
        mentions = find_places(tokens, self.places)
        choice = self._choose_sector(tokens, title_tokens, sectors)
        return self._decide(respondents, mentions, choice, sectors)

    def evidence(self, title: str, text: str) -> Evidence:
        """The Yuncheng places and the units named (screening's Art. 12 checks)."""
        tokens, _ = self.tokenize(title, text)
        respondents = self._find_respondents(tokens)
        mentions = find_places(tokens, self.places)
        return Evidence(
            tuple(dict.fromkeys(r.text for r in respondents)), _yuncheng(respondents, mentions)
        )

    # -- evidence ---------------------------------------------------------------------------

    def _county_before(self, index: int, tokens: Sequence[str]) -> Unit | None:
        """The county written right before a department alias ("盐湖区" + "住建局")."""
        for back in (1, 2):
            if index - back < 0:
                break
            for division in self.places.lookup(tokens[index - back]):
                if division.level == "county":
                    return self._territory.get(division.county_code)
        return None

    def _find_respondents(self, tokens: Sequence[str]) -> list[Respondent]:
        aliases = self._aliases
        found: list[Respondent] = []
        for index in [i for i, token in enumerate(tokens) if token in aliases]:
            token = tokens[index]
            unit = aliases[token]
            if unit.kind in ("county", "zone"):
                if unit.kind == "zone" or token.endswith(GOVERNMENT_WORDS):
                    found.append(Respondent(token, unit, territorial=True, explicit_city=False))
                continue  # a bare county name is a place, weighed with the places
            county = self._county_before(index, tokens)
            if county is not None:
                found.append(Respondent(token, county, territorial=True, explicit_city=False))
            else:
                # 市教育局 as one token, or 市 / 运城市 right before a short name (市 + 教体局).
                city = (
                    token.startswith(CITY_PREFIXES)
                    or token == unit.name
                    or (index > 0 and tokens[index - 1] in CITY_PREFIXES)
                )
                found.append(Respondent(token, unit, territorial=False, explicit_city=city))
        return found

    def _territorial_unit(self, mention: PlaceMention) -> Unit | None:
        division = mention.resolved
        if division is None:
            return None
        zone = self._territory.get(division.town_code) or self._territory.get(division.code)
        return zone or self._territory.get(division.county_code)

    def _choose_sector(
        self, tokens: Sequence[str], title_tokens: int, sectors: Collection[str] | None
    ) -> SectorChoice | None:
        topics = [
            t
            for t in self.vocabulary.score(tokens, title_tokens=title_tokens)
            if sectors is None or t.topic.sector in sectors
        ]
        prediction = self.model.predict(tokens, sectors=sectors)
        if prediction is None:
            return self._vocabulary_choice(topics)
        return self._combined_choice(topics, prediction)

    def _vocabulary_choice(self, topics: list[TopicScore]) -> SectorChoice | None:
        totals = sector_scores(topics)
        if not totals:
            return None
        ranked = sorted(totals.items(), key=lambda item: -item[1])
        sector, best = ranked[0]
        share = best / sum(totals.values())
        confidence = share * min(1.0, best / VOCABULARY_SATURATION)
        reasons = _vocabulary_reasons(topics, sector)
        unit_code = self._unit_for_sector(sector, topics)
        return SectorChoice(sector, unit_code, round(confidence, 3), reasons, dict(ranked[:5]))

    def _combined_choice(self, topics: list[TopicScore], prediction: Prediction) -> SectorChoice:
        combined = combine_sector_shares(prediction.probabilities, sector_scores(topics))
        ranked = sorted(combined.items(), key=lambda item: -item[1])
        sector, confidence = ranked[0]
        words = "、".join(prediction.top_words(sector))
        reasons = (
            f"分办模型（{prediction.version}）判断为“{sector}”，概率 "
            f"{prediction.probabilities[sector]:.2f}" + (f"，主要依据：{words}" if words else ""),
            *_vocabulary_reasons(topics, sector),
        )
        scores = {s: round(v, 3) for s, v in ranked[:5]}
        unit_code = self._unit_for_sector(sector, topics)
        return SectorChoice(sector, unit_code, round(confidence, 3), reasons, scores)

    def _unit_for_sector(self, sector: str, topics: list[TopicScore]) -> str:
        """Within the sector, the department whose topics weigh most; else the one answering
        for the sector as a whole."""
        for item in topics:
            if item.topic.sector == sector:
                return item.topic.unit_code
        return self.vocabulary.sector_units.get(sector, self.fallback_unit)

    # -- decision ---------------------------------------------------------------------------

    def _decide(
        self,
        respondents: list[Respondent],
        mentions: tuple[PlaceMention, ...],
        choice: SectorChoice | None,
        sectors: Collection[str] | None = None,
    ) -> RouteDecision:
        reasons: list[str] = [f"被投诉单位“{r.text}”→{r.unit.name}" for r in respondents]
        reasons += [m.describe() for m in mentions]
        territorial = self._territorial_votes(respondents, mentions)
        named = self._named_department(respondents, choice)
        sector = choice.sector if choice else ""
        if territorial:
            unit, confidence = _best_vote(territorial)
            reasons.append(f"属地管理（第六条）：由{unit.name}负责")
        elif named is not None:
            unit, confidence = named
            reasons.append(f"行业管理（第六条）：被投诉的是市直部门{unit.name}")
        elif choice is not None:
            unit, confidence = self.registry.get(choice.unit_code), choice.confidence
        else:
            reasons.append("未找到可判断承办单位的单位名称、地名或行业用语")
            return self._fallback(tuple(reasons), mentions)
        if choice is not None:
            reasons.extend(choice.reasons)
        return RouteDecision(
            unit_code=unit.code,
            credit_office_code=unit.credit_office or self.city_credit_office,
            confidence=round(confidence, 3),
            reasons=tuple(dict.fromkeys(reasons)),
            respondent=respondents[0].text if respondents else "",
            sector=sector,
            places=tuple(m.text for m in mentions),
            respondents=tuple(dict.fromkeys(r.text for r in respondents)),
            yuncheng=_yuncheng(respondents, mentions),
            model_version=self.model.version,
            scores=choice.scores if choice else {},
        )

    @staticmethod
    def _named_department(
        respondents: list[Respondent], choice: SectorChoice | None
    ) -> tuple[Unit, float] | None:
        """A city department complained about handles it (Art. 6) when written as the city's
        (市教育局), or when the matter is of its sector. The sector itself always comes from the
        words: people name the department they went to, not the one in charge (5-fold CV on the
        development messages: letting the name decide the sector cost 1.1 macro-F1 points)."""
        for respondent in respondents:
            if respondent.territorial:
                continue
            if respondent.explicit_city:
                return respondent.unit, CITY_DEPARTMENT_CONFIDENCE
            if choice is not None and respondent.unit.sector == choice.sector:
                return respondent.unit, max(choice.confidence, 0.7)
        return None

    def _territorial_votes(
        self, respondents: list[Respondent], mentions: tuple[PlaceMention, ...]
    ) -> dict[str, tuple[Unit, float]]:
        votes: dict[str, tuple[Unit, float]] = {}

        def vote(unit: Unit, weight: float) -> None:
            held = votes.get(unit.code, (unit, 0.0))[1]
            votes[unit.code] = (unit, held + weight)

        for respondent in respondents:
            if respondent.territorial:
                vote(respondent.unit, RESPONDENT_CONFIDENCE)
        for mention in mentions:
            unit = self._territorial_unit(mention)
            if unit is not None:
                vote(unit, PLACE_CONFIDENCE)
        return votes

    def _fallback(
        self, reasons: tuple[str, ...], mentions: tuple[PlaceMention, ...] = ()
    ) -> RouteDecision:
        unit = self.registry.get(self.fallback_unit)
        return RouteDecision(
            unit_code=unit.code,
            credit_office_code=unit.credit_office or self.city_credit_office,
            confidence=0.0,
            reasons=reasons,
            places=tuple(m.text for m in mentions),
            yuncheng=_yuncheng([], mentions),
            model_version=self.model.version,
        )


def combine_sector_shares(
    probabilities: Mapping[str, float],
    vocabulary_totals: Mapping[str, float],
    share: float = VOCABULARY_SHARE,
) -> dict[str, float]:
    """The model's probability of each sector mixed with the sector's share of the vocabulary
    score (the model alone when no vocabulary word fired)."""
    total = sum(vocabulary_totals.values())
    return {
        sector: (1 - share) * probability
        + share * (vocabulary_totals.get(sector, 0.0) / total if total else probability)
        for sector, probability in probabilities.items()
    }


def _yuncheng(respondents: list[Respondent], mentions: tuple[PlaceMention, ...]) -> tuple[str, ...]:
    """Names that place the matter in Yuncheng: its places, its counties and the zone, and units
    written with 运城 (a bare "市教育局" could be another city's)."""
    units = [r.text for r in respondents if r.territorial or r.text.startswith("运城")]
    return tuple(dict.fromkeys([*(m.text for m in mentions), *units]))


def _best_vote(votes: dict[str, tuple[Unit, float]]) -> tuple[Unit, float]:
    """The territorial unit named most; several counties named lower the confidence."""
    ranked = sorted(votes.values(), key=lambda item: -item[1])
    unit, weight = ranked[0]
    total = sum(w for _, w in ranked)
    confidence = min(RESPONDENT_CONFIDENCE, weight) * (weight / total)
    return unit, confidence


def _vocabulary_reasons(topics: list[TopicScore], sector: str) -> tuple[str, ...]:
    return tuple(
        f"行业用语（{t.topic.name}）：{'、'.join(t.words[:5])}"
        for t in topics
        if t.topic.sector == sector
    )[:3]
