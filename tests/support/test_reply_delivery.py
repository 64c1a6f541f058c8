"""A ticket reply on a channel that is not set up warns first with a link, and the
conversation shows each reply's honest delivery state (issue 16 item 3)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.channels.dispatch import dispatch_due
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .test_ui import open_a_ticket


def test_replying_on_a_channel_not_set_up_warns_first_then_shows_the_reply_failed(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    ticket_id = open_a_ticket(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get(f"/tickets/{ticket_id}")
    assert "The Email channel is not set up" in page.text

    warned = app_client.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "We are sending a new one.", "csrf_token": csrf_from(page)},
    )
    assert warned.status_code == 409
    assert '<a href="/settings/channels">Set up the channel</a>' in warned.text
    assert "We are sending a new one." in warned.text  # the draft is kept
    assert 'data-testid="delivery-' not in warned.text  # nothing was saved

    app_client.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "We are sending a new one.", "csrf_token": csrf_from(warned), "anyway": "1"},
    )
    assert "Queued" in app_client.get(f"/tickets/{ticket_id}").text
    for _ in range(5):  # each pass tries one channel of the fallback chain
        if not dispatch_due(ctx):
            break

    after = app_client.get(f"/tickets/{ticket_id}").text
    assert ">Failed</span>" in after
