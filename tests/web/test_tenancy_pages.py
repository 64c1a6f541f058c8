"""A signed-in member of shop B requests every shop-A page and action URL we can build and
gets 404 for each, exactly as for an id that does not exist."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.support.models import Ticket
from tests.channels.test_ui import queue_message
from tests.journeys.test_ui import load_golden_hours
from tests.support.test_ui import add_task, open_a_ticket
from tests.web.helpers import csrf_from, sign_in


def test_shop_b_gets_404_for_every_shop_a_url(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    make_api_key: Callable[[Shop], str],
) -> None:
    ticket_id = open_a_ticket(ctx, shop)  # also adds shop A's customer C-1
    task_id = add_task(ctx, shop, "tenancy")
    load_golden_hours(ctx, shop)
    message_id = queue_message(ctx, shop, journey_key="golden_hours")
    with ctx.sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        customer_id = ticket.customer_id
    other = make_shop("other")
    sign_in(app_client, ctx, make_staff(other, email="owner@other.test"), other)
    token = csrf_from(app_client.get("/"))
    pages = [
        f"/customers/{customer_id}",
        f"/customers/{customer_id}/timeline",
        f"/tickets/{ticket_id}",
        "/journeys/golden_hours",
        f"/messages/{message_id}",
    ]
    actions = [
        f"/customers/{customer_id}/notes",
        f"/tickets/{ticket_id}/reply",
        f"/tickets/{ticket_id}/note",
        f"/tickets/{ticket_id}/assign",
        f"/tickets/{ticket_id}/status",
        f"/tickets/{ticket_id}/steps/apologise",
        f"/tickets/{ticket_id}/compensation",
        f"/tasks/{task_id}",
        "/journeys/golden_hours/activate",
        "/journeys/golden_hours/pause",
        "/journeys/golden_hours/simulate",
    ]
    form = {
        "csrf_token": token,
        "body": "x",
        "action": "resolve",
        "kind": "coupon",
        "outcome": "done",
        "done": "true",
    }
    statuses = {url: app_client.get(url).status_code for url in pages}
    statuses |= {url: app_client.post(url, data=form).status_code for url in actions}
    assert statuses == dict.fromkeys([*pages, *actions], 404)
    # The data-subject export, with shop B's API key.
    exported = app_client.get(
        "/api/v1/customers/C-1/export",
        headers={"Authorization": f"Bearer {make_api_key(other)}"},
    )
    assert exported.status_code == 404
