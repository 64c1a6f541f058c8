"""The owner sets how messages speak: the short SMS name (at most 11 GSM-7 characters, a
suggestion from the shop's name), anh/chị or a neutral "bạn", and the number customers
reply TC to; bad values are refused by field, in the staff member's language."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in


def _save(client: TestClient, **values: str) -> str:
    page = client.get("/settings")
    return client.post("/settings/messages", data={"csrf_token": csrf_from(page), **values}).text


def test_the_owner_sets_the_sms_name_the_salutation_and_the_reply_number(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    page = app_client.get("/settings").text
    assert "Gợi ý: AcmeCoffee" in page

    _save(app_client, sms_name="ACME", salutation="gender", sms_reply_number="8077")

    with ctx.sessions() as s:
        settings = s.get_one(Shop, shop.id).settings
    assert {k: settings[k] for k in ("sms_name", "salutation", "sms_reply_number")} == {
        "sms_name": "ACME",
        "salutation": "gender",
        "sms_reply_number": "8077",
    }


def test_an_accented_or_long_sms_name_is_refused_in_vietnamese_and_nothing_changes(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    accented = _save(app_client, sms_name="Nhà Mộc", salutation="neutral")
    assert "chỉ dùng chữ không dấu" in accented
    long = _save(app_client, sms_name="NhaMocTraQuan", salutation="neutral")
    assert "tối đa 11 ký tự" in long
    with ctx.sessions() as s:
        assert "sms_name" not in (s.get_one(Shop, shop.id).settings or {})
