from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.customers.models import TimelineEvent
from careloop.orders.models import Order
from careloop.shops.models import Shop
from tests.cli_runner import careloop

from .conftest import FIXTURES, SECRET


def test_a_shopify_export_backfills_orders_lines_and_statuses_as_history(
    ctx: AppContext, shop: Shop, db_url: str
) -> None:
    result = careloop(
        db_url,
        "connector",
        "backfill",
        "shopify",
        str(FIXTURES / "shopify_orders_export.csv"),
        "--shop",
        "acme",
    )
    assert result.returncode == 0, result.stderr
    assert "backfilled 3 order(s) of 2 customer(s)" in result.stdout
    with ctx.sessions() as s:
        statuses = dict(s.execute(select(Order.external_id, Order.status)).all())
        assert statuses == {"5001001": "shipped", "5001002": "returned", "5001003": "cancelled"}
        undispatched = s.scalar(
            select(func.count()).select_from(TimelineEvent).where(TimelineEvent.history.is_(False))
        )
        assert undispatched == 0  # history does not start journeys


def test_a_broken_export_row_is_reported_with_its_line_and_nothing_is_imported(
    ctx: AppContext, shop: Shop, db_url: str, tmp_path: Path
) -> None:
    text = (FIXTURES / "shopify_orders_export.csv").read_text(encoding="utf-8")
    broken = tmp_path / "orders_export.csv"
    broken.write_text(text.replace("2025-07-03 11:55:00 +0700", "yesterday"), encoding="utf-8")
    result = careloop(db_url, "connector", "backfill", "shopify", str(broken), "--shop", "acme")
    assert result.returncode == 1
    assert f"{broken}:3: Created at: not a time: 'yesterday'" in result.stderr
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0


def test_a_woocommerce_order_list_backfills_guest_and_registered_buyers(
    ctx: AppContext, shop: Shop, db_url: str
) -> None:
    result = careloop(
        db_url,
        "connector",
        "backfill",
        "woocommerce",
        str(FIXTURES / "woocommerce_orders_list.json"),
        "--shop",
        "acme",
    )
    assert result.returncode == 0, result.stderr
    with ctx.sessions() as s:
        assert dict(s.execute(select(Order.external_id, Order.status)).all()) == {
            "727": "paid",
            "728": "delivered",
        }


def test_connector_add_prints_the_webhook_url_and_list_shows_it(shop: Shop, db_url: str) -> None:
    added = careloop(db_url, "connector", "add", "shopify", "--shop", "acme", "--secret", SECRET)
    assert added.returncode == 0, added.stderr
    assert "/api/v1/webhooks/shopify/acme" in added.stdout
    listed = careloop(db_url, "connector", "list", "--shop", "acme")
    assert "shopify" in listed.stdout
    assert SECRET not in listed.stdout


def test_connector_add_refuses_a_short_secret_naming_the_field(shop: Shop, db_url: str) -> None:
    result = careloop(db_url, "connector", "add", "shopify", "--shop", "acme", "--secret", "abc")
    assert result.returncode == 1
    assert "secret: at least 8 characters" in result.stderr


def test_connector_add_stores_the_haravan_verify_token(
    shop: Shop, db_url: str, ctx: AppContext
) -> None:
    added = careloop(
        db_url, "connector", "add", "haravan", "--shop", "acme", "--secret", SECRET,
        "--verify-token", "tok-haravan-cli",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    from careloop.connectors.models import Connector

    with ctx.sessions() as s:
        assert s.scalars(select(Connector.verify_token)).one() == "tok-haravan-cli"
