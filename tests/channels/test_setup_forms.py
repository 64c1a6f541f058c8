"""Channel set-up by one form per provider, with a test send through the provider itself.

The local provider server (tests/channels/conftest.py FakeProviders) answers as the
providers document it: eSMS SendMultipleMessage_V4_post_json returns CodeResult "100" and an
SMSID, or CodeResult "101" "Authorize Failed" for a wrong key (eSMS API docs,
https://developers.esms.vn/esms-api/ham-gui-tin/tin-nhan-sms, "CodeResult" table)."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import ChannelSettings
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders
from tests.web.helpers import csrf_from, sign_in


def _esms_form(base: str, token: str, secret: str = "es") -> dict[str, str]:
    return {
        "api_key": "ek",
        "secret_key": secret,
        "brandname": "ACME",
        "sms_type": "2",
        "base_url": base,
        "csrf_token": token,
    }


def _config(ctx: AppContext, channel: str) -> tuple[str, dict[str, object]]:
    with ctx.sessions() as s:
        row = s.scalars(select(ChannelSettings).where(ChannelSettings.channel == channel)).one()
        return row.provider, dict(row.config)


def test_esms_set_up_by_its_form_sends_a_test_and_reports_the_providers_answer(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
) -> None:
    fake, base = providers
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get("/settings/channels"))
    saved = app_client.post("/settings/channels/sms/esms", data=_esms_form(base, token))
    assert saved.status_code == 200 and 'data-testid="test-sms-esms"' in saved.text
    assert 'data-testid="secret-sms-esms-secret_key">set' in saved.text and ">es<" not in saved.text
    assert _config(ctx, "sms")[0] == "esms"
    answer = app_client.post(
        "/settings/channels/test",
        data={"channel": "sms", "address": "+84901234567", "csrf_token": token},
    )
    assert answer.status_code == 200
    assert "esms accepted it (id esms-settings-test-" in answer.text
    body = json.loads(fake.requests[-1].body)
    assert body["Phone"] == "84901234567" and body["Brandname"] == "ACME"


def test_a_test_refused_by_the_provider_is_reported_as_refused_with_its_reason(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    providers: tuple[FakeProviders, str],
) -> None:
    _fake, base = providers
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get("/settings/channels"))
    app_client.post("/settings/channels/sms/esms", data=_esms_form(base, token, secret="bad"))
    answer = app_client.post(
        "/settings/channels/test",
        data={"channel": "sms", "address": "+84901234567", "csrf_token": token},
    )
    assert answer.status_code == 422
    # The code the provider gave, never its own text (issue 20: no remote text to staff).
    assert "The provider refused it — esms: eSMS refused: code 101 (HTTP 200)" in answer.text
    assert "Authorize Failed" not in answer.text


def test_a_required_secret_must_be_given_once_and_each_bad_field_is_named(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get("/settings/channels"))
    bad = app_client.post(
        "/settings/channels/webhook/http",
        data={"url": "ftp://x", "secret": "", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert "URL: needs an http:// or https:// URL" in bad.text
    assert "Signing secret: required" in bad.text
    twilio = app_client.post(
        "/settings/channels/sms/twilio",
        data={"account_sid": "AC1", "auth_token": "t", "from_number": "0901", "csrf_token": token},
    )
    assert twilio.status_code == 422 and "From number: an international number" in twilio.text
    with ctx.sessions() as s:
        assert s.scalar(select(ChannelSettings.id)) is None


def test_zalo_template_ids_are_set_per_message_and_the_secrets_never_come_back(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get("/settings/channels"))
    form = {
        "oa_id": "4318",
        "app_id": "1234",
        "app_secret": "app-secret",
        "refresh_token": "rt-1",
        "zns_template__golden_hours.thank_you": "20231",
        "zns_template__birthday.wish": "abc",
        "csrf_token": token,
    }
    bad = app_client.post("/settings/channels/zalo/zns", data=form)
    assert bad.status_code == 422 and "birthday.wish: a ZNS template id is a number" in bad.text
    ok = app_client.post(
        "/settings/channels/zalo/zns", data={**form, "zns_template__birthday.wish": ""}
    )
    assert ok.status_code == 200
    assert "app-secret" not in ok.text and "rt-1" not in ok.text and 'value="20231"' in ok.text
    provider, config = _config(ctx, "zalo")
    assert provider == "zns" and config["oa_id"] == "4318"
    assert config["template_ids"] == {"golden_hours.thank_you": "20231"}
    assert config["refresh_token"] == "rt-1"
