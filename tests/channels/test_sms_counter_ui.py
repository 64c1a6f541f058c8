"""The template editor counts the rendered SMS as it is typed (htmx live preview): GSM-7
or UCS-2 per 3GPP TS 23.038, characters a part (160/153, 70/67 per 3GPP TS 23.040) and
parts (the cost per part, the shop's `sms_cost_per_part`, is measured in test_sms_text)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.factories import make_customer
from tests.web.helpers import csrf_from, sign_in

KEY = "golden_hours.usage_guide"


def test_the_sms_preview_counts_encoding_and_parts_in_vietnamese(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "C-9", name="Trần Văn Minh")
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get(f"/templates/{KEY}"))
    form = {"channel": "sms", "locale": "vi", "csrf_token": token, "customer": "C-9"}

    plain = app_client.post(
        f"/templates/{KEY}/preview", data={**form, "text": "Chao {{ customer.first_name }}!"}
    ).text
    assert "GSM-7 · 10/160 ký tự mỗi tin · 1 tin SMS<" in plain

    accented = app_client.post(
        f"/templates/{KEY}/preview", data={**form, "text": "Chào " + "ả" * 80}
    ).text
    assert "UCS-2 · 85/67 ký tự mỗi tin · 2 tin SMS<" in accented
    assert 'data-testid="sms-ucs2-hint"' in accented
