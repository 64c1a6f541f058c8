"""Settings: shop, channels, contact policy, SLA and business hours, staff, API keys."""

from __future__ import annotations

from collections.abc import Callable

from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.channels.models import ChannelSettings
from careloop.context import AppContext
from careloop.shops.models import ApiKey, Membership, Shop, StaffUser
from tests.channels.conftest import Inbox, free_port
from tests.conftest import TEST_PASSWORD
from tests.web.helpers import csrf_from, sign_in


def _actions(ctx: AppContext) -> list[str]:
    with ctx.sessions() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_owner_changes_the_shop_and_a_bad_time_zone_is_shown_next_to_the_field(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings")
    form = {
        "name": "Acme Roasters",
        "timezone": "Mars/Olympus",
        "currency": "VND",
        "locale": "vi",
        "business_model": "retail",
        "csrf_token": csrf_from(page),
    }
    bad = app_client.post("/settings/shop", data=form)
    assert bad.status_code == 422 and "unknown time zone" in bad.text
    assert 'value="Acme Roasters"' in bad.text  # what was typed stays in the form
    saved = app_client.post("/settings/shop", data={**form, "timezone": "Asia/Bangkok"})
    assert saved.status_code == 200 and "Saved." in saved.text
    with ctx.sessions() as s:
        assert s.scalar(select(Shop.name)) == "Acme Roasters"
    assert _actions(ctx) == ["shop.settings_changed"]


def test_the_contact_policy_form_validates_and_saves_caps_and_quiet_hours(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/policy")
    assert 'value="21:00"' in page.text and 'value="2"' in page.text
    form = {
        "max_per_window": "3",
        "window_days": "30",
        "max_per_day": "-1",
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "channel_order": "zalo, email",
        "csrf_token": csrf_from(page),
    }
    bad = app_client.post("/settings/policy", data=form)
    assert bad.status_code == 422 and "greater than or equal to 0" in bad.text
    ok = app_client.post("/settings/policy", data={**form, "max_per_day": "1"})
    assert ok.status_code == 200
    with ctx.sessions() as s:
        policy = s.scalar(select(Shop.contact_policy))
    assert policy is not None and policy["max_per_window"] == 3
    assert policy["quiet_hours"] == {"start": "22:00", "end": "07:30"}


def test_sla_policies_and_business_hours_are_edited_with_errors_by_field(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/support")
    assert page.status_code == 200 and 'data-testid="sla-policies"' in page.text
    bad = app_client.post(
        "/settings/support/sla",
        data={
            "name": "VIP",
            "first_response_minutes": "abc",
            "next_response_minutes": "60",
            "resolution_minutes": "600",
            "csrf_token": csrf_from(page),
        },
    )
    assert bad.status_code == 422 and "a whole number of minutes" in bad.text
    ok = app_client.post(
        "/settings/support/sla",
        data={
            "name": "VIP",
            "first_response_minutes": "30",
            "next_response_minutes": "60",
            "resolution_minutes": "600",
            "priorities": "urgent",
            "business_hours": "1",
            "csrf_token": csrf_from(page),
        },
    )
    assert ok.status_code == 200 and "VIP" in ok.text
    hours = {f"hours_{d}": "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    bad_hours = app_client.post(
        "/settings/support/hours",
        data={**hours, "hours_sat": "25:00-26:00", "csrf_token": csrf_from(page)},
    )
    assert bad_hours.status_code == 422
    good = app_client.post("/settings/support/hours", data={**hours, "csrf_token": csrf_from(page)})
    assert good.status_code == 200 and 'value="09:00-18:00"' in good.text
    assert _actions(ctx) == ["support.sla_policy_saved", "support.business_hours_changed"]


def test_a_vietnamese_owner_reads_sla_policies_in_vietnamese_and_ticks_priorities(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    """What a policy applies to is named in words (a loyalty privilege, a segment, a priority),
    minutes are Vietnamese numbers, priorities are ticked not typed, errors are Vietnamese."""
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/settings/support")
    table = page.text.split('data-testid="sla-policies"')[1].split("</table>")[0]
    assert "Hỗ trợ ưu tiên" in table and "priority_support" not in table
    assert "1.530" in table  # three working days of 8.5 hours, in minutes
    picks = page.text.split('data-testid="sla-priorities"')[1].split("</fieldset>")[0]
    assert 'value="urgent"> Khẩn cấp' in picks and 'value="high"> Cao' in picks
    form = {
        "name": "Gấp",
        "first_response_minutes": "0",
        "next_response_minutes": "60",
        "resolution_minutes": "600",
        "csrf_token": csrf_from(page),
    }
    bad = app_client.post("/settings/support/sla", data=form)
    assert bad.status_code == 422 and "phải lớn hơn 0" in bad.text
    ok = app_client.post(
        "/settings/support/sla",
        data={**form, "first_response_minutes": "30", "priorities": ["urgent", "high"]},
    )
    assert ok.status_code == 200
    row = ok.text.split('data-testid="sla-policies"')[1].split("</table>")[0].split("Gấp")[1]
    assert "Cao, Khẩn cấp" in row.split("</tr>")[0]
    playbook = ok.text.split('data-testid="playbook-damaged_defective"')[1].split("</details>")[0]
    assert "Sản phẩm bị hỏng hoặc lỗi" in playbook and "<strong>Khắc phục</strong>" in playbook
    assert "Gửi hỏa tốc hàng thay thế, Mã giảm giá, Hoàn tiền" in playbook


def test_the_owner_invites_changes_the_role_of_and_removes_a_staff_member(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/staff")
    bad = app_client.post(
        "/settings/staff",
        data={
            "email": "not-an-email",
            "password": TEST_PASSWORD,
            "role": "agent",
            "csrf_token": csrf_from(page),
        },
    )
    assert bad.status_code == 422 and "not an email address" in bad.text
    app_client.post(
        "/settings/staff",
        data={
            "email": "mai@acme.test",
            "name": "Mai",
            "password": TEST_PASSWORD,
            "role": "agent",
            "csrf_token": csrf_from(page),
        },
    )
    with ctx.sessions() as s:
        mai = s.scalar(select(StaffUser.id).where(StaffUser.email == "mai@acme.test"))
    changed = app_client.post(
        f"/settings/staff/{mai}/role", data={"role": "viewer", "csrf_token": csrf_from(page)}
    )
    assert changed.status_code == 200
    with ctx.sessions() as s:
        assert s.scalar(select(Membership.role).where(Membership.user_id == mai)) == "viewer"
    app_client.post(f"/settings/staff/{mai}/remove", data={"csrf_token": csrf_from(page)})
    with ctx.sessions() as s:
        assert s.scalar(select(Membership.id).where(Membership.user_id == mai)) is None
    assert _actions(ctx) == ["staff.invited", "staff.role_changed", "staff.removed"]


def test_an_api_key_is_shown_once_and_can_be_revoked(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/api-keys")
    assert "No API keys yet" in page.text
    created = app_client.post(
        "/settings/api-keys", data={"name": "Haravan", "csrf_token": csrf_from(page)}
    )
    assert 'data-testid="new-key"' in created.text
    again = app_client.get("/settings/api-keys")
    assert 'data-testid="new-key"' not in again.text and "Haravan" in again.text
    with ctx.sessions() as s:
        key_id = s.scalar(select(ApiKey.id))
    app_client.post(f"/settings/api-keys/{key_id}/revoke", data={"csrf_token": csrf_from(page)})
    with ctx.sessions() as s:
        assert s.scalar(select(ApiKey.revoked_at)) is not None


def test_the_smtp_form_names_a_bad_field_and_saves_with_the_password_write_only(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/channels")
    assert "built-in method" not in page.text
    assert 'data-testid="form-email-smtp"' in page.text and "smtp.gmail.com" in page.text
    form = {
        "host": "smtp.example.com",
        "port": "seventy",
        "security": "starttls",
        "username": "shop@acme.test",
        "password": "hunter2",
        "from_address": "shop@acme.test",
        "csrf_token": csrf_from(page),
    }
    bad = app_client.post("/settings/channels/email/smtp", data=form)
    assert bad.status_code == 422 and "Port: a whole number from 1 to 65535" in bad.text
    assert "hunter2" not in bad.text and 'value="smtp.example.com"' in bad.text
    with ctx.sessions() as s:
        assert s.scalar(select(ChannelSettings.id)) is None  # nothing saved
    saved = app_client.post("/settings/channels/email/smtp", data={**form, "port": "2525"})
    assert saved.status_code == 200 and 'value="smtp.example.com"' in saved.text
    assert "hunter2" not in saved.text
    assert 'data-testid="secret-email-smtp-password">set' in saved.text
    # A blank password keeps the stored one; a blank optional field clears it.
    app_client.post(
        "/settings/channels/email/smtp",
        data={**form, "port": "2525", "password": "", "username": ""},
    )
    with ctx.sessions() as s:
        config = s.scalars(select(ChannelSettings.config)).one()
    assert config["password"] == "hunter2" and config["port"] == 2525
    assert "username" not in config


def test_a_test_send_needs_a_configured_channel(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings/channels")
    test = app_client.post(
        "/settings/channels/test",
        data={"channel": "sms", "address": "+84901234567", "csrf_token": csrf_from(page)},
    )
    assert test.status_code == 422 and "set up this channel first" in test.text


def test_a_viewer_reads_settings_but_changes_nothing_and_cannot_see_staff_or_keys(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    for path in ("/settings", "/settings/channels", "/settings/policy", "/settings/support"):
        assert app_client.get(path).status_code == 200, path
    assert app_client.get("/settings/staff").status_code == 403
    assert app_client.get("/settings/api-keys").status_code == 403
    page = app_client.get("/settings")
    answer = app_client.post(
        "/settings/shop",
        data={
            "name": "X",
            "timezone": "UTC",
            "currency": "VND",
            "locale": "vi",
            "business_model": "retail",
            "csrf_token": csrf_from(page),
        },
    )
    assert answer.status_code == 403


def test_another_shops_staff_and_keys_are_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    make_api_key: Callable[[Shop], str],
) -> None:
    other = make_shop("other", name="Other")
    make_staff(other, email="boss@other.test")
    make_api_key(other)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/settings")
    with ctx.sessions() as s:
        boss = s.scalar(select(StaffUser.id).where(StaffUser.email == "boss@other.test"))
        key = s.scalar(select(ApiKey.id))
    token = {"csrf_token": csrf_from(page)}
    assert app_client.post(f"/settings/staff/{boss}/remove", data=token).status_code == 404
    assert (
        app_client.post(f"/settings/staff/{boss}/role", data={**token, "role": "viewer"})
    ).status_code == 404
    assert app_client.post(f"/settings/api-keys/{key}/revoke", data=token).status_code == 404


def test_send_test_message_goes_through_the_shops_own_smtp_server(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        sign_in(app_client, ctx, make_staff(shop), shop)
        page = app_client.get("/settings/channels")
        app_client.post(
            "/settings/channels/email/smtp",
            data={
                "host": "127.0.0.1",
                "port": str(port),
                "security": "none",
                "from_address": "shop@acme.test",
                "csrf_token": csrf_from(page),
            },
        )
        sent = app_client.post(
            "/settings/channels/test",
            data={"channel": "email", "address": "me@acme.test", "csrf_token": csrf_from(page)},
        )
    finally:
        server.stop()
    assert sent.status_code == 200 and "sent to me@acme.test: smtp accepted it" in sent.text
    assert [m["Subject"] for m in inbox.messages] == ["[THỬ] Acme Coffee"]  # the shop speaks vi
    assert _actions(ctx) == ["channel.settings_changed", "channel.test_sent"]


def test_the_owner_adds_shop_days_off_as_dd_mm_yyyy_and_a_bad_one_is_named_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/settings/support")
    assert "Ngày nghỉ riêng của cửa hàng" in page.text
    bad = app_client.post(
        "/settings/support/days-off",
        data={"days_off": "28/01/2031\n30/02/2031", "csrf_token": csrf_from(page)},
    )
    assert bad.status_code == 422
    assert "Không phải ngày dạng dd/mm/yyyy: 30/02/2031" in bad.text
    with ctx.sessions() as s:
        unchanged = s.get(Shop, shop.id)
        assert unchanged is not None
        assert "days_off" not in ((unchanged.settings or {}).get("support") or {})
    good = app_client.post(
        "/settings/support/days-off",
        data={"days_off": "28/01/2031, 03/02/2031", "csrf_token": csrf_from(page)},
    )
    assert good.status_code == 200 and "28/01/2031\n03/02/2031" in good.text
    with ctx.sessions() as s:
        stored = s.get(Shop, shop.id)
        assert stored is not None
        assert stored.settings["support"]["days_off"] == ["2031-01-28", "2031-02-03"]
    assert _actions(ctx)[-1] == "support.days_off_changed"
