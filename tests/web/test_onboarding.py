"""The first-day checklist: ticked from the shop's real state, each step linking to the page
that does it, shown on the overview until done and always reachable from the navigation."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox, free_port
from tests.web.helpers import add_customer, add_order, csrf_from, sign_in

STEPS = ("store", "channel", "orders", "links", "journeys", "staff")


def _ticks(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="step-(\w+)" data-done="(yes|no)"', html))


def test_a_new_shops_owner_lands_on_the_checklist_with_every_step_linked_and_open(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    home = sign_in(app_client, ctx, make_staff(shop), shop)
    assert 'data-testid="checklist"' in home.text
    assert _ticks(home.text) == dict.fromkeys(STEPS, "no")
    for path in ("/settings/connectors", "/settings/channels", "/import", "/journeys"):
        assert f'href="{path}"' in home.text
    assert 'href="/get-started"' in home.text  # reachable later from the navigation
    assert "careloop " not in home.text.replace("careloop.css", "").replace("careloop.js", "")


def test_each_step_is_ticked_by_doing_it_and_the_checklist_leaves_the_overview_when_done(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = {"csrf_token": csrf_from(app_client.get("/settings"))}
    app_client.post("/settings/api-keys", data={**token, "name": "My site"})
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        smtp = {"host": "127.0.0.1", "port": str(port), "security": "none"}
        app_client.post(
            "/settings/channels/email/smtp",
            data={**token, **smtp, "from_address": "shop@acme.test"},
        )
        assert _ticks(app_client.get("/get-started").text)["channel"] == "no"  # set, untested
        app_client.post(
            "/settings/channels/test", data={**token, "channel": "email", "address": "me@x.test"}
        )
    finally:
        server.stop()
    assert len(inbox.messages) == 1
    add_customer(ctx, shop, "c1", email="mai@x.test")
    add_order(ctx, shop, "c1", "o1", "100000")
    bad = app_client.post("/settings/links", data={**token, "store_url": "acme.test"})
    assert bad.status_code == 422 and "store_url" not in _ticks(app_client.get("/get-started").text)
    app_client.post(
        "/settings/links",
        data={**token, "store_url": "https://acme.test", "google": "https://g.page/r/acme/review"},
    )
    assert _ticks(app_client.get("/get-started").text) == {
        "store": "yes",
        "channel": "yes",
        "orders": "yes",
        "links": "yes",
        "journeys": "no",
        "staff": "no",
    }
    app_client.post("/journeys/install-recommended", data=token)
    app_client.post(
        "/settings/staff",
        data={**token, "email": "an@acme.test", "password": "a-long-password-1", "role": "agent"},
    )
    done = app_client.get("/get-started")
    assert _ticks(done.text) == dict.fromkeys(STEPS, "yes")
    assert 'data-testid="checklist-done"' in done.text
    assert 'data-testid="checklist"' not in app_client.get("/").text


def test_a_viewer_does_not_get_the_owners_checklist(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    home = sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    assert 'data-testid="checklist"' not in home.text
    assert app_client.get("/get-started").status_code == 200
