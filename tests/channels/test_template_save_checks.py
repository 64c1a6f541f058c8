"""The staff template editor checks a template with channels/template_checks.py before it
saves it (issue 17 item 3): an unknown variable, or template syntax a customer would read,
is refused in the staff member's language naming the variable and the field; nothing is
saved. Template syntax: Jinja "Template Designer Documentation", sections "Variables" and
"Escaping" (https://jinja.palletsprojects.com/en/3.1.x/templates/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.channels.models import MessageTemplate
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

KEY = "golden_hours.usage_guide"


def _saved_rows(ctx: AppContext) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(MessageTemplate)) or 0)


def _form(client: TestClient, channel: str, locale: str) -> dict[str, str]:
    token = csrf_from(client.get(f"/templates/{KEY}"))
    return {"channel": channel, "locale": locale, "csrf_token": token}


def test_an_unknown_variable_in_the_subject_is_refused_in_vietnamese_naming_field_and_name(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    form = _form(app_client, "email", "vi")
    refused = app_client.post(
        f"/templates/{KEY}",
        data={**form, "subject": "Chào {{ cusomer.first_name }}", "text": "Cảm ơn bạn"},
    )
    assert refused.status_code == 422
    assert "Tiêu đề: biến không tồn tại: cusomer" in refused.text
    assert _saved_rows(ctx) == 0


def test_a_literal_template_mark_that_would_reach_the_customer_is_refused_in_english(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="en")
    form = _form(app_client, "sms", "vi")
    refused = app_client.post(
        f"/templates/{KEY}", data={**form, "text": "Ma {{ '{{' }} coupon.code }} cho ban"}
    )
    assert refused.status_code == 422
    assert "Text: the text that would be sent still contains {{" in refused.text
    assert _saved_rows(ctx) == 0


def test_a_template_with_known_variables_only_is_saved(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    form = _form(app_client, "sms", "vi")
    saved = app_client.post(
        f"/templates/{KEY}",
        data={**form, "text": "{{ shop.sms_name }}: cam on {{ customer.first_name }}"},
    )
    assert saved.status_code == 200
    assert _saved_rows(ctx) == 1


@pytest.mark.parametrize(
    "key", ["loyalty.points_earned", "golden_hours.feedback_survey", "support.csat_ask"]
)
def test_loyalty_and_survey_messages_are_checked_by_the_same_editor_before_saving(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str], key: str
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    token = csrf_from(app_client.get(f"/templates/{key}"))
    refused = app_client.post(
        f"/templates/{key}",
        data={"channel": "sms", "locale": "vi", "csrf_token": token, "text": "{{ diem_thuong }}"},
    )
    assert refused.status_code == 422
    assert "Nội dung: biến không tồn tại: diem_thuong" in refused.text
    assert _saved_rows(ctx) == 0
