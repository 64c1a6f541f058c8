"""Many concurrent API writes on one app: all answered 2xx, none lost, no deadlock.

On SQLite, requests wait for their database turn in the event loop (web.deps); more
concurrent requests than the thread pool has threads must still all be served."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.orders.models import Order
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests import aio

CONCURRENT = 64  # more than anyio's default 40 worker threads


def test_more_concurrent_order_posts_than_threads_are_all_stored_once(
    ctx: AppContext, shop: Shop, make_api_key: Callable[[Shop], str]
) -> None:
    app = create_app(ctx)
    headers = {"Authorization": f"Bearer {make_api_key(shop)}"}

    async def post_all() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers
        ) as c:

            async def post(i: int) -> int:
                order = {
                    "order_id": f"O{i % (CONCURRENT // 2)}",  # every order sent twice at once
                    "customer_id": f"C{i % (CONCURRENT // 2) % 7}",
                    "placed_at": "2026-10-01T00:00:00Z",
                    "total": 1000,
                }
                return (await c.post("/api/v1/orders", json=order)).status_code

            return await asyncio.gather(*(post(i) for i in range(CONCURRENT)))

    statuses = aio.run(post_all())

    assert statuses == [200] * CONCURRENT
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == CONCURRENT // 2
