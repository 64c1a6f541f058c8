"""Every staff page (each GET route of the app, on the demo shop) and every customer page
(survey, preference centre, loyalty page, link-error page) rendered for a Vietnamese reader
shows no English word outside an allow-list of brand names, codes and units.

English is detected with a list of common English words (tests/fixtures/english, from
wordfreq's frequency lists; see its SOURCE), not with a dictionary of Vietnamese. A page still
speaking English is listed in STILL_ENGLISH with the words found, so the list can only shrink:
a listed page that has become clean fails the test until it is taken off the list."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels import links
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.feedback.web import survey_url
from careloop.loyalty.page import loyalty_link
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.hardening.ui_routes import NOT_STAFF, fill, shop_ids
from tests.web.helpers import sign_in

WORDS = frozenset(
    (Path(__file__).resolve().parents[1] / "fixtures" / "english" / "common_words.txt")
    .read_text(encoding="utf-8")
    .split()
)
# Brand names, codes, units, language names and loanwords (size M) a Vietnamese page writes as
# they are, and Vietnamese syllables that are English words without their tone marks (Kim cương).
ALLOWED = frozenset(
    [
        "careloop",
        "english",
        "zalo",
        "email",
        "sms",
        "oa",
        "zns",
        "api",
        "csv",
        "url",
        "sku",
        # Shop data, not UI: demo product names ("Cà phê Cold Brew", "Son dưỡng" is lipstick)
        # and the metafield key `category` in the Products page's platform convention.
        "cold",
        "son",
        "category",
        "vnd",
        "utc",
        "gmt",
        "http",
        "https",
        "www",
        "html",
        "json",
        "yaml",
        "webhook",
        "webhooks",
        "shopify",
        "woocommerce",
        "haravan",
        "sapo",
        "facebook",
        "google",
        "tiktok",
        "instagram",
        "messenger",
        "twilio",
        "esms",
        "smtp",
        "qr",
        "id",
        "ok",
        "link",
        "links",
        "shop",
        "size",
        "online",
        "website",
        "web",
        "kim",
        "long",
        "lan",
        "tin",
        "con",
        "can",
        "hang",
        "ban",
        "van",
        "nam",
        "sang",
        "hay",
        "mai",
        "thu",
        "tan",
        "dan",
        "ton",
        "men",
        "ram",
        "sim",
        "bao",
        "cam",
        "tim",
        "hoa",
        "demo",
        "vip",
        "nps",
        "csat",
        "clv",
        "rfm",
        "frt",
        "ttr",
        "fcr",
        "sla",
        "pro",
        "max",
        "min",
    ]
)
# Staff pages (route paths) still showing English words in Vietnamese: fix, then remove.
STILL_ENGLISH: dict[str, str] = {}
SKIP_PREFIXES = (*NOT_STAFF, "/docs", "/redoc", "/openapi", "/healthz", "/readyz", "/metrics")
SKIP_ROUTES = {"/logout", "/login"}
DEMO_CUSTOMERS = 12


class _Visible(HTMLParser):
    """The text a reader sees: text nodes outside script/style, and labels in attributes."""

    HIDDEN = frozenset({"script", "style", "template", "code", "pre", "textarea"})
    SHOWN_ATTRS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        self.parts += [v for k, v in attrs if k in self.SHOWN_ATTRS and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    found = {
        word.lower()
        for part in parser.parts
        for word in re.findall(r"(?<![\w@./:#-])[A-Za-z]{3,}(?![\w@./:-])", part)
    }
    return sorted(w for w in found if w in WORDS and w not in ALLOWED)


def staff_get_routes(app: object) -> list[str]:
    paths = {
        route.path
        for route in iter_route_contexts(app.routes)  # type: ignore[attr-defined]
        if route.path and route.methods and "GET" in route.methods
    }
    return sorted(p for p in paths if not p.startswith(SKIP_PREFIXES) and p not in SKIP_ROUTES)


@pytest.fixture
def demo_shop(ctx: AppContext, load_demo_copy: Callable[..., None]) -> Shop:
    load_demo_copy(customers=DEMO_CUSTOMERS, seed=7)
    with ctx.sessions() as s:
        return s.scalars(select(Shop).where(Shop.slug == "demo")).one()


def test_every_staff_page_in_vietnamese_shows_no_english_word(
    ctx: AppContext, demo_shop: Shop, make_staff: Callable[..., str]
) -> None:
    email = make_staff(demo_shop, email="owner-vi@demo.test")
    ids = shop_ids(ctx, demo_shop.id)
    app = create_app(ctx)
    english: dict[str, list[str]] = {}
    shown = []
    with TestClient(app) as client:
        sign_in(client, ctx, email, demo_shop, locale="vi")
        for path in staff_get_routes(app):
            response = client.get(fill(path, ids))
            if response.status_code != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            shown.append(path)
            words = english_words(response.text)
            if words:
                english[path] = words
    assert len(shown) > 20  # the walk really rendered the staff pages
    still = {p: w for p, w in english.items() if p not in STILL_ENGLISH}
    assert still == {}, "\n".join(f"{p}: {' '.join(w)}" for p, w in sorted(still.items()))
    assert [p for p in STILL_ENGLISH if p not in english] == [], "now clean: take off the list"


def test_every_customer_page_in_vietnamese_shows_no_english_word(
    ctx: AppContext, demo_shop: Shop
) -> None:
    with ctx.sessions() as s:
        customer = s.scalars(
            select(Customer).where(Customer.shop_id == demo_shop.id).order_by(Customer.id)
        ).first()
        assert customer is not None
        customer.locale = "vi"
        s.commit()
        customer_id = customer.id
        base = ctx.settings.base_url
        pages = {
            "survey": survey_url(ctx, shop_id=demo_shop.id, customer_id=customer_id, kind="nps"),
            "preferences": "/c/prefs/"
            + links.sign(ctx.secret_key, "preferences", {"s": demo_shop.id, "c": customer_id}),
            "loyalty": loyalty_link(ctx, demo_shop, customer),
            "link error": "/c/prefs/not-a-valid-link",
        }
    english = {}
    with TestClient(create_app(ctx)) as client:
        for name, url in pages.items():
            response = client.get(url.removeprefix(base))
            assert "text/html" in response.headers.get("content-type", ""), (name, url)
            words = english_words(response.text)
            if words:
                english[name] = words
    assert english == {}, "\n".join(f"{p}: {' '.join(w)}" for p, w in sorted(english.items()))
