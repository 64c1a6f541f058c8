"""One local HTTP server speaking the four stores' documented discount APIs (Shopify Admin
REST 2024-01 price rules and discount codes, WooCommerce REST v3 coupons, Haravan
/com/discounts.json, Sapo /admin/price_rules.json), answering with the published samples
(tests/fixtures/<platform>/, see each SOURCE.md). It checks each platform's documented
authentication and required fields, keeps the codes it holds, and can be told to refuse."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"
TOKEN = "shpat_test_token"
HARAVAN_TOKEN = "haravan-private-token"
KEY, SECRET = "ck_test", "cs_test"


def sample(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeStores:
    calls: list[Call] = field(default_factory=list)
    # Answers to give to the next writes, in turn: (status, body).
    refuse: list[tuple[int, Any]] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    _next_id: int = 5000
    # Handle the next write, then answer 500 as if the answer was lost on the way.
    lose_answer: bool = False

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method != "GET"]

    def answer(self, call: Call) -> tuple[int, Any]:
        path = call.path.split("?")[0]
        if call.method == "GET":
            return self._lookup(call, path)
        if self.refuse:
            return self.refuse.pop(0)
        # Shopify/Sapo: the answer to the discount code (the second call) is the one lost.
        if self.lose_answer and ("discount_codes" in path or "price_rules" not in path):
            self.lose_answer = False
            self._route(call, path)
            return 500, {"errors": "Internal Server Error"}
        return self._route(call, path)

    def _lookup(self, call: Call, path: str) -> tuple[int, Any]:
        code = parse_qs(urlsplit(call.path).query).get("code", [""])[0]
        found = self.codes.get(code)
        if path == "/admin/api/2024-01/discount_codes/lookup.json":
            if found is None:
                return 404, {"errors": "Not Found"}
            rule, code_id = found["price_rule_id"], found["id"]
            where = f"/admin/api/2024-01/price_rules/{rule}/discount_codes/{code_id}.json"
            return 303, {"location": where}
        if path == "/wp-json/wc/v3/coupons":
            return 200, [found] if found else []
        if path == "/com/discounts.json":
            return 200, {"discounts": [found] if found else []}
        return 404, {"errors": "Not Found"}

    def _route(self, call: Call, path: str) -> tuple[int, Any]:
        if path.startswith("/admin/"):
            return self._shopify_like(call, path)
        if path.startswith("/wp-json/wc/v3/coupons"):
            return self._woocommerce(call, path)
        if path.startswith("/com/discounts"):
            return self._haravan(call, path)
        return 404, {"errors": "Not Found"}

    def _basic_ok(self, call: Call) -> bool:
        expected = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        return call.headers.get("authorization") == f"Basic {expected}"

    def _shopify_like(self, call: Call, path: str) -> tuple[int, Any]:
        shopify = path.startswith("/admin/api/2024-01/")
        if shopify and call.headers.get("x-shopify-access-token") != TOKEN:
            return 401, {"errors": "[API] Invalid API key or access token"}
        if not shopify and not self._basic_ok(call):
            return 401, {"errors": "Unauthorized"}
        tail = path.removeprefix("/admin/api/2024-01" if shopify else "/admin")
        if call.method == "POST" and tail == "/price_rules.json":
            rule = (call.body or {}).get("price_rule") or {}
            for name in ("title", "value_type", "value", "customer_selection", "target_type"):
                if name not in rule:
                    return 422, {"errors": {name: ["can't be blank"]}}
            answer = sample("shopify", "price_rule_create_response.json")
            answer["price_rule"] |= rule | {"id": self.new_id()}
            return 201, answer
        match = re.fullmatch(r"/price_rules/(\d+)/discount_codes\.json", tail)
        if call.method == "POST" and match:
            code = ((call.body or {}).get("discount_code") or {}).get("code")
            if not code:
                return 422, {"errors": {"code": ["can't be blank"]}}
            if code in self.codes:
                return 422, {"errors": {"code": ["must be unique"]}}
            answer = sample("shopify", "discount_code_create_response.json")
            answer["discount_code"] |= {
                "id": self.new_id(),
                "code": code,
                "price_rule_id": int(match.group(1)),
            }
            self.codes[code] = answer["discount_code"]
            return 201, answer
        match = re.fullmatch(r"/price_rules/(\d+)/discount_codes/(\d+)\.json", tail)
        if call.method == "DELETE" and match:
            self.deleted.append(f"{match.group(1)}/{match.group(2)}")
            return 204, None
        return 404, {"errors": "Not Found"}

    def _woocommerce(self, call: Call, path: str) -> tuple[int, Any]:
        if not self._basic_ok(call):
            return 401, {
                "code": "woocommerce_rest_cannot_create",
                "message": "Sorry, you are not allowed to create resources.",
                "data": {"status": 401},
            }
        if call.method == "POST" and path == "/wp-json/wc/v3/coupons":
            body = call.body or {}
            if not body.get("code"):
                return 400, {
                    "code": "rest_missing_callback_param",
                    "message": "Missing parameter(s): code",
                    "data": {"status": 400},
                }
            if body.get("discount_type") not in ("percent", "fixed_cart", "fixed_product"):
                return 400, {
                    "code": "rest_invalid_param",
                    "message": "Invalid parameter(s): discount_type",
                    "data": {"status": 400},
                }
            answer = sample("woocommerce", "coupon_create_response.json") | body
            answer["id"] = self.new_id()
            self.codes[body["code"]] = answer
            return 201, answer
        match = re.fullmatch(r"/wp-json/wc/v3/coupons/(\d+)", path)
        if call.method == "DELETE" and match and "force=true" in call.path:
            self.deleted.append(match.group(1))
            return 200, sample("woocommerce", "coupon_create_response.json")
        return 404, {
            "code": "rest_no_route",
            "message": "No route was found",
            "data": {"status": 404},
        }

    def _haravan(self, call: Call, path: str) -> tuple[int, Any]:
        if call.headers.get("authorization") != f"Bearer {HARAVAN_TOKEN}":
            return 401, {"errors": "Unauthorized"}
        if call.method == "POST" and path == "/com/discounts.json":
            discount = (call.body or {}).get("discount") or {}
            if discount.get("discount_type") not in ("fixed_amount", "percentage", "shipping"):
                return 422, {"errors": {"discount_type": ["is invalid"]}}
            answer = sample("haravan", "discount.json") | discount
            answer["id"] = self.new_id()
            self.codes[discount.get("code", "")] = answer
            return 200, {"discount": answer}
        match = re.fullmatch(r"/com/discounts/(\d+)/disable\.json", path)
        if call.method == "PUT" and match:
            self.deleted.append(match.group(1))
            return 200, {"discount": {"id": int(match.group(1)), "status": "disabled"}}
        return 404, {"errors": "Not Found"}


@pytest.fixture
def stores() -> Iterator[tuple[FakeStores, str]]:
    fake = FakeStores()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            call = Call(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                json.loads(raw) if raw else None,
            )
            fake.calls.append(call)
            status, body = fake.answer(call)
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if status == 303:
                self.send_header("location", body.pop("location"))
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
