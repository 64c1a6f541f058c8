"""Oversized and endless request bodies get 413 without being held in memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests import aio

CHUNK = 64 * 1024
BODY_ROUTES = ["/api/v1/orders", "/api/v1/webhooks/shopify/acme", "/api/v1/events", "/login"]


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_body_declared_larger_than_the_limit_gets_413(
    ctx: AppContext, shop: Shop, make_api_key: Callable[[Shop], str], path: str
) -> None:
    limit = ctx.settings.max_body_bytes
    with TestClient(create_app(ctx)) as client:
        response = client.post(
            path,
            content=b"{" + b" " * limit + b"}",
            headers={"Authorization": f"Bearer {make_api_key(shop)}"},
        )

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_chunked_body_of_exactly_the_limit_is_read_whole() -> None:
    sent = aio.run(_post_chunks(limit=10 * CHUNK, chunks=10))

    assert sent.status == 200


def test_a_chunked_body_one_chunk_over_the_limit_is_refused() -> None:
    sent = aio.run(_post_chunks(limit=10 * CHUNK, chunks=11))

    assert sent.status == 413


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_an_endless_chunked_upload_is_cut_off_at_the_limit(
    ctx: AppContext, shop: Shop, make_api_key: Callable[[Shop], str], path: str
) -> None:
    app = create_app(ctx)
    key = make_api_key(shop)
    chunks_read = 0
    answer: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal chunks_read
        chunks_read += 1
        # No Content-Length and no end: only the byte count can stop it.
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        answer.append(message)

    form = b"application/x-www-form-urlencoded"
    content_type = form if path == "/login" else b"application/json"
    scope = _scope(
        path, [(b"authorization", f"Bearer {key}".encode()), (b"content-type", content_type)]
    )
    aio.run(app(scope, receive, send))

    assert answer[0]["status"] == 413
    assert chunks_read <= ctx.settings.max_body_bytes // CHUNK + 2


class _Sent:
    status = 0


async def _post_chunks(*, limit: int, chunks: int) -> _Sent:
    """The bare middleware around an app that reads the whole body: `chunks` chunks."""
    from careloop.web.limits import BodySizeLimit

    async def reader(scope: Any, receive: Any, send: Any) -> None:
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    left = chunks
    result = _Sent()

    async def receive() -> dict[str, Any]:
        nonlocal left
        left -= 1
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": left > 0}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]

    await BodySizeLimit(reader, max_bytes=limit)(_scope("/x", []), receive, send)
    return result


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"transfer-encoding", b"chunked"),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
