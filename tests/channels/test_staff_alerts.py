"""Staff hear about what needs them (issue 16 item 8): a negative review's 2-hour reply
deadline reaches the shop owner by email through the shop's own email channel, checked
on a real SMTP server (aiosmtpd), once per cause, plus the daily digest at 08:00 shop time.
SMTP per RFC 5321; aiosmtpd's Controller is its documented test harness."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.alerts.models import StaffAlert
from careloop.alerts.tasks import staff_alerts
from careloop.channels.models import ChannelSettings
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.feedback.schemas import ReviewIn
from careloop.feedback.service import record_review
from careloop.shops.models import Shop, StaffUser
from tests.web.helpers import csrf_from, sign_in

from .conftest import FakeProviders, Inbox
from .helpers import configure


def _bad_review(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        record_review(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=ReviewIn(
                review_id="g-1",
                platform="google",
                rating=1,
                text="Broken on arrival",
                posted_at=ctx.clock.now(),
            ),
            source="test",
        )


def test_a_negative_review_reaches_the_owner_by_email_once_with_the_link_to_reply(
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    make_staff(shop, email="owner@acme.test")
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=port,
        security="none",
        from_address="care@acme.test",
    )
    _bad_review(ctx, shop)

    staff_alerts(ctx)

    subjects = [str(m["Subject"]) for m in inbox.messages]
    alert = next(m for m in inbox.messages if "đánh giá tiêu cực" in str(m["Subject"]))
    assert str(alert["To"]) == "owner@acme.test"
    # The owner reads Vietnamese (their staff locale).
    assert "[Acme Coffee] 1 đánh giá tiêu cực cần trả lời công khai trong 2 giờ" in subjects
    assert "/feedback/reviews" in alert.get_content()
    assert "[Acme Coffee] Việc cần xử lý hôm nay" in subjects  # 10:00 local: the digest too

    staff_alerts(ctx)
    assert len(inbox.messages) == len(subjects)  # told once


ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"


def _choose(client: TestClient, ctx: AppContext, shop: Shop, email: str, **form: str) -> str:
    """The staff member picks their alert channel on their own account page."""
    sign_in(client, ctx, email, shop, locale="vi")
    page = client.get("/account")
    answer = client.post("/account/alerts", data={**form, "csrf_token": csrf_from(page)})
    return answer.text


def test_a_staff_member_who_chose_sms_gets_the_negative_review_alert_by_esms(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
    app_client: TestClient,
) -> None:
    """eSMS SendMultipleMessage_V4_post_json (developers.esms.vn/en/esms-api/send-sms-api/
    send-otp-customer-care-message: JSON ApiKey/SecretKey/Phone/Content/Brandname/SmsType 2;
    CodeResult 100 = accepted) on the
    local provider server: the owner chose SMS with their phone on the account page, so the
    alert goes to that phone through the shop's eSMS account, and no email is needed."""
    fake, base = providers
    email = make_staff(shop, email="owner@acme.test")
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", brandname="ACME", base_url=base,
        allow_private=True,
    )  # fmt: skip
    refused = _choose(app_client, ctx, shop, email, alert_channel="sms", alert_phone="12")
    assert "Đây không phải là số điện thoại." in refused
    assert "Số điện thoại (cho SMS hoặc Zalo)" in refused
    _choose(app_client, ctx, shop, email, alert_channel="sms", alert_phone="0901 234 567")
    with ctx.sessions() as s:
        user = s.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        assert (user.alert_channel, user.alert_phone) == ("sms", "+84901234567")
    assert 'data-testid="alert-fallback"' not in app_client.get("/account").text
    _bad_review(ctx, shop)

    staff_alerts(ctx)

    sent = [json.loads(r.body) for r in fake.requests if r.path == ESMS_PATH]
    alert = next(b for b in sent if "đánh giá tiêu cực" in b["Content"])
    assert alert["Phone"] == "84901234567" and alert["ApiKey"] == "ek"
    assert "/feedback/reviews" in alert["Content"]
    with ctx.sessions() as s:
        rows = s.scalars(select(StaffAlert).where(StaffAlert.kind == "alert")).all()
    assert [(r.channel, r.status, r.reason) for r in rows] == [("sms", "sent", None)]


def test_sms_chosen_but_not_set_up_by_the_shop_falls_back_to_email_and_says_so(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    smtp_server: tuple[Inbox, int],
    app_client: TestClient,
) -> None:
    inbox, port = smtp_server
    email = make_staff(shop, email="owner@acme.test")
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none",
        from_address="care@acme.test",
    )  # fmt: skip
    _choose(app_client, ctx, shop, email, alert_channel="sms", alert_phone="0901234567")
    page = app_client.get("/account").text
    assert "Cửa hàng chưa thiết lập SMS cho cảnh báo" in page  # said before it happens
    _bad_review(ctx, shop)

    staff_alerts(ctx)

    assert any("đánh giá tiêu cực" in str(m["Subject"]) for m in inbox.messages)
    with ctx.sessions() as s:
        row = s.scalars(select(StaffAlert).where(StaffAlert.kind == "alert")).one()
    assert (row.channel, row.status) == ("email", "sent")
    assert row.reason == "chose sms, but the shop's sms channel is not set up: sent by email"


def test_a_staff_member_who_chose_zalo_gets_the_alert_as_the_shops_approved_zns_template(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
    app_client: TestClient,
) -> None:
    """Zalo ZNS (developers.zalo.me, ZNS API "Gửi thông báo ZNS": POST /message/template,
    header access_token, JSON phone 84.../template_id/template_data; error 0 = sent) after
    the OA token refresh (/v4/oa/access_token, grant_type=refresh_token) on the local server:
    ZNS only sends approved templates, so the shop's 'staff_alert' template carries it."""
    fake, base = providers
    email = make_staff(shop, email="owner@acme.test")
    configure(
        ctx, shop, "zalo", app_id="app1", app_secret="app-secret", oa_secret_key="oa-secret",
        refresh_token="rt-1", base_url=base, oauth_base_url=base, allow_private=True,
        template_ids={"staff_alert": "250001"},
    )  # fmt: skip
    _choose(app_client, ctx, shop, email, alert_channel="zalo", alert_phone="0901234567")
    _bad_review(ctx, shop)

    staff_alerts(ctx)

    zns = [json.loads(r.body) for r in fake.requests if r.path == "/message/template"]
    alert = next(b for b in zns if "đánh giá tiêu cực" in b["template_data"]["alert"])
    assert alert["template_id"] == "250001" and alert["phone"] == "84901234567"
    assert alert["template_data"]["shop"] == "Acme Coffee"
    with ctx.sessions() as s:
        rows = s.scalars(select(StaffAlert).where(StaffAlert.kind == "alert")).all()
        zalo = s.scalars(select(ChannelSettings).where(ChannelSettings.channel == "zalo")).one()
    assert [(r.channel, r.status) for r in rows] == [("zalo", "sent")]
    assert zalo.config["refresh_token"] == "rt-next"  # the refreshed pair is kept


def test_the_owner_sets_the_staff_alert_zns_template_in_the_zalo_channel_form(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/channels")
    assert 'name="zns_template__staff_alert"' in page.text
    form = {
        "oa_id": "4318",
        "app_id": "1234",
        "app_secret": "app-secret",
        "refresh_token": "rt-1",
        "zns_template__staff_alert": "250001",
        "csrf_token": csrf_from(page),
    }
    assert app_client.post("/settings/channels/zalo/zns", data=form).status_code == 200
    with ctx.sessions() as s:
        zalo = s.scalars(select(ChannelSettings).where(ChannelSettings.channel == "zalo")).one()
        assert zalo.config["template_ids"] == {"staff_alert": "250001"}


def test_an_sms_alert_goes_through_twilio_when_that_is_the_shops_sms_provider(
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
    app_client: TestClient,
) -> None:
    """Twilio Messages API (twilio.com/docs/messaging/api/message-resource, "Create a
    Message resource": POST /2010-04-01/Accounts/{AccountSid}/Messages.json, basic auth,
    form To (E.164)/From/Body; 201 with the sid) on the local provider server."""
    from urllib.parse import parse_qs

    fake, base = providers
    email = make_staff(shop, email="owner@acme.test")
    configure(
        ctx, shop, "sms", "twilio", account_sid=FakeProviders.TWILIO_SID,
        auth_token=FakeProviders.TWILIO_TOKEN, from_number="+15005550006", base_url=base,
        allow_private=True,
    )  # fmt: skip
    _choose(app_client, ctx, shop, email, alert_channel="sms", alert_phone="+84 90 123 4567")
    _bad_review(ctx, shop)

    staff_alerts(ctx)

    path = f"/2010-04-01/Accounts/{FakeProviders.TWILIO_SID}/Messages.json"
    forms = [
        {k: v[0] for k, v in parse_qs(r.body.decode()).items()}
        for r in fake.requests
        if r.path == path
    ]
    alert = next(f for f in forms if "đánh giá tiêu cực" in f["Body"])
    assert alert["To"] == "+84901234567" and alert["From"] == "+15005550006"
    with ctx.sessions() as s:
        rows = s.scalars(select(StaffAlert).where(StaffAlert.kind == "alert")).all()
    assert [(r.channel, r.status) for r in rows] == [("sms", "sent")]
