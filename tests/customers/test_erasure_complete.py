"""Erasure is complete by construction: a person driven through every capability is gone
from every text and JSON column of every table, and from the SQLite file, after erasure.

The story (tests/customers/person_story.py) replays the published Shopify `orders/create`
sample with the person's details. Decree 13/2023/NĐ-CP art. 16 (erasure of personal data)
is what erasure answers to."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, select, text

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer, CustomerIdentity
from careloop.db.models import Base
from careloop.orders.models import Order
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox, smtp_server
from tests.connectors.conftest import connect, deliver
from tests.customers.person_story import EMAIL, SECRETS, drive_person_through_everything

pytestmark = pytest.mark.usefixtures("connect_shopify")
__all__ = ["connect", "deliver", "smtp_server"]  # fixtures shared with other tests


@pytest.fixture
def connect_shopify(connect: Callable[..., None]) -> None:
    connect("shopify")


def personal_values(ctx: AppContext) -> Iterator[tuple[str, str, str]]:
    """(table, column, text) for every text and JSON value of every table."""
    with ctx.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    shown = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    yield table.name, column.name, shown
        if conn.dialect.name == "sqlite":
            for (key,) in conn.execute(text("SELECT search_key FROM customers_search")):
                yield "customers_search", "search_key", key


def found_secrets(ctx: AppContext) -> list[str]:
    return [
        f"{table}.{column} holds {secret!r}"
        for table, column, value in personal_values(ctx)
        for secret in SECRETS
        if secret.casefold() in value.casefold()
    ]


def test_erased_person_is_nowhere_in_any_table_or_the_database_file(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    deliver: Callable[..., httpx.Response],
    smtp_server: tuple[Inbox, int],
) -> None:
    drive_person_through_everything(api, ctx, shop, clock, deliver, smtp_server[1])
    before = found_secrets(ctx)
    # The story really put the person everywhere the issue names.
    for place in (
        "messages.to_address",
        "messages.body_text",
        "webhook_deliveries.body",
        "support_ticket_messages.body",
        "support_tickets.subject",
        "support_staff_tasks.title",
        "timeline_events.payload",
        "coupons.reason",
        "loyalty_ledger.reason",
        "survey_responses.comment",
        "reviews.text",
        "community_ugc_entries.note",
        "orders.shipping_address",
    ):
        assert any(line.startswith(place + " ") for line in before), place
    with ctx.sessions() as s:
        records = s.scalars(select(Customer.id).where(Customer.email == EMAIL)).all()
        linked = s.scalars(select(CustomerIdentity.source)).all()
    assert len(records) == 1, "the webhook made a second record of the same person"
    assert "shopify" in linked, "the Shopify id is linked to the person's one record"

    response = api.delete("/api/v1/customers/C-TRUC")

    assert response.status_code == 200, response.text
    assert response.json()["records"] == 1
    assert found_secrets(ctx) == []
    # Anonymous aggregates stay: both orders and their totals.
    with ctx.sessions() as s:
        totals = sorted(s.scalars(select(Order.total_minor)))
    assert 450000 in totals and len(totals) == 2
    if ctx.engine.dialect.name == "sqlite":
        ctx.engine.dispose()
        path = Path(ctx.settings.database_url.removeprefix("sqlite:///"))
        data = path.read_bytes() + (
            Path(f"{path}-wal").read_bytes() if Path(f"{path}-wal").exists() else b""
        )
        for secret in SECRETS:
            for spelling in {secret.encode(), json.dumps(secret)[1:-1].encode()}:
                assert spelling not in data, f"{secret!r} is still in the database file"
