"""Migrations stay linear and match the models: a forgotten migration fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from store.db import MIGRATIONS_DIR, alembic_config, make_engine, migrate, normalise_url
from store.models import Base


def test_single_head() -> None:
    engine = create_engine("sqlite://")
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: set down_revision to the newest"
    assert MIGRATIONS_DIR.is_dir()


def test_models_match_migrations(database_url, tmp_path) -> None:
    engine = make_engine(normalise_url(database_url, base_dir=tmp_path))
    try:
        migrate(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == [], f"models and migrations differ; add a migration: {diff}"
    finally:
        engine.dispose()
