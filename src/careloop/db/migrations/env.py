"""Alembic environment: runs migrations on the engine Careloop is configured with."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import engine_from_config, pool

from careloop.customers.search_index import include_object
from careloop.db.base import UTCDateTime
from careloop.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section) or {},
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        with engine.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def render_frozen_types(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Autogenerate writes the frozen copy of a column type, never the live one: a migration
    imports no application code (tests/db/test_migrations.py checks)."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import careloop.db.migration_types")
        return "careloop.db.migration_types.UTCDateTime(timezone=True)"
    return False


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
        compare_type=True,
        include_object=include_object,  # objects kept outside the models (search index)
        render_item=render_frozen_types,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
