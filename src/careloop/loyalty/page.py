"""The customer's own loyalty page behind a signed link (no login), mobile-first, vi/en."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts
from careloop.core.money import format_money
from careloop.customers.models import Customer
from careloop.loyalty.admin import summary
from careloop.loyalty.referrals import referral_link
from careloop.shops.models import Shop
from careloop.web.deps import Ctx, SessionDep

SALT = "careloop.loyalty.page"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
TEXT: dict[str, dict[str, str]] = catalogue_texts("loyalty.page.text")
PRIVILEGES = catalogue_texts("loyalty.page.privileges")

page_router = APIRouter(include_in_schema=False)


def _serializer(ctx: AppContext) -> URLSafeSerializer:
    return URLSafeSerializer(ctx.secret_key, salt=SALT)


def page_token(ctx: AppContext, shop_id: int, customer_id: int) -> str:
    return str(_serializer(ctx).dumps([shop_id, customer_id]))


def loyalty_link(ctx: AppContext, shop: Shop, customer: Customer) -> str:
    """The signed link a journey message can carry to the customer's loyalty page."""
    base = ctx.settings.base_url.rstrip("/")
    return f"{base}/loyalty/{page_token(ctx, shop.id, customer.id)}"


def _lang(request: Request, *candidates: str | None) -> str:
    wanted = request.query_params.get("lang") or next((c for c in candidates if c), "vi")
    return "en" if wanted.startswith("en") else "vi"


@page_router.get("/loyalty/{token}", response_class=HTMLResponse)
def loyalty_page(token: str, request: Request, ctx: Ctx, session: SessionDep) -> HTMLResponse:
    try:
        shop_id, customer_id = _serializer(ctx).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise HTTPException(404, "this link is not valid") from None
    shop = session.get(Shop, shop_id)
    customer = session.get(Customer, customer_id)
    if shop is None or customer is None or customer.shop_id != shop.id or customer.erased_at:
        raise HTTPException(404, "this link is not valid")
    lang = _lang(request, customer.locale, shop.locale)
    data = summary(session, ctx.clock, shop, customer)
    text = TEXT[lang]
    progress = data.progress
    context: dict[str, Any] = {
        "lang": lang,
        "t": text,
        "shop": shop,
        "s": data,
        "tier_name": text.get(data.tier or "", text["no_tier"]),
        "next_line": text["next"].format(
            orders=progress.orders_needed,
            spend=format_money(progress.spend_needed_minor, shop.currency, lang),
            tier=text.get(progress.next_tier or "", ""),
        )
        if progress.next_tier
        else text["top"],
        "privileges": [PRIVILEGES[lang].get(k, k) for k in sorted(data.entitlements)],
        "rewards": [(r.name(lang), r.cost, r.cost <= data.points) for r in data.rewards],
        "referral_url": referral_link(ctx.settings.base_url, shop, customer),
    }
    return HTMLResponse(TEMPLATES.get_template("loyalty_page.html").render(context))


@page_router.get("/loyalty/r/{slug}/{code}", response_class=HTMLResponse)
def referral_landing(slug: str, code: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Where a shared referral link lands: the code to use at the shop's checkout."""
    shop = session.scalar(select(Shop).where(Shop.slug == slug))
    advocate = (
        session.scalar(
            select(Customer).where(Customer.shop_id == shop.id, Customer.referral_code == code)
        )
        if shop
        else None
    )
    if shop is None or advocate is None:
        raise HTTPException(404, "this link is not valid")
    lang = _lang(request, shop.locale)
    first_name = (advocate.name or "").split(" ")[-1] or "A friend"
    line = TEXT[lang]["invited"].format(name=first_name, shop=shop.name, code=code)
    html = TEMPLATES.get_template("referral_landing.html").render(
        lang=lang, shop=shop, line=line, code=code
    )
    return HTMLResponse(html)
