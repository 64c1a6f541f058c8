"""The connectors page: each platform's webhook URL and secret to paste into it, the
deliveries that need attention (signed but not applicable, with the reason and a retry
button), and the last deliveries with their result."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from careloop.audit.service import audit
from careloop.connectors import discounts
from careloop.connectors.platforms import PLATFORMS
from careloop.connectors.public_address import host_of, is_unreachable_from_internet
from careloop.connectors.result_text import result_text
from careloop.connectors.service import (
    add_connector,
    connectors_of,
    find_connector,
    needs_attention,
    recent_deliveries,
    replay_delivery,
)
from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import NotFound, ValidationFailed
from careloop.orders import inbox
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()

TEXTS = catalogue_texts("connectors.ui.texts")

# Platforms whose add form asks for a field-mapping / a verify token.
_MAPPING_PLATFORMS = frozenset({"generic"})
_VERIFY_TOKEN_PLATFORMS = frozenset({"haravan"})


def masked(secret: str | None) -> str:
    """A stored secret as the page shows it: its last 4 characters only ("••••1a2b")."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"


def _chosen(platform: str) -> str:
    """The add form's chosen platform, or "" when none (or an unknown one) was chosen."""
    return platform if platform in PLATFORMS else ""


def _address_warning(request: Request, base: str, texts: dict[str, str]) -> dict[str, str]:
    """The warning shown when shop platforms cannot reach the configured webhook address.
    The browser's Host is only named in the text; links keep the configured address."""
    if not is_unreachable_from_internet(base):
        return {}
    browsing = (request.headers.get("host") or "").split(":")[0].lower()
    warning = {"title": texts["unreachable_title"], "body": texts["unreachable_body"]}
    warning["body"] = warning["body"].format(base=base)
    if browsing and browsing != host_of(base):
        warning["browsing"] = texts["browsing_from"].format(host=browsing)
    return warning


def _page(
    request: Request,
    staff: StaffContext,
    session: SessionDep,
    ctx: Ctx,
    error: str = "",
    *,
    chosen: str = "",
    new_secret: str = "",
) -> Response:
    base = ctx.settings.base_url.rstrip("/")
    texts = TEXTS["vi" if staff.locale == "vi" else "en"]
    existing = {c.platform: c for c in connectors_of(session, staff.shop.id)}
    connectors = [
        {
            "platform": c.platform,
            "label": texts.get(f"platform_{c.platform}", PLATFORMS[c.platform].label),
            "docs": texts.get(f"docs_{c.platform}", PLATFORMS[c.platform].docs),
            "url": f"{base}/api/v1/webhooks/{c.platform}/{staff.shop.slug}",
            # Never the secret itself: its last 4 characters, for the owner only.
            "secret": masked(c.secret) if staff.can("owner") else None,
            "signature_header": PLATFORMS[c.platform].signature_header,
            "verify_token": c.verify_token if staff.can("owner") else None,
            "disabled_at": c.disabled_at,
            "deletion_due_at": c.data_deletion_due_at,
            "api_fields": discounts.CREDENTIAL_FIELDS.get(c.platform, ()),
            "api_saved": sorted(k for k, v in (c.api_credentials or {}).items() if v),
            "api_on": discounts.credentials_of(c.platform, c.api_credentials) is not None,
        }
        for c in existing.values()
    ]
    return render(
        request,
        "connectors/page.html",
        {
            "t": texts,
            "connectors": connectors,
            # Brand names stay as they are; "any platform" is a word of the page's language.
            "platforms": {
                key: texts.get(f"platform_{key}", p.label) for key, p in PLATFORMS.items()
            },
            "deliveries": recent_deliveries(session, staff.shop.id),
            "attention": needs_attention(session, staff.shop.id),
            "inbox_failed": inbox.failed_rows(session, staff.shop.id),
            # A delivery's stored English result, read in the staff member's language.
            "result_text": lambda result: result_text(result, staff.locale),
            "error": error,
            "chosen": chosen,
            "chosen_exists": chosen in existing,
            "chosen_secret_label": texts.get(f"secret_{chosen}", texts["secret"]),
            "asks_mapping": chosen in _MAPPING_PLATFORMS,
            "asks_verify_token": chosen in _VERIFY_TOKEN_PLATFORMS,
            "new_secret": new_secret,
            "address_warning": _address_warning(request, base, texts),
        },
        staff=staff,
        status_code=422 if error else 200,
    )


@router.get("/settings/connectors")
def connectors_page(
    request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx, platform: str = ""
) -> Response:
    """The page; `?platform=` is the add form's first step (works without JavaScript): the
    form then asks only the chosen platform's fields, in that platform's own words."""
    return _page(request, staff, session, ctx, chosen=_chosen(platform))


@router.post("/settings/connectors")
def save_connector(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    platform: Annotated[str, Form()],
    secret: Annotated[str, Form()] = "",
    mapping: Annotated[str, Form()] = "",
    verify_token: Annotated[str, Form()] = "",
) -> Response:
    """Save a connector. Secrets are write-only: an empty secret keeps the stored one (or,
    for a new connector, generates one that is shown this once); the same holds for the
    Haravan verify token and the generic mapping."""
    chosen = _chosen(platform)
    try:
        fields = json.loads(mapping) if mapping.strip() else None
    except json.JSONDecodeError as exc:
        texts = TEXTS["vi" if staff.locale == "vi" else "en"]
        error = texts["bad_mapping"].format(line=exc.lineno, column=exc.colno)
        return _page(request, staff, session, ctx, error=error, chosen=chosen)
    stored = find_connector(session, staff.shop.id, platform) if chosen else None
    generated = "" if secret.strip() or stored else secrets.token_urlsafe(24)
    token = verify_token.strip()
    if not token and platform in _VERIFY_TOKEN_PLATFORMS:
        token = (stored.verify_token if stored else None) or secrets.token_urlsafe(16)
    try:
        add_connector(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            platform=platform,
            secret=secret.strip() or (stored.secret if stored else generated),
            mapping=fields if fields is not None or stored is None else stored.mapping,
            verify_token=token,
        )
    except ValidationFailed as exc:
        error = "; ".join(str(e) for e in exc.errors)
        return _page(request, staff, session, ctx, error=error, chosen=chosen)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="connector.saved",
        target=f"connector:{platform}",
        origin=request.client.host if request.client else "",
    )
    if generated:
        # A secret Careloop made up is shown this once, to be pasted into the platform.
        return _page(request, staff, session, ctx, new_secret=generated)
    return RedirectResponse("/settings/connectors", status_code=303)


@router.post("/settings/connectors/deliveries/{delivery_id}/replay")
def replay(
    delivery_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    replay_delivery(session=session, clock=ctx.clock, shop=staff.shop, delivery_pk=delivery_id)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="webhook.replayed",
        target=f"delivery:{delivery_id}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/settings/connectors", status_code=303)


@router.post("/settings/connectors/inbox/{row_id}/retry")
def retry_inbox_row(
    row_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    """Put a received order or webhook that could not be applied back in the ingest inbox
    (its cause fixed); the worker applies it on its next pass. Only the shop's own rows."""
    if not inbox.retry(session, row_id, shop_id=staff.shop.id):
        raise NotFound("failed inbox row", str(row_id))
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="inbox.retried",
        target=f"inbox:{row_id}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/settings/connectors", status_code=303)


@router.post("/settings/connectors/{platform}/api")
def save_api_access(
    platform: str,
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    base_url: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "",
    remove: Annotated[str, Form()] = "",
) -> Response:
    """The connector's store API credentials (write-only; an empty field keeps its value)."""
    connector = find_connector(session, staff.shop.id, platform)
    if connector is None or platform not in discounts.CREDENTIAL_FIELDS:
        raise NotFound("connector", platform)
    values = {"base_url": base_url, "token": token, "key": key, "secret": secret}
    try:
        discounts.save_credentials(connector, values, clear=bool(remove))
    except ValidationFailed as exc:
        return _page(request, staff, session, ctx, error="; ".join(str(e) for e in exc.errors))
    connector.updated_at = ctx.clock.now()
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="connector.api_removed" if remove else "connector.api_saved",
        target=f"connector:{platform}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse("/settings/connectors", status_code=303)
