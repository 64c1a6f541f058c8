"""The walk a new Vietnamese shop owner makes (issue 17, items 1, 2 and 4), on a shop created
EMPTY rather than the demo: after importing a small Vietnamese CSV (Excel's BOM, dd/mm/yyyy,
1.250.000, Có/Không), turning on loyalty, writing a campaign, a survey, a ticket and a journey
of the shop's own (steps the catalogue has no name for), every staff page in Vietnamese
shows no English word (the same detector and allow-list as test_page_language.py), no raw
key (`wait_day_3`, `at_risk`, `{{ }}`), no ISO date and no English-format number."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels import links
from careloop.community.campaigns import create_campaign
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.feedback.survey_store import save_survey
from careloop.feedback.web import survey_url
from careloop.imports.registry import run_import
from careloop.journeys.service import save_journey
from careloop.loyalty.page import loyalty_link
from careloop.loyalty.service import enable_program
from careloop.shops.models import Shop
from careloop.support.tickets import open_ticket
from careloop.web.app import create_app
from tests.feedback.test_custom_questions import SURVEY
from tests.hardening.ui_routes import fill, shop_ids
from tests.journeys.test_step_titles import OWN_JOURNEY
from tests.web.helpers import sign_in
from tests.web.test_page_language import _Visible, english_words, staff_get_routes

FIXTURES_VI = Path(__file__).resolve().parent.parent / "fixtures" / "imports_vi"
# Visible text that is code, not words: snake_case keys, template braces.
RAW_KEY = re.compile(r"(?<![\w@./:=-])[a-z]+(?:_[a-z0-9]+)+(?![\w@./:-])|\{\{|\}\}")
# Codes an owner must type elsewhere, shown on purpose: the Careloop metafield keys of a
# Shopify/Haravan product (products page) and the ZNS template names the Zalo OA must have
# approved (channel settings).
CODES_SHOWN = {
    "/products": {
        "usage_days",
        "warranty_months",
        "maintenance_interval_days",
        "care_guide_vi",
        "care_guide_en",
        "care_guide_url_vi",
        "care_guide_url_en",
        "related_skus",
    },
    "/settings/channels": {"sms_opt_out", "staff_alert", "thank_you"},
    # The id beside the version in a journey's header, and the key a survey's YAML editor
    # is titled by (power users' pages).
    "/journeys/{key}": {"cham_soc_rieng"},
    "/feedback/surveys/{key}/edit": {"after_delivery"},
}
ISO_DATE = re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?")
ENGLISH_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d])|(?<![\w.,])\d+\.\d+ ?%")


# Pages whose path names a record by key: the records this walk created.
KEYED_PAGES = {
    "/journeys/{key}": "/journeys/cham_soc_rieng",
    "/feedback/surveys/{key}/build": "/feedback/surveys/after_delivery/build",
    "/feedback/surveys/{key}/edit": "/feedback/surveys/after_delivery/edit",
    "/feedback/surveys/{key}/preview": "/feedback/surveys/after_delivery/preview",
    "/feedback/surveys/{key}/answers/{question_id}": (
        "/feedback/surveys/after_delivery/answers/liked"
    ),
    "/templates/{key}": "/templates/golden_hours.thank_you",
}


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def _fill_the_empty_shop(ctx: AppContext, shop: Shop) -> None:
    run_import(ctx, shop, "customers", FIXTURES_VI / "khach_hang.csv")
    run_import(ctx, shop, "orders", FIXTURES_VI / "don_hang.csv")
    with ctx.sessions() as s, s.begin():
        merged = s.merge(shop)
        enable_program(session=s, clock=ctx.clock, shop=merged)
        save_journey(session=s, clock=ctx.clock, shop=merged, text=OWN_JOURNEY, source_name="form")
        save_survey(
            session=s, clock=ctx.clock, shop=merged, data={**SURVEY, "name": "Sau khi giao hàng"}
        )
        create_campaign(
            session=s,
            clock=ctx.clock,
            shop=merged,
            name="Trà mới về",
            purpose="value",
            audience={"customers": ["KH-001"]},
            subject="Trà Ô long vụ xuân đã về",
            body="Chào {{ customer.first_name }}, trà mới đã về cửa hàng.",
        )
        open_ticket(
            session=s,
            clock=ctx.clock,
            shop=merged,
            customer_id=1,
            subject="Giao thiếu một hộp trà",
            body="Tôi nhận được 1 hộp thay vì 2.",
        )


def test_every_staff_page_of_a_new_vietnamese_shop_speaks_vietnamese(
    ctx: AppContext, make_shop: Callable[..., Shop], make_staff: Callable[..., str]
) -> None:
    shop = make_shop("nha-moc", name="Nhà Mộc")
    _fill_the_empty_shop(ctx, shop)
    email = make_staff(shop, email="chu-shop@nhamoc.test")
    ids = shop_ids(ctx, shop.id)
    app = create_app(ctx)
    found: dict[str, list[str]] = {}
    shown = []
    with TestClient(app) as client:
        sign_in(client, ctx, email, shop, locale="vi")
        for path in staff_get_routes(app):
            response = client.get(KEYED_PAGES.get(path) or fill(path, ids))
            if response.status_code != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            shown.append(path)
            text = visible_text(response.text)
            problems = [
                *english_words(response.text),
                *sorted(
                    {
                        f"key:{m}"
                        for m in RAW_KEY.findall(text)
                        if m not in CODES_SHOWN.get(path, set())
                    }
                ),
                *sorted({f"iso:{m}" for m in ISO_DATE.findall(text)}),
                *sorted({f"number:{m}" for m in ENGLISH_NUMBER.findall(text)}),
            ]
            if problems:
                found[path] = problems
    assert len(shown) > 20
    assert found == {}, "\n".join(f"{p}: {' | '.join(w)}" for p, w in sorted(found.items()))


def test_every_customer_page_of_a_new_vietnamese_shop_speaks_vietnamese(
    ctx: AppContext, make_shop: Callable[..., Shop]
) -> None:
    shop = make_shop("nha-moc", name="Nhà Mộc")
    _fill_the_empty_shop(ctx, shop)
    with ctx.sessions() as s:
        customer = s.scalars(select(Customer).where(Customer.external_id == "KH-001")).one()
        base = ctx.settings.base_url
        pages = {
            "survey": survey_url(ctx, shop_id=shop.id, customer_id=customer.id, kind="nps"),
            "preferences": "/c/prefs/"
            + links.sign(ctx.secret_key, "preferences", {"s": shop.id, "c": customer.id}),
            "loyalty": loyalty_link(ctx, shop, customer),
        }
    found = {}
    with TestClient(create_app(ctx)) as client:
        for name, url in pages.items():
            response = client.get(url.removeprefix(base))
            assert response.status_code == 200, (name, response.status_code)
            text = visible_text(response.text)
            problems = [
                *english_words(response.text),
                *sorted({f"key:{m}" for m in RAW_KEY.findall(text)}),
                *sorted({f"iso:{m}" for m in ISO_DATE.findall(text)}),
                *sorted({f"number:{m}" for m in ENGLISH_NUMBER.findall(text)}),
            ]
            if problems:
                found[name] = problems
    assert found == {}, "\n".join(f"{p}: {' | '.join(w)}" for p, w in sorted(found.items()))
