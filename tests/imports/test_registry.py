from __future__ import annotations

from pathlib import Path

import pytest

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.imports import ImportSummary, register_importer, registry, run_import
from careloop.imports.registry import _IMPORTERS
from careloop.shops.models import Shop


def test_an_unknown_kind_names_the_kinds_there_are(ctx: AppContext, shop: Shop) -> None:
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "invoices", Path("x.csv"))
    assert str(failed.value.errors[0]).startswith("kind: unknown kind 'invoices' (one of ")
    assert "customers, orders" in str(failed.value.errors[0])


def test_a_capability_can_register_its_own_kind(ctx: AppContext, shop: Shop) -> None:
    def import_notes(ctx: AppContext, shop: Shop, path: Path, *, progress: bool) -> ImportSummary:
        return ImportSummary(kind="notes", source=str(path), rows=7)

    register_importer("notes", import_notes)
    try:
        assert run_import(ctx, shop, "notes", "notes.csv").rows == 7
    finally:
        del _IMPORTERS["notes"]


def test_a_kind_another_capability_declares_in_its_manifest_is_found_by_name() -> None:
    from careloop.feedback.imports import import_reviews

    assert registry.importer_for("reviews") is import_reviews
    assert "reviews" in registry.known_kinds()
