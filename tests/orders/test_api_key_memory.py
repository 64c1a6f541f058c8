"""The accept path recalls a recently used API key from the process's memory
(careloop.shops.api_key_memory): revocation still wins, in this process at once and from
another process within TRUST_FOR of the clock."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.orders.models import IngestInboxRow
from careloop.shops.api_key_memory import TRUST_FOR
from careloop.shops.models import ApiKey, Shop
from tests.web.helpers import csrf_from, sign_in

ASYNC = {"Prefer": "respond-async"}


def order(n: int) -> dict[str, object]:
    return {
        "order_id": f"MEM-{n}",
        "customer_id": "C-1",
        "placed_at": "2026-10-01T09:00:00+07:00",
        "total": "450000",
        "currency": "VND",
        "lines": [{"sku": "CF-1", "product_name": "Arabica", "unit_price": "450000"}],
    }


def post(client: TestClient, key: str, n: int) -> int:
    headers = {**ASYNC, "Authorization": f"Bearer {key}"}
    return client.post("/api/v1/orders", json=order(n), headers=headers).status_code


def test_a_key_revoked_on_the_settings_page_is_refused_by_the_next_request_at_once(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_api_key: Callable[[Shop], str],
    make_staff: Callable[..., str],
) -> None:
    key = make_api_key(shop)
    assert post(app_client, key, 1) == 202
    assert post(app_client, key, 2) == 202  # recalled from memory

    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/api-keys")
    with ctx.sessions() as s:
        key_id = s.scalar(select(ApiKey.id))
    revoked = app_client.post(
        f"/settings/api-keys/{key_id}/revoke", data={"csrf_token": csrf_from(page)}
    )
    assert revoked.status_code < 400

    # The clock has not moved: the memory was emptied by the revocation itself.
    assert post(app_client, key, 3) == 401


def test_a_key_revoked_by_another_process_is_refused_once_trust_for_has_passed(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_api_key: Callable[[Shop], str],
) -> None:
    key = make_api_key(shop)
    assert post(app_client, key, 1) == 202
    # Another process revokes it: a plain statement on its own connection, which this
    # process's ORM never sees.
    with ctx.engine.begin() as connection:
        connection.execute(update(ApiKey).values(revoked_at=clock.now()))

    clock.advance(TRUST_FOR / 2)
    assert post(app_client, key, 2) == 202  # still trusted: the bound, not a lapse
    clock.advance(TRUST_FOR / 2)
    assert post(app_client, key, 3) == 401
    assert post(app_client, key, 4) == 401  # a revoked key is never remembered


def test_an_unknown_key_is_refused_every_time_and_each_remembered_key_keeps_its_shop(
    app_client: TestClient,
    ctx: AppContext,
    make_shop: Callable[..., Shop],
    make_api_key: Callable[[Shop], str],
) -> None:
    first, second = make_shop("first"), make_shop("second")
    one, two = make_api_key(first), make_api_key(second)
    assert post(app_client, "not-a-key", 1) == 401
    assert post(app_client, "not-a-key", 1) == 401
    for n in (1, 2):  # read, then recalled
        assert post(app_client, one, n) == 202 and post(app_client, two, n) == 202
    with ctx.sessions() as s:
        rows = s.execute(select(IngestInboxRow.shop_id, IngestInboxRow.external_id)).all()
    assert sorted(rows) == sorted((shop.id, f"MEM-{n}") for shop in (first, second) for n in (1, 2))
