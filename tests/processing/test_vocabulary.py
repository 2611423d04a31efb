"""The curated vocabularies: validated on load, scored with title weight and diminishing repeats."""

from __future__ import annotations

import pytest

from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from processing.vocabulary import (
    VOCABULARY_FILE,
    VocabularyError,
    load_vocabulary,
    parse_vocabulary,
    sector_scores,
)

REGISTRY = load_registry(DEFAULT_UNITS_FILE)


def test_shipped_vocabulary_loads_and_covers_the_seven_sectors() -> None:
    vocabulary = load_vocabulary(VOCABULARY_FILE, REGISTRY)
    seven = {
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "商贸旅游",
        "卫生计生",
    }
    assert seven <= set(vocabulary.sectors)
    assert vocabulary.sector_units["劳动和社会保障"] == "hrss"
    assert len(list(vocabulary.words)) > 1000


def test_every_problem_is_named() -> None:
    data = {
        "sectors": {"城乡建设": "housing", "虚构": "no-such-unit"},
        "topic": [
            {"name": "甲", "sector": "城乡建设", "unit": "ghost", "strong": ["物业"]},
            {"name": "乙", "sector": "未列出", "unit": "housing", "words": ["小区"]},
            {"name": "丙", "sector": "城乡建设", "unit": "housing"},
        ],
    }
    with pytest.raises(VocabularyError) as raised:
        parse_vocabulary(data, REGISTRY)
    text = "\n".join(raised.value.problems)
    assert "'ghost' 不在单位名录中" in text
    assert "“未列出”未在 [sectors] 中列出" in text
    assert "没有任何词语" in text
    assert "'no-such-unit' 不是名录中的承办单位" in text


def test_title_counts_double_and_repeats_diminish() -> None:
    vocabulary = parse_vocabulary(
        {
            "sectors": {"城乡建设": "housing", "教育文体": "education"},
            "topic": [
                {"name": "物业", "sector": "城乡建设", "unit": "housing", "strong": ["物业"]},
                {"name": "学校", "sector": "教育文体", "unit": "education", "words": ["学校"]},
            ],
        },
        REGISTRY,
    )
    once = sector_scores(vocabulary.score(["物业"]))
    five = sector_scores(vocabulary.score(["物业"] * 5))
    title = sector_scores(vocabulary.score(["物业", "学校"], title_tokens=1))
    assert once == {"城乡建设": 3.0}
    assert 3.0 < five["城乡建设"] < 15.0
    assert title == {"城乡建设": 6.0, "教育文体": 1.0}
    assert vocabulary.score(["学校"])[0].words == ("学校",)
