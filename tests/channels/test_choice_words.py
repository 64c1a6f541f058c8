"""The channel forms offer choices in words a shop owner understands, in Vietnamese and
English, while the stored value stays the code the sender reads.

SMTP security: RFC 8314 ("Cleartext Considered Obsolete", section 3.3) names the two ways a
mail client secures submission: STARTTLS on port 587 (the connection starts in clear and is
upgraded) and Implicit TLS on port 465 (TLS from the first byte). The labels say that, and
keep the words STARTTLS and SSL/TLS that mail providers' help pages use."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import ChannelSettings
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in


def _options(html: str, form: str, field: str) -> dict[str, str]:
    found = re.search(
        rf'data-testid="form-{form}".*?<select name="{field}">(.*?)</select>', html, re.S
    )
    assert found, f"no {field} select in form {form}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)))


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "vi",
            {
                "starttls": "Mã hoá STARTTLS (cổng 587)",
                "tls": "Mã hoá SSL/TLS (cổng 465)",
                "none": "Không mã hoá (máy chủ thử)",
            },
        ),
        (
            "en",
            {
                "starttls": "STARTTLS encryption (port 587)",
                "tls": "SSL/TLS encryption (port 465)",
                "none": "No encryption (test server only)",
            },
        ),
    ],
)
def test_the_smtp_security_choices_read_as_words_in_the_staffs_language(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    locale: str,
    words: dict[str, str],
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale=locale)

    page = app_client.get("/settings/channels")

    assert _options(page.text, "email-smtp", "security") == words


def test_the_chosen_security_word_is_stored_as_its_code_and_shown_selected_again(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get("/settings/channels"))

    saved = app_client.post(
        "/settings/channels/email/smtp",
        data={
            "host": "smtp.zoho.com",
            "port": "465",
            "security": "tls",
            "from_address": "shop@acme.test",
            "csrf_token": token,
        },
    )

    assert saved.status_code == 200
    with ctx.sessions() as s:
        assert s.scalars(select(ChannelSettings.config)).one()["security"] == "tls"
    assert '<option value="tls" selected>SSL/TLS encryption (port 465)' in saved.text


def test_the_esms_sms_type_reads_as_words_not_a_bare_number(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")

    page = app_client.get("/settings/channels")

    assert _options(page.text, "sms-esms", "sms_type") == {
        "2": "Chăm sóc khách hàng bằng brandname (loại 2)",
        "8": "Đầu số cố định (loại 8)",
    }
