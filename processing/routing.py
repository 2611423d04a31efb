"""Assembling the router: units registry, Yuncheng's divisions, the vocabulary, the tokenizer."""

from __future__ import annotations

from pathlib import Path

from config.units import UnitRegistry
from processing.model import ModelHolder
from processing.places import build_place_index, read_divisions
from processing.route import Router, add_words, is_common_word, make_tokenizer
from processing.vocabulary import VOCABULARY_FILE, load_vocabulary


def build_router(
    registry: UnitRegistry,
    *,
    fallback_unit: str,
    city_credit_office: str,
    vocabulary_path: Path = VOCABULARY_FILE,
    cache_dir: Path | None = None,
    model: ModelHolder | None = None,
) -> Router:
    vocabulary = load_vocabulary(vocabulary_path, registry)
    tokenizer = make_tokenizer(cache_dir)
    # Decided on jieba's own dictionary, before the place names themselves are added.
    places = build_place_index(
        read_divisions(), is_common_word=lambda word: is_common_word(tokenizer, word)
    )
    aliases = [name for unit in registry if unit.is_handling_unit for name in unit.names]
    add_words(tokenizer, [*aliases, *places.names(), *vocabulary.words])
    return Router(
        registry,
        places,
        vocabulary,
        tokenizer,
        fallback_unit=fallback_unit,
        city_credit_office=city_credit_office,
        model=model,
    )
