"""The login throttle (OWASP ASVS 4.0.3 V2.2.1: "anti-automation controls ... effective
at mitigating breached credential testing, brute force, and account lockout attacks").
X-Forwarded-For (RFC 7239 §5.2 / MDN "X-Forwarded-For": the header is a comma-separated
list, each proxy appending the address it received the request from, so only the entries
added by one's own proxies are trustworthy) counts only when the peer is a configured
proxy (CARELOOP_TRUSTED_PROXIES)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.web.helpers import csrf_from

PROXY = "10.0.0.5"


def _attempt(client: TestClient, email: str, password: str, forwarded_for: str = "") -> int:
    form = client.get("/login")
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(form)},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


@pytest.fixture
def behind_proxy(ctx: AppContext) -> Iterator[Callable[[str], TestClient]]:
    """Clients whose connection comes from `peer`, to an app that trusts PROXY only."""
    settings = ctx.settings.model_copy(update={"trusted_proxies": f"{PROXY}, 192.168.0.0/16"})
    app = create_app(replace(ctx, settings=settings))
    made: list[TestClient] = []

    def client(peer: str) -> TestClient:
        made.append(TestClient(app, client=(peer, 40000)))
        return made[-1]

    yield client
    for c in made:
        c.close()


def test_rotating_x_forwarded_for_from_an_untrusted_client_does_not_reset_the_count(
    behind_proxy: Callable[[str], TestClient], shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    attacker = behind_proxy("203.0.113.7")
    for n in range(5):
        assert _attempt(attacker, email, "guess-guess", f"198.51.100.{n}") == 401

    assert _attempt(attacker, email, "guess-guess", "198.51.100.99") == 429
    # Blocked even with the right password until the window passes.
    assert _attempt(attacker, email, "correct horse battery", "198.51.100.100") == 429


def test_behind_a_trusted_proxy_each_client_address_is_counted_on_its_own(
    behind_proxy: Callable[[str], TestClient], shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    proxy = behind_proxy(PROXY)
    for _ in range(5):
        # A client may put anything first; the proxy appends the address it saw.
        assert _attempt(proxy, email, "guess-guess", "1.2.3.4, 203.0.113.7") == 401
    assert _attempt(proxy, email, "guess-guess", "5.6.7.8, 203.0.113.7") == 429

    # Another office behind the same proxy (through a second, internal trusted hop).
    assert _attempt(proxy, email, "correct horse battery", "198.51.100.20, 192.168.1.1") == 303


def test_many_addresses_guessing_one_account_are_stopped_by_the_per_account_limit(
    behind_proxy: Callable[[str], TestClient], shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(shop)
    proxy = behind_proxy(PROXY)
    for n in range(20):
        assert _attempt(proxy, email, "guess-guess", f"198.51.100.{n}") == 401

    assert _attempt(proxy, email, "guess-guess", "198.51.100.250") == 429
    # Another account from a fresh address is not affected.
    make_staff(shop, "agent@acme.test", role="agent")
    assert _attempt(proxy, "agent@acme.test", "correct horse battery", "198.51.100.251") == 303
