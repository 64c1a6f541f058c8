"""What a shop owner sees on the connectors page on the first day (issue: connectors page
walk): stored secrets only masked, an add form that asks only the chosen platform's fields in
that platform's own words, and a clear warning when the webhook address cannot be reached
from the internet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.connectors.models import Connector
from careloop.connectors.public_address import is_unreachable_from_internet
from careloop.connectors.service import add_connector
from careloop.context import AppContext
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.web.helpers import csrf_from, sign_in

HARAVAN_SECRET = "haravan-webhook-secret-7f3c9a21"
VERIFY_TOKEN = "haravan-verify-token-5d2e"


def _connect_haravan(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        add_connector(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            platform="haravan",
            secret=HARAVAN_SECRET,
            verify_token=VERIFY_TOKEN,
        )


def test_the_connectors_page_shows_a_stored_haravan_secret_only_by_its_last_4_characters(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _connect_haravan(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get("/settings/connectors")
    form = app_client.get("/settings/connectors?platform=haravan")

    for html in (page.text, form.text):
        assert HARAVAN_SECRET not in html
    assert 'data-testid="secret-masked-haravan">••••1a2b<' not in page.text
    assert 'data-testid="secret-masked-haravan">••••9a21<' in page.text
    assert "Only its last 4 characters are shown" in page.text
    assert 'name="secret" type="password" value=""' in form.text
    assert "Leave empty to keep the stored secret." in form.text


def test_saving_haravan_again_with_an_empty_secret_keeps_the_stored_secret_and_token(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _connect_haravan(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    form = app_client.get("/settings/connectors?platform=haravan")

    saved = app_client.post(
        "/settings/connectors",
        data={"platform": "haravan", "secret": "", "csrf_token": csrf_from(form)},
    )

    assert saved.status_code == 200 and HARAVAN_SECRET not in saved.text
    assert 'data-testid="new-secret"' not in saved.text
    with ctx.sessions() as s:
        row = s.scalars(select(Connector)).one()
        assert (row.secret, row.verify_token) == (HARAVAN_SECRET, VERIFY_TOKEN)


def test_a_secret_careloop_generates_is_shown_once_then_only_masked(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    form = app_client.get("/settings/connectors?platform=woocommerce")

    saved = app_client.post(
        "/settings/connectors",
        data={"platform": "woocommerce", "secret": "", "csrf_token": csrf_from(form)},
    )
    later = app_client.get("/settings/connectors")

    with ctx.sessions() as s:
        generated = s.scalars(select(Connector.secret)).one()
    assert 'data-testid="new-secret"' in saved.text and generated in saved.text
    assert generated not in later.text
    assert f"••••{generated[-4:]}" in later.text


def test_an_agent_sees_no_part_of_a_stored_secret(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _connect_haravan(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)

    page = app_client.get("/settings/connectors")

    assert HARAVAN_SECRET not in page.text and "••••9a21" not in page.text


def test_the_add_form_first_asks_the_platform_and_nothing_else(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get("/settings/connectors")

    assert 'data-testid="choose-platform"' in page.text
    assert 'method="get" action="/settings/connectors"' in page.text
    assert 'name="secret"' not in page.text and 'name="mapping"' not in page.text
    assert 'name="verify_token"' not in page.text


@pytest.mark.parametrize(
    ("platform", "secret_words", "asks_token", "asks_mapping"),
    [
        ("shopify", "Client secret (API secret key) of your Shopify app", False, False),
        ("haravan", "Webhook authentication secret", True, False),
        ("sapo", "Secret Key of your Sapo app", False, False),
        ("woocommerce", "Secret (the webhook&#39;s Secret field", False, False),
        ("generic", "Signing secret (HMAC-SHA256 key", False, True),
    ],
)
def test_the_add_form_asks_only_the_chosen_platforms_fields_in_its_own_words(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    platform: str,
    secret_words: str,
    asks_token: bool,
    asks_mapping: bool,
) -> None:
    """Each platform's name for the key it signs webhooks with:
    - Shopify: the app's "client secret" (formerly "API secret key") signs
      X-Shopify-Hmac-Sha256; a store-admin webhook (Settings > Notifications > Webhooks) is
      signed with the key shown on that page (shopify.dev, Webhooks > "Verify webhooks";
      trigger.dev/docs/webhooks/providers/shopify, steps 3-4).
    - Haravan: "copy the webhook authentication secret string on the notifications page"
      (docs.haravan.com/docs/tutorials/webhooks/private-webhook, "Authenticate webhook").
    - Sapo: the app's "Secret Key" (Sapo's webhooks follow Shopify's, header
      X-Sapo-Hmac-Sha256; see tests/fixtures/sapo/SOURCE.md).
    - WooCommerce: the webhook's "Secret" field under WooCommerce > Settings > Advanced >
      Webhooks (woocommerce.com docs "Webhooks"; nango.dev/docs/integrations/all/woocommerce
      /webhooks, "Register the webhook in WooCommerce", step 4)."""
    sign_in(app_client, ctx, make_staff(shop), shop)

    form = app_client.get(f"/settings/connectors?platform={platform}")

    assert f'data-testid="connector-form-{platform}"' in form.text
    assert f'<input type="hidden" name="platform" value="{platform}">' in form.text
    assert secret_words in form.text
    assert ('name="verify_token"' in form.text) is asks_token
    assert ('name="mapping"' in form.text) is asks_mapping
    assert 'data-testid="choose-platform"' not in form.text


def test_a_vietnamese_owner_reads_haravans_own_words_for_its_secret(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    form = app_client.get("/settings/connectors?platform=haravan")

    assert "Chuỗi xác thực webhook (Cài đặt &gt; Thông báo &gt; Webhooks" in form.text


def test_an_unknown_platform_choice_shows_the_choice_step_again(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)

    form = app_client.get("/settings/connectors?platform=magento")

    assert 'data-testid="choose-platform"' in form.text and 'name="secret"' not in form.text


@pytest.mark.parametrize(
    ("base_url", "unreachable"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://192.168.1.20:8000", True),
        ("http://10.0.0.5", True),
        ("http://careloop.local", True),
        ("https://care.acme.vn", False),
        ("https://8.8.8.8", False),
    ],
)
def test_a_loopback_or_private_base_address_is_unreachable_from_the_internet(
    base_url: str, unreachable: bool
) -> None:
    """Python's ipaddress `is_global` (IANA special-purpose registries) decides for IPs."""
    assert is_unreachable_from_internet(base_url) is unreachable


def test_the_default_loopback_address_is_shown_with_a_warning_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _connect_haravan(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get("/settings/connectors", headers={"host": "192.168.1.20:8000"})

    assert 'data-testid="address-warning"' in page.text
    assert "Nền tảng bán hàng không gửi được tới địa chỉ này" in page.text
    assert "bắt đầu bằng http://127.0.0.1:8000" in page.text
    assert "Bạn đang mở trang từ 192.168.1.20" in page.text
    # The configured address stays; the browser's Host never builds a link sent outside.
    assert "http://127.0.0.1:8000/api/v1/webhooks/haravan/acme" in page.text
    assert "192.168.1.20:8000/api/v1/webhooks" not in page.text
    # No screen tells a user to run a command or set a variable.
    assert "CARELOOP_BASE_URL" not in page.text and "careloop serve" not in page.text


def test_the_warning_in_english_names_the_public_address_as_the_servers_to_set(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)

    page = app_client.get("/settings/connectors")

    assert "Shop platforms cannot reach this address" in page.text
    assert "Ask whoever runs the Careloop server to set its public address" in page.text


def test_a_public_base_address_shows_no_warning_and_ignores_the_browsers_host(
    ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    settings = ctx.settings.model_copy(update={"base_url": "https://care.acme.vn"})
    public = replace(ctx, settings=settings)
    _connect_haravan(public, shop)
    with TestClient(create_app(public)) as client:
        sign_in(client, public, make_staff(shop), shop)
        page = client.get("/settings/connectors", headers={"host": "evil.example"})

    assert 'data-testid="address-warning"' not in page.text
    assert "https://care.acme.vn/api/v1/webhooks/haravan/acme" in page.text
    assert "evil.example" not in page.text
