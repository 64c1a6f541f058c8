"""Public routes (no API key): open pixel, click redirect, unsubscribe, preference centre,
and provider callbacks. Every customer-facing URL carries a signed token."""

from __future__ import annotations

import base64
import functools
import hmac
import json
import re
from collections.abc import Callable
from html import escape
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import links, tracking
from careloop.channels.models import Message
from careloop.channels.settings import get_channel_settings
from careloop.channels.sms import (
    TWILIO_STATUS,
    esms_mo_sign_ok,
    esms_report_status,
    twilio_signature_ok,
)
from careloop.channels.zalo import verify_event
from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts, has_message
from careloop.core.catalogue import t as say
from careloop.customers.models import Consent, Customer
from careloop.shops.links import review_destination, store_url
from careloop.shops.models import Shop
from careloop.web.deps import Ctx, SessionDep

router = APIRouter(prefix="/c", include_in_schema=False)

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private"}
CHOICE_CHANNELS = ("email", "sms", "zalo")
TEXTS = catalogue_texts("channels.web.texts")


class LinkInvalid(HTTPException):
    """A customer's link that does not verify or points at nothing (any more): answered
    with a page for the customer, in the shop's name when it is known."""

    def __init__(self, shop: Shop | None = None, customer: Customer | None = None) -> None:
        super().__init__(404, "link not valid")
        self.shop, self.customer = shop, customer


def customer_facing(route: Callable[..., Response]) -> Callable[..., Response]:
    """An invalid or expired link gets a customer page (no staff navigation, no login)."""

    @functools.wraps(route)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return route(*args, **kwargs)
        except LinkInvalid as exc:
            session = kwargs.get("session")
            shop = exc.shop
            if shop is None and session is not None:
                shops = session.scalars(select(Shop).limit(2)).all()
                shop = shops[0] if len(shops) == 1 else None
            return invalid_link_page(shop, exc.customer)

    return wrapper


def invalid_link_page(shop: Shop | None, customer: Customer | None) -> HTMLResponse:
    locale = ((customer.locale if customer else None) or (shop.locale if shop else "vi"))[:2]
    t = TEXTS.get(locale, TEXTS["en"])
    body = f"<h1>{escape(t['invalid_title'])}</h1><p>{escape(t['invalid_body'])}</p>"
    store = store_url(shop.settings or {}) if shop else None
    if store:
        body += f'<p><a class="button" href="{escape(store)}">{escape(t["visit"])}</a></p>'
    return _page(t["invalid_title"], body, shop, status_code=404)


def _verify(ctx: AppContext, purpose: str, token: str) -> dict[str, Any]:
    try:
        return links.verify(ctx.secret_key, purpose, token)
    except links.BadLink:
        raise LinkInvalid() from None


def _message(session: Session, payload: dict[str, Any]) -> Message:
    message = session.get(Message, int(payload.get("m", 0)))
    if message is None:
        raise HTTPException(404, "message not found")
    return message


def _customer(session: Session, payload: dict[str, Any]) -> tuple[Shop, Customer]:
    customer = session.get(Customer, int(payload.get("c", 0)))
    if customer is None or customer.shop_id != payload.get("s"):
        # Says nothing about which shop or customer the link names.
        raise LinkInvalid()
    shop = session.get_one(Shop, customer.shop_id)
    if customer.erased_at:
        raise LinkInvalid(shop)
    return shop, customer


def _locale(customer: Customer, shop: Shop) -> str:
    locale = (customer.locale or shop.locale or "vi")[:2]
    return locale if locale in TEXTS else "en"


def _texts(customer: Customer, shop: Shop) -> dict[str, str]:
    return TEXTS[_locale(customer, shop)]


def _channel_word(channel: str, customer: Customer, shop: Shop) -> str:
    """A channel as the customer reads it ("Email", "Zalo"), not its code."""
    key = f"channel.{channel}"
    return say(key, _locale(customer, shop)) if has_message(key) else channel


# The customer pages' own layout (careloop.css styles staff pages): a narrow centred column
# that reads on a phone, as the survey and loyalty pages do.
PUBLIC_CSS = (
    "body{margin:0;background:#f5f7f7}"
    ".public-shop{display:block;padding:.9rem 1.25rem;background:#fff}"
    "main.public{max-width:32rem;margin:0 auto;padding:1.5rem 1.25rem}"
    "main.public h1{font-size:1.35rem;margin:0 0 1rem}"
    "main.public fieldset{border:1px solid #dde5e5;border-radius:.5rem;background:#fff;"
    "margin:0 0 1rem;padding:.75rem 1rem}"
    "main.public legend{font-weight:600;padding:0 .25rem}"
    "main.public label{display:block;padding:.45rem 0;font-weight:400;font-size:1rem}"
    "main.public input[type=radio],main.public input[type=checkbox]{width:1.2rem;height:1.2rem;"
    "vertical-align:middle;margin-right:.5rem}"
    "main.public button{margin-top:.8rem;background:var(--accent);color:#fff;border:0;"
    "border-radius:.5rem;padding:.75rem 1.25rem;font-size:1rem;cursor:pointer}"
)


def brand_colour(shop: Shop | None) -> str:
    """The shop's colour (settings.brand_color, a #rrggbb), else a neutral one."""
    value = str(((shop.settings or {}) if shop else {}).get("brand_color") or "")
    return value if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else "#0b7a75"


def _page(
    title: str, body: str, shop: Shop | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A customer page: the shop's name and colour, never Careloop's, no staff navigation."""
    name = shop.name if shop else ""
    colour = brand_colour(shop)
    full_title = f"{title} · {name}" if name else title
    header = f'<header class="public-shop" style="border-bottom:4px solid {colour}">' + (
        f'<strong data-testid="shop-name" style="color:{colour}">{escape(name)}</strong>'
        if name
        else ""
    )
    html = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(full_title)}</title>"
        '<link rel="stylesheet" href="/static/careloop.css">'
        f"<style>:root{{--accent:{colour};--accent-dark:{colour}}}{PUBLIC_CSS}</style></head>"
        f'<body>{header}</header><main class="public">{body}</main></body></html>'
    )
    return HTMLResponse(html, status_code=status_code, headers=NO_STORE)


@router.get("/o/{token}.gif")
def open_pixel(token: str, request: Request, ctx: Ctx, session: SessionDep) -> Response:
    payload = _verify(ctx, "open", token)
    message = session.get(Message, int(payload.get("m", 0)))
    if message is not None:
        tracking.record_open(
            session=session,
            clock=ctx.clock,
            message=message,
            user_agent=request.headers.get("user-agent", ""),
            ip=request.client.host if request.client else None,
        )
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/r/{token}")
@customer_facing
def click(token: str, ctx: Ctx, session: SessionDep) -> Response:
    payload = _verify(ctx, "click", token)
    target = str(payload.get("u", ""))
    if not target.startswith(("http://", "https://")):
        raise LinkInvalid()
    message = session.get(Message, int(payload.get("m", 0)))
    if message is not None:
        tracking.record_click(session=session, clock=ctx.clock, message=message, url=target)
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


@router.get("/unsub/{token}")
@customer_facing
def unsubscribe_page(token: str, ctx: Ctx, session: SessionDep) -> Response:
    # GET never unsubscribes: mail scanners prefetch links. The button POSTs.
    payload = _verify(ctx, "unsubscribe", token)
    shop, customer = _customer(session, payload)
    t = _texts(customer, shop)
    channel = _channel_word(str(payload.get("ch", "email")), customer, shop)
    body = (
        f"<h1>{escape(t['unsub_title'])}</h1>"
        f"<p>{escape(t['unsub_ask'].format(shop=shop.name, channel=channel))}</p>"
        f'<form method="post"><button type="submit" name="confirm" value="1">'
        f"{escape(t['unsub_button'])}</button></form>"
    )
    return _page(t["unsub_title"], body, shop)


@router.post("/unsub/{token}")
def unsubscribe_post(token: str, ctx: Ctx, session: SessionDep) -> HTMLResponse:
    """Both the page's button and RFC 8058 one-click (List-Unsubscribe=One-Click) land here."""
    payload = _verify(ctx, "unsubscribe", token)
    shop, customer = _customer(session, payload)
    channel = str(payload.get("ch", "email"))
    tracking.unsubscribe(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer=customer,
        channel=channel,
        source=f"unsubscribe:{channel}",
    )
    t = _texts(customer, shop)
    done = t["unsub_done"].format(shop=shop.name, channel=_channel_word(channel, customer, shop))
    return _page(
        t["unsub_title"], f"<h1>{escape(t['unsub_title'])}</h1><p>{escape(done)}</p>", shop
    )


def _prefs_form(session: Session, shop: Shop, customer: Customer, note: str = "") -> HTMLResponse:
    t = _texts(customer, shop)
    states = {
        c.channel: c.state
        for c in session.scalars(select(Consent).where(Consent.customer_id == customer.id))
    }
    frequency = tracking.preferred_frequency(session, shop_id=shop.id, customer_id=customer.id)
    boxes = "".join(
        f'<label><input type="checkbox" name="channel" value="{ch}"'
        f"{' checked' if states.get(ch) != 'denied' else ''}> "
        f"{escape(_channel_word(ch, customer, shop))}</label>"
        for ch in CHOICE_CHANNELS
    )
    options = "".join(
        f'<label><input type="radio" name="frequency" value="{f}"'
        f"{' checked' if f == frequency else ''}> {escape(t[f])}</label>"
        for f in tracking.FREQUENCIES
    )
    body = (
        f"<h1>{escape(t['prefs_title'])} · {escape(shop.name)}</h1>"
        + (f'<p class="notice">{escape(note)}</p>' if note else "")
        + f'<form method="post"><fieldset><legend>{escape(t["channels"])}</legend>{boxes}'
        f"</fieldset><fieldset><legend>{escape(t['frequency'])}</legend>{options}</fieldset>"
        f'<label><input type="checkbox" name="opt_out_all" value="1"> '
        f"{escape(t['opt_out_all'])}</label>"
        f'<button type="submit">{escape(t["save"])}</button></form>'
    )
    return _page(t["prefs_title"], body, shop)


@router.get("/prefs/{token}")
@customer_facing
def preferences_page(token: str, ctx: Ctx, session: SessionDep) -> Response:
    shop, customer = _customer(session, _verify(ctx, "preferences", token))
    return _prefs_form(session, shop, customer)


@router.post("/prefs/{token}")
async def preferences_save(
    token: str, request: Request, ctx: Ctx, session: SessionDep
) -> HTMLResponse:
    shop, customer = _customer(session, _verify(ctx, "preferences", token))
    form = await request.form()
    chosen = {str(v) for v in form.getlist("channel")}
    opt_out = form.get("opt_out_all") == "1"
    tracking.set_preferences(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer=customer,
        channels={ch: (ch in chosen and not opt_out) for ch in CHOICE_CHANNELS},
        frequency=str(form.get("frequency") or "normal"),
    )
    session.flush()
    return _prefs_form(session, shop, customer, note=_texts(customer, shop)["saved"])


def _track(ctx: AppContext, session: Session, payload: dict[str, Any], what: str) -> None:
    if payload.get("m"):
        message = session.get(Message, int(payload["m"]))
        if message is not None and message.shop_id == payload.get("s"):
            tracking.record_click(session=session, clock=ctx.clock, message=message, url=what)


def _no_destination(shop: Shop, customer: Customer, key: str) -> HTMLResponse:
    """The shop has not said where this link leads yet: a kind page, never the staff login."""
    t = _texts(customer, shop)
    body = f"<h1>{escape(t[key + '_title'].format(shop=shop.name))}</h1>"
    body += f"<p>{escape(t[key + '_body'].format(shop=shop.name))}</p>"
    return _page(t[key + "_title"].format(shop=shop.name), body, shop)


@router.get("/reorder/{token}")
@customer_facing
def reorder(token: str, ctx: Ctx, session: SessionDep) -> Response:
    """Reorder, cross-sell and "visit us" links: to the product's page when the message
    named one, else the shop's store URL; the click is tracked either way."""
    payload = _verify(ctx, "reorder", token)
    shop, customer = _customer(session, payload)
    _track(ctx, session, payload, "reorder")
    product = str(payload.get("u") or "")
    target = product if product.startswith(("http://", "https://")) else None
    target = target or store_url(shop.settings or {})
    if target is None:
        return _no_destination(shop, customer, "visit")
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


@router.get("/review/{token}")
@customer_facing
def review(token: str, ctx: Ctx, session: SessionDep) -> Response:
    """To the shop's review page on the platform the link names (or its first one)."""
    payload = _verify(ctx, "review", token)
    shop, customer = _customer(session, payload)
    _track(ctx, session, payload, "review")
    target = review_destination(shop.settings or {}, str(payload.get("p") or "") or None)
    if target is None:
        return _no_destination(shop, customer, "review")
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


def _token_matches(expected: str, given: str | None) -> bool:
    """A shop's inbound token, compared in constant time; an unset token matches nothing."""
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


def _shop_by_slug(session: Session, slug: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise HTTPException(404, "shop not found")
    return shop


def _public_url(ctx: AppContext, request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return ctx.settings.base_url.rstrip("/") + request.url.path + query


def _check_twilio(
    ctx: AppContext, session: Session, shop: Shop, request: Request, form: dict[str, str]
) -> None:
    settings = get_channel_settings(session, shop.id, "sms")
    token = str(settings.config.get("auth_token") or "") if settings else ""
    given = request.headers.get("x-twilio-signature", "")
    if not twilio_signature_ok(token, _public_url(ctx, request), form, given):
        raise HTTPException(403, "bad X-Twilio-Signature")


@router.api_route("/hooks/sms/{slug}/status", methods=["GET", "POST"])
async def sms_status(slug: str, request: Request, ctx: Ctx, session: SessionDep) -> Response:
    """Delivery reports: Twilio POSTs a signed form; eSMS GETs with query parameters."""
    shop = _shop_by_slug(session, slug)
    payload = _verify(ctx, "callback", request.query_params.get("t", ""))
    if payload.get("s") != shop.id:
        raise HTTPException(404, "link not valid")
    if request.method == "POST":
        form = {k: str(v) for k, v in (await request.form()).items()}
        _check_twilio(ctx, session, shop, request, form)
        status = TWILIO_STATUS.get(form.get("MessageStatus", ""), "")
        reason = f"twilio error {form['ErrorCode']}" if form.get("ErrorCode") else None
    else:
        outcome = esms_report_status(request.query_params)
        status, reason = outcome if outcome is not None else ("", None)
    message = _message(session, payload)
    if status:
        tracking.apply_delivery_report(
            session=session, clock=ctx.clock, message=message, status=status, reason=reason
        )
    return Response(status_code=204)


@router.post("/hooks/sms/{slug}/inbound")
async def sms_inbound(slug: str, request: Request, ctx: Ctx, session: SessionDep) -> Response:
    """Replies: Twilio's signed form (From, Body), or any gateway posting `phone` and `text`
    with the shop's inbound token (`?token=`)."""
    shop = _shop_by_slug(session, slug)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if "From" in form:
        _check_twilio(ctx, session, shop, request, form)
        phone, text = form.get("From", ""), form.get("Body", "")
        ref = form.get("MessageSid") or form.get("SmsSid")
    else:
        settings = get_channel_settings(session, shop.id, "sms")
        expected = str(settings.config.get("inbound_token") or "") if settings else ""
        if not _token_matches(expected, request.query_params.get("token")):
            raise HTTPException(403, "bad inbound token")
        phone, text = form.get("phone", ""), form.get("text", "")
        ref = form.get("message_id") or form.get("id")
    tracking.handle_inbound_sms(
        session=session, clock=ctx.clock, shop=shop, phone=phone, body=text, provider_ref=ref
    )
    if "From" in form:  # Twilio wants TwiML; an empty response sends nothing back
        return Response("<Response></Response>", media_type="application/xml")
    return Response(status_code=204)


@router.get("/hooks/sms/{slug}/inbound")
def sms_inbound_esms(slug: str, request: Request, ctx: Ctx, session: SessionDep) -> Response:
    """eSMS replies (MO): a GET with sender (84...), content, smsid, cpid, receiverTime and an
    MD5 `sign` over cpid + smsid + content + receiverTime + the private key (eSMS "Kết nối
    đầu số ngắn"). Verified with the shop's `esms_cpid` / `esms_private_key`, then handled
    like any SMS reply (STOP opts out; anything else goes to the support desk). eSMS expects
    a <ClientResponse>; an empty Message sends nothing back."""
    from xml.sax.saxutils import escape as xml_escape

    shop = _shop_by_slug(session, slug)
    params = {k: str(v) for k, v in request.query_params.items()}
    settings = get_channel_settings(session, shop.id, "sms")
    config = settings.config if settings else {}
    if not esms_mo_sign_ok(
        params, str(config.get("esms_cpid") or ""), str(config.get("esms_private_key") or "")
    ):
        raise HTTPException(403, "bad eSMS sign")
    smsid = params.get("smsid", "")
    tracking.handle_inbound_sms(
        session=session,
        clock=ctx.clock,
        shop=shop,
        phone="+" + params.get("sender", "").lstrip("+"),
        body=params.get("content", ""),
        provider_ref=f"esms:{smsid}" if smsid else None,
    )
    body = (
        "<ClientResponse><Message></Message>"
        f"<Smsid>{xml_escape(smsid)}</Smsid>"
        f"<Receiver>{xml_escape(params.get('sender', ''))}</Receiver></ClientResponse>"
    )
    return Response(body, media_type="application/xml")


@router.post("/hooks/zalo/{slug}")
async def zalo_events(slug: str, request: Request, ctx: Ctx, session: SessionDep) -> Response:
    """OA webhook: user_received_message -> delivered, user_seen_message -> opened;
    user_send_text (a customer writing to the OA) goes to the support desk."""
    shop = _shop_by_slug(session, slug)
    raw = (await request.body()).decode()
    settings = get_channel_settings(session, shop.id, "zalo")
    config = settings.config if settings else {}
    try:
        event = json.loads(raw)
    except ValueError:
        raise HTTPException(400, "body is not JSON") from None
    if not isinstance(event, dict):
        raise HTTPException(400, "body is not a JSON object")
    refused = verify_event(
        config, raw, event, request.headers.get("x-zevent-signature", ""), ctx.clock.now()
    )
    if refused:
        raise HTTPException(403, refused)
    status = {"user_received_message": "delivered", "user_seen_message": "opened"}.get(
        str(event.get("event_name", ""))
    )
    msg = event.get("message") or {}
    if event.get("event_name") == "user_send_text":
        tracking.handle_inbound_zalo(
            session=session,
            clock=ctx.clock,
            shop=shop,
            zalo_user_id=str((event.get("sender") or {}).get("id") or ""),
            text=str(msg.get("text") or ""),
            provider_ref=f"zalo:{msg.get('msg_id') or event.get('timestamp')}",
        )
    tracking_id = str(msg.get("tracking_id") or "")
    msg_ids = msg.get("msg_ids") or [msg.get("msg_id")]
    conditions = [Message.dedup_id == tracking_id] if tracking_id else []
    conditions += [
        (Message.provider == "zalo") & (Message.provider_message_id == str(m)) for m in msg_ids if m
    ]
    if status and conditions:
        from sqlalchemy import or_

        for message in session.scalars(
            select(Message).where(Message.shop_id == shop.id, or_(*conditions))
        ):
            tracking.apply_delivery_report(
                session=session, clock=ctx.clock, message=message, status=status
            )
    return Response(status_code=200)


@router.post("/hooks/email/{slug}/bounce")
async def email_bounce(slug: str, request: Request, ctx: Ctx, session: SessionDep) -> Response:
    """Bounces and complaints: JSON {"type": "bounce"|"complaint", "email", "message_id"?},
    or a raw DSN (multipart/report) as the body. Authenticated by `?token=`."""
    from careloop.channels.dsn import parse_dsn

    shop = _shop_by_slug(session, slug)
    settings = get_channel_settings(session, shop.id, "email")
    expected = str(settings.config.get("inbound_token") or "") if settings else ""
    if not _token_matches(expected, request.query_params.get("token")):
        raise HTTPException(403, "bad inbound token")
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        data = json.loads(body)
        reports = [
            (str(data.get("email", "")), str(data.get("type", "bounce")), data.get("message_id"))
        ]
    else:
        reports = [(r.recipient, "bounce", r.message_id) for r in parse_dsn(body) if r.permanent]
    for email, kind, message_ref in reports:
        if not email or kind not in ("bounce", "complaint"):
            continue
        message = _message_by_ref(session, shop, message_ref)
        tracking.handle_bounce(
            session=session,
            clock=ctx.clock,
            shop=shop,
            email=email.lower(),
            kind=kind,
            message=message,
        )
    return Response(status_code=204)


def _message_by_ref(session: Session, shop: Shop, ref: object) -> Message | None:
    """Our Message-ID is <dedup_id@domain>; accept it, the bare dedup id or our numeric id."""
    if ref is None:
        return None
    text = str(ref).strip().strip("<>").split("@")[0]
    stmt = select(Message).where(Message.shop_id == shop.id)
    if text.isdigit():
        return session.scalar(stmt.where(Message.id == int(text)))
    return session.scalar(stmt.where(Message.dedup_id == text))
