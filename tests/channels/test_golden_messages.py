"""Golden customer messages: what a Vietnamese and an English customer read, byte for byte,
by email, SMS and Zalo (issue 17). A changed wording fails here; rewrite the golden file
on purpose with CARELOOP_UPDATE_GOLDEN=1 and read the diff.

Dates and amounts are the customer's own (Babel/CLDR formats in their language and time
zone); SMS follow Decree 91/2020/NĐ-CP Art. 15 (label "[QC]"/"[AD]" first) and Art. 13
(a way to refuse); SMS length per 3GPP TS 23.038 / 23.040 (channels/sms_text.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from careloop.channels.models import Message
from careloop.channels.service import preview
from careloop.channels.sms_text import measure
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop

from .factories import make_customer
from .helpers import enqueue

GOLDEN = Path(__file__).parent / "golden"
# Stored as a UTC moment (what a coupon row holds); 08:40 on 6 Jan in Ho Chi Minh City and
# 01:40 in London, so both customers read the 6th.
COUPON = {"code": "SN20-HUONG", "expires_at": "2027-01-06T01:40:11.621899+00:00"}
TOMORROW = "2026-11-03"  # the test clock is 2 Nov 2026, 10:00 in Ho Chi Minh City
LONG_SUBJECT = (
    "Hướng dẫn pha trà Ô long đúng cách: nhiệt độ nước, thời gian hãm và cách pha trà "
    "cho cả nhà cùng thưởng thức"
)


@pytest.fixture
def tea_shop(ctx: AppContext) -> Shop:
    from careloop.shops.service import create_shop

    with ctx.sessions() as s, s.begin():
        shop = create_shop(session=s, clock=ctx.clock, slug="nha-moc", name="Nhà Mộc Trà Quán")
        shop.settings = {"salutation": "gender", "sms_reply_number": "0909998877"}
        return shop


@pytest.fixture
def huong(ctx: AppContext, tea_shop: Shop) -> Customer:
    return make_customer(
        ctx, tea_shop, "KH-1", name="Trần Thị Hương", email="huong@example.vn", gender="nữ"
    )


@pytest.fixture
def emma(ctx: AppContext, tea_shop: Shop) -> Customer:
    return make_customer(
        ctx,
        tea_shop,
        "KH-2",
        name="Emma Hill",
        email="emma@example.com",
        locale="en",
        timezone="Europe/London",
    )


def _rendered(ctx: AppContext, shop: Shop, customer: Customer, **kw: Any) -> dict[str, Any]:
    message_id = enqueue(ctx, shop, customer.id, key=f"golden:{customer.id}", **kw)
    with ctx.sessions() as s:
        return dict(s.get_one(Message, message_id).rendered)


def _as_text(rendered: dict[str, Any]) -> str:
    out = []
    for channel in sorted(rendered):
        part = rendered[channel]
        out.append(f"== {channel}")
        if part["subject"]:
            out.append(f"subject: {part['subject']}")
        if part["text"]:
            out.append(part["text"])
        data = {k: v for k, v in part["data"].items() if not k.startswith("_")}
        if data:
            out.append(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
    return "\n".join(out) + "\n"


def _check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("CARELOOP_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _birthday(ctx: AppContext, shop: Shop, customer: Customer) -> dict[str, Any]:
    return _rendered(
        ctx,
        shop,
        customer,
        channels=["email", "sms", "zalo"],
        template_key="birthday.wish",
        context={"birthday": TOMORROW, "days_left": 3, "coupon": COUPON},
    )


def test_vietnamese_birthday_tomorrow_says_ngay_mai_chi_and_the_coupon_day(
    ctx: AppContext, tea_shop: Shop, huong: Customer
) -> None:
    rendered = _birthday(ctx, tea_shop, huong)
    _check("birthday_vi", _as_text(rendered))
    email = rendered["email"]["text"]
    assert "Ngày mai là sinh nhật chị (03/11)" in email
    assert "dùng đến 06/01/2027" in email


def test_english_birthday_tomorrow_says_tomorrow_and_the_coupon_day_in_her_zone(
    ctx: AppContext, tea_shop: Shop, emma: Customer
) -> None:
    rendered = _birthday(ctx, tea_shop, emma)
    _check("birthday_en", _as_text(rendered))
    assert "Your birthday is tomorrow (3 Nov)" in rendered["email"]["text"]
    assert "valid until 6 Jan 2027" in rendered["email"]["text"]


def test_birthday_sms_with_an_accented_shop_name_is_one_gsm7_part(
    ctx: AppContext, tea_shop: Shop, huong: Customer
) -> None:
    sms = _birthday(ctx, tea_shop, huong)["sms"]["text"]
    assert sms.startswith("[QC] NhaMocTraQu chuc mung sinh nhat Huong!")
    assert sms.endswith("Tu choi QC: soan TC gui 0909998877")
    assert (measure(sms).encoding, measure(sms).parts) == ("GSM-7", 1)


def _campaign(ctx: AppContext, shop: Shop, customer: Customer, **campaign: Any) -> dict[str, Any]:
    return _rendered(
        ctx,
        shop,
        customer,
        channels=["email", "sms", "zalo"],
        template_key="community.campaign_promo",
        context={"campaign": campaign},
    )


def test_vietnamese_campaign_renders_its_body_labels_the_sms_and_says_how_to_refuse(
    ctx: AppContext, tea_shop: Shop, huong: Customer
) -> None:
    rendered = _campaign(
        ctx,
        tea_shop,
        huong,
        subject="Nhà Mộc nhớ {{ xung_ho }}!",
        body="Trà Ô long mới về, riêng cho {{ xung_ho }}: giảm 15% đến {{ '2026-11-30' | date }}.",
        unaccented=True,
    )
    _check("campaign_vi", _as_text(rendered))
    sms = rendered["sms"]["text"]
    assert sms.startswith("[QC] NhaMocTraQu: Nha Moc nho chi! Tra O long moi ve, rieng cho chi:")
    assert sms.endswith("Tu choi QC: soan TC gui 0909998877")
    assert "{{" not in json.dumps(rendered, ensure_ascii=False)


def test_english_campaign_with_a_long_subject_keeps_it_whole(
    ctx: AppContext, tea_shop: Shop, emma: Customer
) -> None:
    rendered = _campaign(
        ctx, tea_shop, emma, subject=LONG_SUBJECT, body="Hi {{ customer.first_name }}!"
    )
    _check("campaign_en", _as_text(rendered))
    assert rendered["email"]["subject"] == LONG_SUBJECT
    assert rendered["sms"]["text"].startswith("[AD] NhaMocTraQu: ")


def test_a_preview_for_a_real_customer_is_the_text_that_is_sent(
    ctx: AppContext, tea_shop: Shop, huong: Customer
) -> None:
    campaign = {"subject": "Nhà Mộc nhớ {{ xung_ho }}!", "body": "Chào {{ customer.first_name }}."}
    sent = _campaign(ctx, tea_shop, huong, **campaign)
    with ctx.sessions() as s:
        shown = preview(
            session=s,
            shop=s.merge(tea_shop),
            template_key="community.campaign_promo",
            channel="sms",
            customer=s.get_one(Customer, huong.id),
            context={"campaign": campaign},
            now=ctx.clock.now(),
            kind="marketing",
        )
    assert shown.text == sent["sms"]["text"]


def test_a_neutral_shop_says_ban_and_without_a_reply_number_refusal_is_a_link(
    ctx: AppContext, tea_shop: Shop, huong: Customer
) -> None:
    tea_shop.settings = {}
    rendered = _birthday(ctx, tea_shop, huong)
    assert "Ngày mai là sinh nhật bạn" in rendered["email"]["text"]
    assert rendered["sms"]["text"].endswith("Tu choi QC: __careloop_link_unsubscribe__")
