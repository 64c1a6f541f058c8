"""Public pages reached by a signed token: a token for shop A's customer, tampered with,
signed with another secret, meant for another page or presented at another shop's path,
reads nothing and changes nothing."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer

from careloop.channels import links
from careloop.context import AppContext
from careloop.loyalty.page import page_token
from careloop.shops.models import Shop
from tests.conftest import ShopFactory
from tests.hardening.ui_routes import changed_tables, snapshot
from tests.web.helpers import add_customer

SECRET_NAME = "Alice Tenant-A Secret"
CUSTOMER_PAGES = {  # purpose -> (method, path)
    "preferences": ("GET", "/c/prefs/{token}"),
    "unsubscribe": ("POST", "/c/unsub/{token}"),
    "reorder": ("GET", "/c/reorder/{token}"),
    "review": ("GET", "/c/review/{token}"),
}


def _swap_payload(token: str, payload: dict[str, object]) -> str:
    """Shop A's signature on another payload: what an attacker editing the link makes."""
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return forged + "." + token.rsplit(".", 1)[1]


@pytest.fixture
def two_shops(ctx: AppContext, shop: Shop, make_shop: ShopFactory) -> tuple[Shop, int, int]:
    alice = add_customer(ctx, shop, "C1", name=SECRET_NAME, email="alice@acme.test")
    bravo = make_shop("bravo", name="Bravo Tea")
    bob = add_customer(ctx, bravo, "B1", name="Bob", email="bob@bravo.test")
    return bravo, alice.id, bob.id


@pytest.mark.parametrize("purpose", sorted(CUSTOMER_PAGES))
def test_a_customer_link_only_works_exactly_as_signed(
    ctx: AppContext, shop: Shop, two_shops: tuple[Shop, int, int], app_client: TestClient,
    purpose: str,
) -> None:  # fmt: skip
    bravo, alice, bob = two_shops
    method, path = CUSTOMER_PAGES[purpose]
    payload = {"s": shop.id, "c": alice, "ch": "email"}
    good = links.sign(ctx.secret_key, purpose, payload)
    other = "preferences" if purpose != "preferences" else "unsubscribe"
    refused = {
        "tampered": _swap_payload(good, {"s": bravo.id, "c": bob, "ch": "email"}),
        "another secret": links.sign("not-the-app-secret", purpose, payload),
        "another page's token": links.sign(ctx.secret_key, other, payload),
        "customer of another shop": links.sign(ctx.secret_key, purpose, {**payload, "c": bob}),
        "garbage": "x" * 40,
    }
    before = snapshot(ctx)
    for why, token in refused.items():
        response = app_client.request(method, path.format(token=token), follow_redirects=False)
        assert response.status_code == 404, (why, response.status_code)
        assert SECRET_NAME not in response.text and "Acme" not in response.text, why
    assert changed_tables(before, snapshot(ctx)) == []
    ok = app_client.request(method, path.format(token=good), follow_redirects=False)
    assert ok.status_code in (200, 302), ok.text


def test_the_loyalty_page_refuses_a_tampered_or_foreign_token(
    ctx: AppContext, shop: Shop, two_shops: tuple[Shop, int, int], app_client: TestClient
) -> None:
    bravo, alice, bob = two_shops
    good = page_token(ctx, shop.id, alice)
    refused = [
        _swap_payload(good, [bravo.id, bob]),  # type: ignore[arg-type]
        page_token(ctx, bravo.id, alice),  # shop B's id with shop A's customer
        str(URLSafeSerializer("not-the-app-secret", salt="careloop.loyalty").dumps([1, 1])),
    ]
    for token in refused:
        response = app_client.get(f"/loyalty/{token}")
        assert response.status_code == 404, token
        assert SECRET_NAME not in response.text


def test_a_provider_callback_token_of_shop_a_is_refused_at_shop_b_path(
    ctx: AppContext, shop: Shop, two_shops: tuple[Shop, int, int], app_client: TestClient
) -> None:
    token = links.sign(ctx.secret_key, "callback", {"s": shop.id, "m": 1})
    before = snapshot(ctx)
    response = app_client.get(f"/c/hooks/sms/bravo/status?t={token}&SendStatus=5")
    assert response.status_code == 404
    forged = _swap_payload(token, {"s": two_shops[0].id, "m": 1})
    response = app_client.get(f"/c/hooks/sms/bravo/status?t={forged}&SendStatus=5")
    assert response.status_code == 404
    assert changed_tables(before, snapshot(ctx)) == []
