"""Curated routing vocabularies (config/vocabulary.toml): topics of words per sector and unit.

The explainable half of routing (Art. 6: a city department handles its sector). Scoring is a pure
function of the tokens: every word of a topic found in the text adds its weight, title words
count double, and repeats add less and less (1 + log of the count), so one long rant about a
single word cannot outweigh several different signs.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.units import UnitRegistry

VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "config" / "vocabulary.toml"

STRONG_WEIGHT = 3.0
WORD_WEIGHT = 1.0
TITLE_FACTOR = 2.0


class VocabularyError(Exception):
    """The vocabulary file is unusable; ``problems`` says why, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    sector: str
    unit_code: str
    weights: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class TopicScore:
    topic: Topic
    score: float
    words: tuple[str, ...]  # the words that fired, most weighty first


@dataclass(frozen=True)
class Vocabulary:
    """Topics plus the sector → answering department table."""

    topics: tuple[Topic, ...]
    sector_units: Mapping[str, str]
    _index: dict[str, tuple[tuple[int, float], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, topic in enumerate(self.topics):
            for word, weight in topic.weights.items():
                index[word].append((number, weight))
        object.__setattr__(self, "_index", {w: tuple(v) for w, v in index.items()})

    @property
    def words(self) -> Iterable[str]:
        return self._index.keys()

    @property
    def sectors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.sector for t in self.topics))

    def score(self, tokens: Sequence[str], *, title_tokens: int = 0) -> list[TopicScore]:
        """Topics that matched, best first. The first ``title_tokens`` tokens are the title."""
        index = self._index
        counts = Counter([token for token in tokens if token in index])
        in_title = {token for token in tokens[:title_tokens] if token in index}
        totals: defaultdict[int, float] = defaultdict(float)
        fired: defaultdict[int, list[tuple[float, str]]] = defaultdict(list)
        for word, count in counts.items():
            strength = (1.0 + math.log(count)) * (TITLE_FACTOR if word in in_title else 1.0)
            for number, weight in index[word]:
                totals[number] += weight * strength
                fired[number].append((weight * strength, word))
        ranked = sorted(totals.items(), key=lambda item: -item[1])
        return [
            TopicScore(
                self.topics[number],
                round(score, 3),
                tuple(w for _, w in sorted(fired[number], key=lambda x: (-x[0], x[1]))),
            )
            for number, score in ranked
        ]


def sector_scores(scores: Iterable[TopicScore]) -> dict[str, float]:
    totals: defaultdict[str, float] = defaultdict(float)
    for item in scores:
        totals[item.topic.sector] += item.score
    return dict(totals)


def _parse_topic(index: int, raw: Mapping[str, Any], problems: list[str]) -> Topic | None:
    where = f"词表第 {index} 个主题（{raw.get('name') or '无名称'}）"
    missing = [key for key in ("name", "sector", "unit") if not str(raw.get(key, "")).strip()]
    if missing:
        problems.append(f"{where}缺少 {', '.join(missing)}")
        return None
    weights: dict[str, float] = {}
    for key, weight in (("words", WORD_WEIGHT), ("strong", STRONG_WEIGHT)):
        for item in raw.get(key) or ():
            word = str(item).strip()
            if word:
                weights[word] = max(weight, weights.get(word, 0.0))
    if not weights:
        problems.append(f"{where}没有任何词语")
    return Topic(str(raw["name"]), str(raw["sector"]), str(raw["unit"]), weights)


def parse_vocabulary(data: Mapping[str, Any], registry: UnitRegistry) -> Vocabulary:
    problems: list[str] = []
    topics = [
        topic
        for index, raw in enumerate(data.get("topic") or (), start=1)
        if (topic := _parse_topic(index, raw, problems)) is not None
    ]
    sector_units = {str(k): str(v) for k, v in (data.get("sectors") or {}).items()}
    for topic in topics:
        if topic.unit_code not in registry:
            problems.append(f"词表主题“{topic.name}”的单位代码 {topic.unit_code!r} 不在单位名录中")
        if topic.sector not in sector_units:
            problems.append(f"词表主题“{topic.name}”的行业“{topic.sector}”未在 [sectors] 中列出")
    for sector, code in sector_units.items():
        unit = registry.find(code)
        if unit is None or not unit.is_handling_unit:
            problems.append(f"词表 [sectors] 中“{sector}”对应的 {code!r} 不是名录中的承办单位")
    if not topics:
        problems.append("词表中没有任何 [[topic]]")
    if problems:
        raise VocabularyError(problems)
    return Vocabulary(tuple(topics), sector_units)


def load_vocabulary(path: Path, registry: UnitRegistry) -> Vocabulary:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VocabularyError([f"找不到分办词表文件：{path}"]) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise VocabularyError([f"无法读取分办词表文件 {path}：{error}"]) from None
    return parse_vocabulary(data, registry)
