"""The shop settings' "links for customers" form: the store URL and the review page on each
platform, which review, reorder, cross-sell and "visit us" links in messages lead to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from careloop.shops.links import REVIEW_PLATFORMS, check_links
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import register_messages
from careloop.web.ui.deps import OwnerStaff
from careloop.web.ui.settings import _audit, _done, _page, _shop_context

router = APIRouter()

register_messages(
    {
        "links.title": {"en": "Links for customers", "vi": "Liên kết cho khách hàng"},
        "links.hint": {
            "en": "Where the links in your messages lead: 'visit us', reorder and "
            "cross-sell go to your store; review requests go to your review pages.",
            "vi": "Nơi các liên kết trong tin nhắn dẫn tới: 'ghé cửa hàng', đặt lại và "
            "gợi ý sản phẩm dẫn tới cửa hàng; lời mời đánh giá dẫn tới trang đánh giá.",
        },
        "links.store_url": {"en": "Store URL", "vi": "Địa chỉ cửa hàng (URL)"},
        "links.review.google": {"en": "Google review page", "vi": "Trang đánh giá Google"},
        "links.review.facebook": {"en": "Facebook review page", "vi": "Trang đánh giá Facebook"},
        "links.review.shopee": {"en": "Shopee shop page", "vi": "Trang shop Shopee"},
        "links.review.website": {
            "en": "Review page on your own site",
            "vi": "Trang đánh giá trên website của bạn",
        },
    }
)


@router.post("/settings/links")
def save_links(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    store_url: Annotated[str, Form()] = "",
    google: Annotated[str, Form()] = "",
    facebook: Annotated[str, Form()] = "",
    shopee: Annotated[str, Form()] = "",
    website: Annotated[str, Form()] = "",
) -> Response:
    given = {"google": google, "facebook": facebook, "shopee": shopee, "website": website}
    destinations = {p: given[p].strip() for p in REVIEW_PLATFORMS if given[p].strip()}
    url = store_url.strip()
    problems = check_links(url, destinations)
    shop = staff.shop
    if problems:
        form = {
            "name": shop.name,
            "timezone": shop.timezone,
            "currency": shop.currency,
            "locale": shop.locale,
            "business_model": shop.business_model,
            "store_url": url,
            **{f"review_{p}": given[p].strip() for p in REVIEW_PLATFORMS},
        }
        return _page(request, staff, "shop", _shop_context(staff), problems, form)
    settings = dict(shop.settings or {})
    before = {
        "store_url": settings.get("store_url"),
        "review_destinations": settings.get("review_destinations"),
    }
    settings["store_url"] = url or None
    settings["review_destinations"] = destinations
    shop.settings = settings
    after = {"store_url": url or None, "review_destinations": destinations}
    changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    _audit(request, session, ctx, staff, "shop.links_changed", f"shop:{shop.slug}", changed)
    return _done("/settings")
