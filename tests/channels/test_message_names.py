"""The message log, a message's page and the template list name a message the way a shop
owner reads it ("Usage guide" / "Hướng dẫn sử dụng"), from the catalogue's
`template.<key>`, never by its code (`golden_hours.usage_guide`) alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from careloop.channels.templates import shipped_template_keys
from careloop.context import AppContext
from careloop.core.catalogue import has_message, t
from careloop.shops.models import Shop
from tests.channels.test_ui import queue_message
from tests.web.helpers import sign_in


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_shipped_template_has_a_name_in_each_language(locale: str) -> None:
    missing = [k for k in shipped_template_keys() if not has_message(f"template.{k}", locale)]
    assert missing == []


@pytest.mark.parametrize(
    ("locale", "name", "step"),
    [("en", "Usage guide", "Usage guide"), ("vi", "Hướng dẫn sử dụng", "Hướng dẫn sử dụng")],
)
def test_the_message_log_shows_the_messages_name_in_the_staffs_language(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    locale: str,
    name: str,
    step: str,
) -> None:
    message_id = queue_message(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop, locale=locale)

    log = app_client.get("/messages")
    detail = app_client.get(f"/messages/{message_id}")

    assert f'<td data-testid="message-name">{name}</td>' in log.text
    assert f"golden_hours · {step}" in log.text
    assert f"{name} #{message_id}" in detail.text
    assert ">golden_hours.usage_guide<" not in log.text + detail.text


def test_the_template_list_names_each_template_with_its_code_beside_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)

    listing = app_client.get("/templates")

    assert (
        '<a href="/templates/golden_hours.usage_guide">Usage guide</a> '
        '<code class="muted small">golden_hours.usage_guide</code>'
    ) in listing.text
    assert t("template.support.reply", "vi") == "Trả lời hỗ trợ"
