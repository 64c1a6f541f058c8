from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from careloop.context import AppContext
from careloop.customers.search_index import include_object
from careloop.db.migrate import upgrade
from careloop.db.models import Base


def test_migrations_produce_the_same_schema_as_the_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        migration = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(migration, Base.metadata)
    assert diff == []


def test_init_is_safe_to_run_again_on_an_up_to_date_database(ctx: AppContext) -> None:
    upgrade(ctx.engine)
    upgrade(ctx.engine)


def test_the_migrations_have_one_head_so_every_branch_is_joined(ctx: AppContext) -> None:
    from alembic.script import ScriptDirectory

    from careloop.db.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(ctx.engine)).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision"
