"""The customer's own loyalty page behind a signed link (no login), mobile-first, vi/en."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.web import brand_colour
from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import CareloopError
from careloop.core.money import format_money
from careloop.customers.models import Customer
from careloop.loyalty import announce
from careloop.loyalty.admin import summary
from careloop.loyalty.announce import coupon_facts
from careloop.loyalty.config import ProgramConfig
from careloop.loyalty.coupons import get_coupon
from careloop.loyalty.membership import current_tier
from careloop.loyalty.models import PointsEntry
from careloop.loyalty.points import points_balance
from careloop.loyalty.program import is_running, program_config
from careloop.loyalty.reasons import signed_points
from careloop.loyalty.referrals import referral_link
from careloop.loyalty.rewards import redeem_reward
from careloop.loyalty.store_actions import shipping_codes_of
from careloop.loyalty.tier_names import tier_label
from careloop.loyalty.tiers import Progress, below_minimum, rank
from careloop.shops.models import Shop
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.format import format_number

SALT = "careloop.loyalty.page"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
TEXT: dict[str, dict[str, str]] = catalogue_texts("loyalty.page.text")
PRIVILEGES = catalogue_texts("loyalty.page.privileges")

page_router = APIRouter(include_in_schema=False)
# How many ledger lines the history shows (newest first): a phone screen, not an export.
HISTORY_LINES = 20
# Facebook's web sharer link (no app id needed; Facebook documents the app-id share dialog
# at developers.facebook.com/docs/sharing/reference/share-dialog, and keeps sharer.php
# working for links, see github.com/nygardk/react-share/issues/43). Zalo publishes no web
# share link without its SDK script, which the page's CSP does not load: the share button
# opens the phone's share sheet (W3C Web Share API), where Zalo and Messenger are listed.
FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php?u="
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


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


def _member(ctx: AppContext, session: Session, token: str) -> tuple[Shop, Customer]:
    try:
        shop_id, customer_id = _serializer(ctx).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise HTTPException(404, "this link is not valid") from None
    shop = session.get(Shop, shop_id)
    customer = session.get(Customer, customer_id)
    if shop is None or customer is None or customer.shop_id != shop.id or customer.erased_at:
        raise HTTPException(404, "this link is not valid")
    return shop, customer


@dataclass(frozen=True)
class Notice:
    """What the page says after a redeem: a code, a privilege, or an error."""

    kind: str  # "code", "privilege" or "error"
    text: str
    code: str = ""


def _history(
    session: Session, shop: Shop, customer: Customer, text: dict[str, str], lang: str
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(PointsEntry)
        .where(PointsEntry.shop_id == shop.id, PointsEntry.customer_id == customer.id)
        .order_by(PointsEntry.occurred_at.desc(), PointsEntry.id.desc())
        .limit(HISTORY_LINES)
    )
    return [
        {
            "date": announce.local_date(entry.occurred_at, customer, shop),
            "what": text.get(f"h_{entry.kind}", entry.kind).format(order=entry.order_ref or ""),
            "points": signed_points(entry.points, lang),
        }
        for entry in rows
        if entry.points
    ]


def _next_line(
    progress: Progress, shop: Shop, text: dict[str, str], lang: str, config: ProgramConfig
) -> str:
    if progress.next_tier is None:
        return text["top"]
    tier = tier_label(config, progress.next_tier, lang)
    if rank(progress.next_tier, config) == 1:
        return text["first"].format(tier=tier)
    spend = format_money(progress.spend_needed_minor, shop.currency, lang)
    target = config.tier(progress.next_tier)
    by_orders = target is not None and target.orders is not None
    by_spend = config.spend_threshold(progress.next_tier, shop.currency) is not None
    if by_orders and not by_spend:  # a shop's tier reached by orders only, or spend only
        return text["next_orders"].format(orders=progress.orders_needed, tier=tier)
    if by_spend and not by_orders:
        return text["next_spend"].format(spend=spend, tier=tier)
    return text["next"].format(orders=progress.orders_needed, spend=spend, tier=tier)


def _render(
    ctx: AppContext,
    session: Session,
    request: Request,
    token: str,
    shop: Shop,
    customer: Customer,
    notice: Notice | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = _lang(request, customer.locale, shop.locale)
    data = summary(session, ctx.clock, shop, customer)
    text = TEXT[lang]
    progress = data.progress
    referral_url = referral_link(ctx.settings.base_url, shop, customer)
    config = program_config(session, shop.id)
    rewards = []
    for reward in data.rewards:
        missing = max(reward.cost - data.points, 0)
        blocked = below_minimum(data.tier, reward.min_tier, config)
        rewards.append(
            {
                "key": reward.key,
                "name": reward.name(lang),
                "cost": format_number(reward.cost, lang),
                "can": not missing and not blocked,
                "why": text["need_tier"].format(tier=tier_label(config, reward.min_tier, lang))
                if blocked
                else text["need_more"].format(points=format_number(missing, lang)),
            }
        )
    context: dict[str, Any] = {
        "lang": lang,
        "t": text,
        "shop": shop,
        "colour": brand_colour(shop),
        "s": data,
        "token": token,
        "nonce": secrets.token_urlsafe(12),
        "notice": notice,
        "tier_name": tier_label(config, data.tier, lang) or text["no_tier"],
        "next_line": _next_line(progress, shop, text, lang, config),
        "privileges": [PRIVILEGES[lang].get(k, k) for k in sorted(data.entitlements)],
        "shipping_codes": shipping_codes_of(session, shop.id, customer.id),
        "rewards": rewards,
        "coupons": [coupon_facts(c, customer, shop) for c in data.coupons],
        "history": _history(session, shop, customer, text, lang),
        "points": format_number(data.points, lang),
        "referral_url": referral_url,
        "facebook_url": FACEBOOK_SHARER + quote(referral_url, safe=""),
        "share_text": text["share_text"].format(shop=shop.name, code=customer.referral_code),
    }
    html = TEMPLATES.get_template("loyalty_page.html").render(context)
    return HTMLResponse(html, status_code=status_code)


@page_router.get("/loyalty/{token}", response_class=HTMLResponse)
def loyalty_page(token: str, request: Request, ctx: Ctx, session: SessionDep) -> HTMLResponse:
    shop, customer = _member(ctx, session, token)
    return _render(ctx, session, request, token, shop, customer)


def _refusal(
    session: Session, shop: Shop, customer: Customer, reward_key: str, lang: str
) -> str | None:
    """Why this customer cannot have this reward now, in their language; None if they can."""
    text = TEXT[lang]
    if not is_running(session, shop.id):
        return text["error_paused"]
    config = program_config(session, shop.id)
    reward = config.reward(reward_key)
    if reward is None:
        return text["error_reward"]
    tier = current_tier(session=session, shop_id=shop.id, customer_id=customer.id)
    if below_minimum(tier, reward.min_tier, config):
        return text["error_tier"].format(tier=tier_label(config, reward.min_tier, lang))
    balance = points_balance(session=session, shop_id=shop.id, customer_id=customer.id)
    if balance < reward.cost:
        return text["error_points"].format(
            cost=format_number(reward.cost, lang), points=format_number(balance, lang)
        )
    return None


@page_router.post("/loyalty/{token}/redeem", response_class=HTMLResponse)
async def redeem_on_page(
    token: str, request: Request, ctx: Ctx, session: SessionDep
) -> HTMLResponse:
    """The customer spends points on a reward; a code is shown here and sent to them (the
    loyalty_messages journey sends the loyalty.reward_code event). The form's nonce makes a
    double tap or a reload redeem once."""
    shop, customer = _member(ctx, session, token)
    form = await request.form()
    reward_key = str(form.get("reward") or "")
    nonce = str(form.get("nonce") or "")
    lang = _lang(request, customer.locale, shop.locale)
    text = TEXT[lang]
    refusal = (
        text["error_reward"]
        if not _NONCE_RE.match(nonce)
        else _refusal(session, shop, customer, reward_key, lang)
    )
    if refusal is not None:
        notice = Notice("error", refusal)
        return _render(ctx, session, request, token, shop, customer, notice, 409)
    try:
        result = redeem_reward(
            session=session,
            clock=ctx.clock,
            shop=shop,
            customer=customer,
            reward_key=reward_key,
            idempotency_key=f"page:{customer.id}:{nonce}",
        )
    except CareloopError:
        # Spent elsewhere in the meantime (another tab, the shop's staff): nothing changed.
        notice = Notice("error", text["error_changed"])
        return _render(ctx, session, request, token, shop, customer, notice, 409)
    lang = _lang(request, customer.locale, shop.locale)
    if result.coupon_code is None:
        name = result.reward.name(lang)
        notice = Notice("privilege", text["privilege_added"].format(name=name))
        return _render(ctx, session, request, token, shop, customer, notice)
    coupon = get_coupon(session, shop.id, result.coupon_code)
    announce.reward_code(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer=customer,
        reward_name=result.reward.name(announce.customer_language(customer, shop)),
        cost=result.reward.cost,
        coupon=coupon,
    )
    notice = Notice("code", text["redeemed"], coupon.code)
    return _render(ctx, session, request, token, shop, customer, notice)


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
