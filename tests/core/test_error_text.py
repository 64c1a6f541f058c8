"""A missing record is told in the reader's language wherever a person reads it (issue 17,
item 1): staff pages, import reports and the CLI say "Không tìm thấy đơn hàng 1001"; the API
keeps the English text it documents ("order '1001' not found")."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.catalogue import has_message
from careloop.core.error_text import error_text, not_found_text
from careloop.core.errors import NotFound
from careloop.customers.models import Customer
from careloop.imports.reasons import reason_in
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.web.helpers import sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "careloop"
RAISED = re.compile(r'NotFound\(\s*"([^"]+)"')


def test_a_missing_order_reads_in_vietnamese_and_english() -> None:
    assert error_text(NotFound("order", "1001"), "vi") == "Không tìm thấy đơn hàng 1001"
    assert error_text(NotFound("order", "1001"), "en") == "Order 1001 not found"
    assert str(NotFound("order", "1001")) == "order '1001' not found"  # API and logs


def test_a_missing_store_connection_names_the_platform_and_shop() -> None:
    missing = NotFound("Haravan connector of shop", "nha-moc")
    assert error_text(missing, "vi") == "Không tìm thấy kết nối Haravan của cửa hàng nha-moc"


def test_every_entity_careloop_raises_not_found_for_has_a_name_in_both_languages() -> None:
    raised = {
        what
        for path in SRC.rglob("*.py")
        for what in RAISED.findall(path.read_text(encoding="utf-8"))
    }
    assert raised, "the scan found no NotFound"
    unnamed = [
        w for w in sorted(raised) if not has_message("errors.entity." + w.replace(" ", "_"), "vi")
    ]
    assert unnamed == []
    assert all(not_found_text(w, "x", "vi").startswith("Không tìm thấy") for w in raised)


def test_an_import_row_naming_a_missing_customer_reads_in_vietnamese() -> None:
    assert reason_in("customer 'C-1' not found", "vi") == "Không tìm thấy khách hàng C-1"
    assert reason_in("customer 'C-1' not found", "en") == "customer 'C-1' not found"


def test_the_cli_tells_a_missing_shop_in_its_configured_language(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARELOOP_CLI_LOCALE", "vi")
    result = careloop(db_url, "apikey", "create", "--shop", "ghost", lang=None)
    assert result.returncode == 1
    assert "Không tìm thấy cửa hàng ghost" in result.stderr


def test_merging_an_unknown_customer_on_the_staff_page_names_it_in_vietnamese(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "A", "name": "Nguyễn Văn An"})
    with ctx.sessions() as s:
        keep = s.scalars(select(Customer.id).where(Customer.external_id == "A")).one()
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    merged = app_client.post(
        f"/customers/{keep}/merge",
        data={"duplicate": "khong-co", "csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    page = app_client.get(merged.headers["location"])
    assert "Không tìm thấy khách hàng khong-co" in page.text
    assert "not found" not in page.text
