"""One router for the routing tests (building the tokenizer takes about half a second)."""

from __future__ import annotations

import pytest

from config.settings import DEFAULT_UNITS_FILE
from config.units import load_registry
from processing.route import Router
from processing.routing import build_router


@pytest.fixture(scope="session")
def router(tmp_path_factory: pytest.TempPathFactory) -> Router:
    return build_router(
        load_registry(DEFAULT_UNITS_FILE),
        fallback_unit="city-credit",
        city_credit_office="city-credit",
        cache_dir=tmp_path_factory.mktemp("jieba"),
    )
