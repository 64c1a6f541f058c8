"""The ingest routes' accept path before the router (careloop.web.asgi.FastAccept,
docs/decisions/0029-batched-apply.md): the plain case is answered by the registered handler
with the route's own status, headers and body (RFC 7240 section 4.1 for
`Prefer: respond-async`: 202 and `Preference-Applied`); every other case goes on to the
route, which refuses it as it always has (401 before the body is looked at, 422 naming the
field); the OpenAPI document still describes both routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.responses import Response
from starlette.types import Scope

from careloop.context import AppContext
from careloop.orders.models import IngestInboxRow
from careloop.web import asgi

from ..orders.test_api import ORDER
from .conftest import Deliver, fixture

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def answered() -> Iterator[list[str]]:
    """The paths the fast handlers answered themselves (None: left to the route)."""
    seen: list[str] = []
    original = list(asgi._FAST_ACCEPT)

    def watching(handler: asgi.FastHandler) -> asgi.FastHandler:
        async def watched(
            ctx: AppContext, scope: Scope, match: re.Match[str], body: bytes
        ) -> Response | None:
            response = await handler(ctx, scope, match, body)
            if response is not None:
                seen.append(str(scope["path"]))
            return response

        return watched

    asgi._FAST_ACCEPT[:] = [(m, p, watching(h)) for m, p, h in original]
    yield seen
    asgi._FAST_ACCEPT[:] = original


def inbox_rows(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(IngestInboxRow)) or 0)


def test_an_async_order_is_accepted_before_the_router_with_the_routes_202(
    api: TestClient, ctx: AppContext, answered: list[str]
) -> None:
    response = api.post("/api/v1/orders", json=ORDER, headers=ASYNC)

    assert answered == ["/api/v1/orders"]
    assert response.status_code == 202
    assert response.headers["Preference-Applied"] == "respond-async"
    with ctx.sessions() as s:
        row_id = s.scalar(select(IngestInboxRow.id))
    assert response.json() == {"status": "accepted", "inbox_id": row_id, "order_id": "A-1001"}
    assert response.headers["x-content-type-options"] == "nosniff"  # still inside the stack

    again = api.post("/api/v1/orders", json=ORDER, headers=ASYNC)
    assert again.json()["inbox_id"] == row_id and inbox_rows(ctx) == 1


def test_an_async_order_without_a_key_is_refused_401_by_the_route_before_its_body(
    app_client: TestClient, ctx: AppContext, answered: list[str]
) -> None:
    for headers in (ASYNC, {**ASYNC, "Authorization": "Bearer cl_not-a-key"}):
        response = app_client.post("/api/v1/orders", content=b"{not json", headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert answered == [] and inbox_rows(ctx) == 0


def test_an_async_order_the_schema_refuses_gets_the_routes_422_naming_the_field(
    api: TestClient, ctx: AppContext, answered: list[str]
) -> None:
    response = api.post("/api/v1/orders", json=dict(ORDER, total="-5"), headers=ASYNC)

    assert response.status_code == 422
    assert ["body", "total"] in [e["loc"] for e in response.json()["detail"]]
    assert answered == [] and inbox_rows(ctx) == 0


def test_an_order_without_prefer_is_left_to_the_route_and_answered_with_the_order(
    api: TestClient, answered: list[str]
) -> None:
    response = api.post("/api/v1/orders", json=ORDER)

    assert response.status_code == 200 and response.json()["order_id"] == "A-1001"
    assert answered == []


def test_a_signed_shopify_delivery_is_answered_before_the_router_as_the_route_answers(
    connect: Callable[..., None], deliver: Deliver, answered: list[str]
) -> None:
    """Shopify's orders/create sample (tests/fixtures/connectors, see its SOURCE note)."""
    connect("shopify")
    payload: Any = fixture("shopify_orders_create.json")

    first = deliver("shopify", "orders/create", payload, delivery_id="w-fast-1")
    again = deliver("shopify", "orders/create", payload, delivery_id="w-fast-1")

    assert answered == ["/api/v1/webhooks/shopify/acme"] * 2
    assert first.status_code == 200 and first.json()["status"] == "processed"
    assert again.json()["status"] == "duplicate"
    assert again.json()["inbox_id"] == first.json()["inbox_id"]


def test_a_delivery_with_a_wrong_signature_is_refused_401_by_the_route(
    connect: Callable[..., None], deliver: Deliver, ctx: AppContext, answered: list[str]
) -> None:
    connect("shopify")
    response = deliver(
        "shopify", "orders/create", fixture("shopify_orders_create.json"), secret="wrong-secret!"
    )

    assert response.status_code == 401 and "X-Shopify-Hmac-Sha256" in response.text
    assert answered == [] and inbox_rows(ctx) == 0


def test_the_openapi_document_still_describes_the_accept_routes(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]

    assert "202" in paths["/api/v1/orders"]["post"]["responses"]
    assert "post" in paths["/api/v1/webhooks/{platform}/{shop}"]
    assert json.dumps(paths["/api/v1/orders"]["post"]["requestBody"])  # OrderIn still named
