"""A local HTTP server speaking Shopify's documented Customer API (Admin REST 2024-01,
shopify.dev/docs/api/admin-rest/2024-01/resources/customer: "Retrieve a single customer"
GET /customers/{id}.json and "Update a customer's tags" PUT /customers/{id}.json with
`{"customer": {"id", "tags"}}`, tags one comma-separated string replacing the old one). It
keeps one customer's tags and answers with the official Ruby SDK's samples
(Shopify/shopify-api-ruby test/rest/2024_01/customer_test.rb test_12 and test_15,
tests/fixtures/shopify/SOURCE.md), only `id` and `tags` replaced in a copy."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.loyalty.stores import TOKEN, sample

SHOPIFY_ID = "207119551"  # Bob Norman of the SDK samples


@dataclass
class FakeShopify:
    """Keeps one customer's tags; GET and PUT answer the SDK's published samples."""

    tags: str = "L\u00e9on, No\u00ebl"  # the sample customer's own tags
    customer_id: str = SHOPIFY_ID
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    refuse: list[tuple[int, Any]] = field(default_factory=list)

    def puts(self) -> list[Any]:
        return [body for method, _path, body in self.calls if method == "PUT"]

    def answer(self, method: str, path: str, token: str | None, body: Any) -> tuple[int, Any]:
        if token != TOKEN:
            return 401, {"errors": "[API] Invalid API key or access token"}
        if path.split("?")[0] != f"/admin/api/2024-01/customers/{self.customer_id}.json":
            return 404, {"errors": "Not Found"}
        if self.refuse:
            return self.refuse.pop(0)
        if method == "GET":
            answer = sample("shopify", "customer_show_response.json")
            answer["customer"] |= {"id": int(self.customer_id), "tags": self.tags}
            return 200, answer
        if method == "PUT":
            customer = (body or {}).get("customer") or {}
            if not isinstance(customer.get("tags"), str):
                return 422, {"errors": {"tags": ["is invalid"]}}
            self.tags = customer["tags"]
            answer = sample("shopify", "customer_update_tags_response.json")
            answer["customer"] |= {"id": int(self.customer_id), "tags": self.tags}
            return 200, answer
        return 405, {"errors": "Method Not Allowed"}


@contextmanager
def serve(fake: FakeShopify) -> Iterator[str]:
    """Serve `fake` on a free port of 127.0.0.1; the base URL while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw) if raw else None
            fake.calls.append((self.command, self.path, body))
            status, answer = fake.answer(
                self.command, self.path, self.headers.get("x-shopify-access-token"), body
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def shopify() -> Iterator[tuple[FakeShopify, str]]:
    fake = FakeShopify()
    with serve(fake) as url:
        yield fake, url
