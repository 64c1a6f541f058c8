"""The campaign page's per-customer preview (issue 17 item 3: "a preview for a real
customer is the exact text that would be sent"): it goes through the same channels code
as the send, so what staff read is byte for byte what the outbox queues. Marketing SMS
carry the "QC" label and a refusal line (Decree 91/2020/NĐ-CP, Article 12), which the
preview must show as sent."""

from __future__ import annotations

import html
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.channels.models import Message
from careloop.community.campaigns import create_campaign, schedule_campaign
from careloop.community.customer_preview import customer_preview
from careloop.community.models import Campaign, CommunitySend
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import sign_in

from .factories import make_customer, messages, run_worker

BODY = "Chào {{ customer.first_name }}, {{ shop.sms_name }} tặng bạn ưu đãi tuần này."


def _campaign(ctx: AppContext, shop: Shop) -> int:
    with ctx.sessions() as s, s.begin():
        return create_campaign(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            name="Tuần lễ trà",
            purpose="promotion",
            audience={"segments": ["champions"]},
            subject="Ưu đãi cho {{ customer.first_name }}",
            body=BODY,
        ).id


def _rows(ctx: AppContext) -> tuple[int, int]:
    with ctx.sessions() as s:
        sends = s.scalar(select(func.count()).select_from(CommunitySend)) or 0
        sent = s.scalar(select(func.count()).select_from(Message)) or 0
        return int(sends), int(sent)


def test_the_preview_for_a_customer_is_exactly_what_the_send_queues_on_every_channel(
    ctx: AppContext, shop: Shop
) -> None:
    mai = make_customer(ctx, shop, "A", name="Nguyễn Thị Mai", locale="vi")
    campaign_id = _campaign(ctx, shop)
    with ctx.sessions() as s:
        shown = customer_preview(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            campaign=s.get_one(Campaign, campaign_id),
            customer_id=mai.id,
            staff_locale="en",
        )
    assert shown.action == "send" and shown.texts
    assert _rows(ctx) == (0, 0)  # a preview writes nothing
    with ctx.sessions() as s, s.begin():
        schedule_campaign(
            session=s, clock=ctx.clock, shop=s.merge(shop), campaign_id=campaign_id, send_at=None
        )
    run_worker(ctx)
    [sent] = messages(ctx)
    assert [item.channel for item in shown.texts] == sent.channel_chain
    for item in shown.texts:
        assert item.rendered is not None
        assert item.rendered.as_json() == sent.rendered[item.channel]
    assert "Mai" in shown.texts[0].rendered.text  # type: ignore[union-attr]


def test_the_campaign_page_shows_the_sms_a_vietnamese_customer_would_get_with_its_cost(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    mai = make_customer(ctx, shop, "A", name="Nguyễn Thị Mai", locale="vi", preferred_channel="sms")
    campaign_id = _campaign(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    with ctx.sessions() as s, s.begin():
        stored = s.get_one(Shop, shop.id)
        stored.settings = {**(stored.settings or {}), "sms_cost_per_part": 800}
    page = app_client.get(f"/community/campaigns/{campaign_id}?customer={mai.id}")
    assert page.status_code == 200
    with ctx.sessions() as s:
        shown = customer_preview(
            session=s,
            clock=ctx.clock,
            shop=s.get_one(Shop, shop.id),
            campaign=s.get_one(Campaign, campaign_id),
            customer_id=mai.id,
            staff_locale="vi",
        )
    sms = next(item for item in shown.texts if item.channel == "sms")
    assert sms.rendered is not None and sms.rendered.text.startswith("[QC] ")
    section = page.text.split('data-testid="preview-sms-text">')[1].split("</div>")[0]
    assert section == "".join(f"{html.escape(line)}<br>" for line in sms.rendered.text.splitlines())
    assert "sẽ được gửi ngay" in page.text
    assert sms.sms is not None
    assert (
        f'data-testid="preview-sms-cost">{sms.sms.parts * 800:,} ₫'.replace(",", ".") in page.text
    )


def test_another_shops_customer_or_a_bad_id_is_refused_naming_the_field_in_vietnamese(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("other", name="Other Tea")
    stranger = make_customer(ctx, other, "Z", segment=None, with_order=False)
    campaign_id = _campaign(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    for picked in (str(stranger.id), "abc"):
        page = app_client.get(f"/community/campaigns/{campaign_id}?customer={picked}")
        assert page.status_code == 422
        assert f"Mã khách hàng: không có khách hàng {picked} trong cửa hàng này" in page.text
        assert 'data-testid="preview-sms-text"' not in page.text
    assert _rows(ctx) == (0, 0)


def test_a_customer_who_refused_marketing_is_shown_as_not_receiving_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    no = make_customer(ctx, shop, "D", consents={"sms": "denied", "email": "denied"})
    campaign_id = _campaign(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="en")
    page = app_client.get(f"/community/campaigns/{campaign_id}?customer={no.id}")
    assert page.status_code == 200
    assert 'data-action="suppress"' in page.text
    assert "would not be sent to this customer" in page.text
