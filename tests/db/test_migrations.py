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


def test_migrations_import_no_application_code() -> None:
    """A migration must do the same on every later version, so it imports only the frozen
    column types (careloop.db.migration_types), never a capability or the live models."""
    import ast
    from pathlib import Path

    import careloop.db

    versions = Path(careloop.db.__file__).parent / "migrations" / "versions"
    offenders = []
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] == "careloop" and name != "careloop.db.migration_types"
            ]
    assert offenders == []
