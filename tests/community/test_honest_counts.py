"""A campaign's page and the dashboard tell the truth about delivery (issue 16 item 3):
sent only when a provider accepted, failures grouped by cause with a link that fixes it."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.channels.dispatch import dispatch_due
from careloop.community.campaigns import create_campaign, schedule_campaign
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer, run_worker


def _campaign_to_everyone(ctx: AppContext, shop: Shop) -> int:
    with ctx.sessions() as s, s.begin():
        campaign = create_campaign(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            name="Brewing tips",
            purpose="value",
            audience={"segments": ["champions"]},
            subject="Three ways to brew",
            body="Grind just before brewing.",
        )
        schedule_campaign(
            session=s, clock=ctx.clock, shop=s.merge(shop), campaign_id=campaign.id, send_at=None
        )
        return campaign.id


def _dispatch_all(ctx: AppContext) -> None:
    """Dispatch until nothing is due (each pass tries one channel of a fallback chain)."""
    for _ in range(5):
        if not dispatch_due(ctx):
            return


def _stat(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">.*?class="stat-value">([^<]*)<', page, re.S)
    assert match, f"no {testid} on the page"
    return match.group(1)


def test_a_campaign_whose_messages_all_failed_shows_them_failed_not_sent(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    for ref in ("A", "B", "C"):
        make_customer(ctx, shop, ref)
    campaign_id = _campaign_to_everyone(ctx, shop)
    run_worker(ctx)
    _dispatch_all(ctx)  # no channel is set up: every send fails
    run_worker(ctx)
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get(f"/community/campaigns/{campaign_id}").text

    assert _stat(page, "delivery-failed") == "3"
    assert _stat(page, "delivery-sent") == "0"
    assert _stat(page, "delivery-delivered") == "0"
    assert "3 messages failed: nobody received them." in page


def test_the_dashboard_groups_failed_sends_by_cause_with_a_link_to_fix_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    for ref in ("A", "B", "C"):
        make_customer(ctx, shop, ref)
    _campaign_to_everyone(ctx, shop)
    run_worker(ctx)
    _dispatch_all(ctx)
    sign_in(app_client, ctx, make_staff(shop), shop)

    home = app_client.get("/").text

    lines = re.findall(r'<li class="attention-\w+" data-testid="attention-([^"]+)"', home)
    assert len(lines) == 1, lines
    assert "3 messages failed: the" in home and "channel is not set up" in home
    assert 'href="/settings/channels">Set up the channel</a>' in home
    assert "may have been sent" not in home
    assert home.count("Message failed") == 0  # no row per failed message in recent activity


def test_the_dashboard_says_nothing_needs_attention_when_all_is_well(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    assert "Nothing needs you right now." in app_client.get("/").text


def test_sending_a_campaign_on_a_channel_not_set_up_warns_first_with_a_link(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        campaign = create_campaign(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            name="Tips",
            purpose="value",
            audience={"segments": ["champions"]},
            subject="Tips",
            body="Grind just before brewing.",
        )
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/campaigns/{campaign.id}")
    assert 'data-testid="channels-not-ready"' in page.text

    warned = app_client.post(
        f"/community/campaigns/{campaign.id}/send",
        data={"send_at": "", "csrf_token": csrf_from(page)},
    )

    assert warned.status_code == 409
    assert '<a href="/settings/channels">Set up channels</a>' in warned.text
    assert "Send anyway" in warned.text
    assert 'data-status="draft"' in warned.text
