"""The shop settings' "links for customers" form: the store URL and the review page on each
platform, which review, reorder, cross-sell and "visit us" links in messages lead to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from careloop.shops.links import REVIEW_PLATFORMS, check_links
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import OwnerStaff
from careloop.web.ui.settings import _audit, _done, _page, _shop_context

router = APIRouter()


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
