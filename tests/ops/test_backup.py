from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite backups; PostgreSQL uses pg_dump")


def test_a_backup_restores_the_data_as_it_was(
    ctx: AppContext, shop: Shop, db_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "careloop-backup.db"
    made = careloop(db_url, "backup", str(target))
    assert made.returncode == 0, made.stderr
    assert "backup written to" in made.stdout

    with ctx.sessions() as s, s.begin():
        s.scalars(select(Shop)).one().name = "Changed after the backup"
    restored = careloop(db_url, "restore", str(target), "--yes")
    assert restored.returncode == 0, restored.stderr
    with ctx.sessions() as s:
        assert s.scalars(select(Shop)).one().name == "Acme Coffee"


def test_backup_refuses_to_overwrite_and_restore_refuses_a_non_careloop_file(
    shop: Shop, db_url: str, tmp_path: Path
) -> None:
    existing = tmp_path / "exists.db"
    existing.write_text("x")
    assert "already exists" in careloop(db_url, "backup", str(existing)).stderr
    result = careloop(db_url, "restore", str(existing), "--yes")
    assert result.returncode == 1
    assert "not a Careloop" in result.stderr
