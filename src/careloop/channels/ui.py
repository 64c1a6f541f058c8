"""Template and message-log pages: edit a template per channel and locale with a live
preview, save it as the shop's override, send a test; the message log with status history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from careloop.audit.service import audit
from careloop.channels.base import Outgoing, SendError
from careloop.channels.dispatch import default_provider
from careloop.channels.links import name_markers
from careloop.channels.models import (
    CHANNEL_NAMES,
    Message,
    MessageStatusHistory,
    MessageTemplate,
)
from careloop.channels.reason_text import reason_text
from careloop.channels.render_context import build_context, sample_context
from careloop.channels.settings import get_channel_settings
from careloop.channels.sms_cost import cost_per_part, cost_text
from careloop.channels.sms_text import SmsLength, measure
from careloop.channels.template_checks import explain_fields, field_problems
from careloop.channels.templates import (
    LOCALES,
    Rendered,
    TemplateError,
    TemplateSource,
    file_spec,
    find_source,
    render_source,
    sender_samples,
    shipped_template_keys,
    unknown_names,
)
from careloop.core.catalogue import catalogue_texts, has_message, t
from careloop.core.errors import NotFound
from careloop.customers.models import Customer
from careloop.web.deps import Ctx, SessionDep
from careloop.web.paging import Page
from careloop.web.ui.after_session import AfterSession
from careloop.web.ui.deps import CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()

EDIT_CHANNELS = ("email", "sms", "zalo", "task")
TEST_CHANNELS = ("email", "sms")
MESSAGE_STATUSES = (
    "queued",
    "claimed",
    "sending",
    "sent",
    "maybe_sent",
    "delivered",
    "opened",
    "clicked",
    "replied",
    "failed",
    "suppressed",
    "deferred",
)
PAGE_SIZE = 50

TEXTS = catalogue_texts("channels.ui.texts")


def sms_length(channel: str, rendered: Rendered | None, per_part: int) -> SmsLength | None:
    """The live counter under an SMS preview: alphabet, length, parts and cost, measured
    on the rendered text."""
    if channel != "sms" or rendered is None:
        return None
    return measure(rendered.text, per_part)


def _texts(locale: str) -> dict[str, str]:
    return TEXTS["vi" if locale == "vi" else "en"]


def _override_keys(session: SessionDep, shop_id: int) -> dict[str, int]:
    return {
        key: int(n)
        for key, n in session.execute(
            select(MessageTemplate.template_key, func.count())
            .where(MessageTemplate.shop_id == shop_id)
            .group_by(MessageTemplate.template_key)
        )
    }


def _known_key(session: SessionDep, staff: StaffContext, key: str) -> bool:
    """Shipped, or one of this shop's own; another shop's custom key is not found."""
    try:
        if file_spec(key) is not None:
            return True
    except TemplateError:
        return False
    return key in _override_keys(session, staff.shop.id)


@router.get("/templates")
def templates_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    overrides = _override_keys(session, staff.shop.id)
    shipped = shipped_template_keys()
    keys = sorted(set(shipped) | set(overrides))
    return render(
        request,
        "channels/templates.html",
        {
            "t": _texts(staff.locale),
            "rows": [
                {"key": k, "shipped": k in shipped, "overrides": overrides.get(k, 0)} for k in keys
            ],
        },
        staff=staff,
    )


def _choice(value: str, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def _current_source(
    session: SessionDep, staff: StaffContext, key: str, channel: str, locale: str
) -> TemplateSource:
    try:
        source, used = find_source(
            session=session,
            shop_id=staff.shop.id,
            template_key=key,
            channel=channel,
            locale=locale,
            shop_locale=staff.shop.locale,
        )
    except TemplateError:
        return TemplateSource()
    return source if used == locale else TemplateSource(source.subject, source.text, source.html)


def _context_for(
    session: SessionDep,
    staff: StaffContext,
    key: str,
    locale: str,
    customer_ref: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sample or real customer data, plus samples of what the key's sender supplies (the
    event, the ticket): the same names a real send of `key` has."""
    supplied = sender_samples(key, locale)
    ref = customer_ref.strip()
    if not ref:
        return {**sample_context(locale, staff.shop.name), **supplied}
    customer = session.scalar(
        select(Customer).where(Customer.shop_id == staff.shop.id, Customer.external_id == ref)
    )
    if customer is None:
        raise TemplateError(_texts(staff.locale)["unknown_customer"].format(id=ref))
    # With the clock, a real customer's preview shows their real days since the last order.
    found = build_context(session=session, shop=staff.shop, customer=customer, now=now)
    return {**found, **supplied}


def render_draft(
    session: SessionDep,
    staff: StaffContext,
    *,
    key: str,
    channel: str,
    locale: str,
    subject: str,
    text: str,
    html: str,
    customer_ref: str = "",
    now: datetime | None = None,
) -> Rendered:
    """Render the unsaved wording the way a send would; TemplateError names the problem."""
    return prepare_draft(
        session,
        staff,
        key=key,
        channel=channel,
        locale=locale,
        subject=subject,
        text=text,
        html=html,
        customer_ref=customer_ref,
        now=now,
    )()


def prepare_draft(
    session: SessionDep,
    staff: StaffContext,
    *,
    key: str,
    channel: str,
    locale: str,
    subject: str,
    text: str,
    html: str,
    customer_ref: str = "",
    now: datetime | None = None,
) -> Callable[[], Rendered]:
    """Read what the draft needs from the database now; the returned function renders it
    (bounded, see template_limits) and needs no database, so it can run after the session."""
    source = TemplateSource(subject=subject, text=text, html=html)
    context = _context_for(session, staff, key, locale, customer_ref, now)
    where = f"template {key!r} ({channel}, {locale})"
    unknown = unknown_names(source, set(context))
    if unknown:
        raise TemplateError(f"{where}: unknown field(s): {', '.join(sorted(unknown))}")

    def finish() -> Rendered:
        rendered = render_source(source, context, where=where)
        if channel == "email" and not rendered.subject:
            raise TemplateError(f"{where}: an email needs a subject")
        if channel in ("email", "sms") and not rendered.text:
            raise TemplateError(f"{where}: the text is empty")
        return rendered

    return finish


def _same_text(left: str, right: str) -> bool:
    """Equal once a browser's CRLF line ends are set aside."""
    return left.replace("\r\n", "\n").strip() == right.replace("\r\n", "\n").strip()


def _editor(
    request: Request,
    staff: StaffContext,
    session: SessionDep,
    key: str,
    channel: str,
    locale: str,
    *,
    draft: TemplateSource | None = None,
    notice: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    source = draft or _current_source(session, staff, key, channel, locale)
    rendered: Rendered | None = None
    preview_error = ""
    if source.text or source.subject:
        try:
            rendered = render_draft(
                session,
                staff,
                key=key,
                channel=channel,
                locale=locale,
                subject=source.subject,
                text=source.text,
                html=source.html,
            )
        except TemplateError as exc:
            preview_error = str(exc)
    override = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.shop_id == staff.shop.id,
            MessageTemplate.template_key == key,
            MessageTemplate.channel == channel,
            MessageTemplate.locale == locale,
        )
    )
    length = sms_length(channel, rendered, cost_per_part(session, staff.shop))
    return render(
        request,
        "channels/template_edit.html",
        {
            "t": _texts(staff.locale),
            "key": key,
            "channel": channel,
            "locale_": locale,
            "channels": EDIT_CHANNELS,
            "locales": LOCALES,
            "source": source,
            "override": override,
            "rendered": rendered,
            "sms_length": length,
            "sms_cost": cost_text(length, staff.locale),
            "preview_error": preview_error,
            "notice": notice,
            "error": error,
            "test_channels": TEST_CHANNELS,
        },
        staff=staff,
        status_code=status_code,
    )


@router.get("/templates/{key}")
def template_page(
    key: str,
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    channel: str = "email",
    locale: str = "",
    saved: bool = False,
) -> Response:
    if not _known_key(session, staff, key):
        raise NotFound("template", key)
    chosen_channel = _choice(channel, EDIT_CHANNELS, "email")
    chosen_locale = _choice(
        locale, LOCALES, staff.shop.locale if staff.shop.locale in LOCALES else "vi"
    )
    notice = _texts(staff.locale)["saved"] if saved else ""
    return _editor(request, staff, session, key, chosen_channel, chosen_locale, notice=notice)


@router.post("/templates/{key}/preview")
def preview_template(
    key: str,
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    channel: Annotated[str, Form()] = "email",
    locale: Annotated[str, Form()] = "vi",
    subject: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    html: Annotated[str, Form()] = "",
    customer: Annotated[str, Form()] = "",
) -> Response:
    """The live preview (htmx): the draft rendered for a customer or sample data.

    Viewers may preview the saved wording only (rendering any text they type is a way to
    spend the server's time). The render itself runs after the database session is
    given back (AfterSession), so no other request waits for it."""
    if not _known_key(session, staff, key):
        raise NotFound("template", key)
    chosen_channel = _choice(channel, EDIT_CHANNELS, "email")
    chosen_locale = _choice(locale, LOCALES, "vi")
    if not staff.can("agent"):
        saved = _current_source(session, staff, key, chosen_channel, chosen_locale)
        if not all(
            _same_text(a, b)
            for a, b in ((subject, saved.subject), (text, saved.text), (html, saved.html))
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"viewers preview saved templates only; you are {staff.role} in {staff.shop.name}",
            )
    texts = _texts(staff.locale)
    per_part = cost_per_part(session, staff.shop)
    finish: Callable[[], Rendered] | None = None
    error = ""
    try:
        finish = prepare_draft(
            session,
            staff,
            key=key,
            channel=chosen_channel,
            locale=chosen_locale,
            subject=subject,
            text=text,
            html=html,
            customer_ref=customer,
            now=ctx.clock.now(),
        )
    except TemplateError as exc:
        error = str(exc)

    def produce() -> Response:
        rendered: Rendered | None = None
        problem = error
        if finish is not None:
            try:
                rendered = finish()
            except TemplateError as exc:
                problem = str(exc)
        return render(
            request,
            "channels/_preview.html",
            {
                "t": texts,
                "rendered": rendered,
                "preview_error": problem,
                "sms_length": sms_length(chosen_channel, rendered, per_part),
                "sms_cost": cost_text(sms_length(chosen_channel, rendered, per_part), staff.locale),
            },
            staff=staff,
        )

    return AfterSession(produce)


@router.post("/templates/{key}")
def save_template(
    key: str,
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    channel: Annotated[str, Form()],
    locale: Annotated[str, Form()],
    subject: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    html: Annotated[str, Form()] = "",
) -> Response:
    if not _known_key(session, staff, key):
        raise NotFound("template", key)
    draft = TemplateSource(subject=subject, text=text, html=html)
    if channel not in EDIT_CHANNELS or locale not in LOCALES:
        return _editor(
            request,
            staff,
            session,
            key,
            _choice(channel, EDIT_CHANNELS, "email"),
            _choice(locale, LOCALES, "vi"),
            draft=draft,
            error=f"channel/locale: one of {', '.join(EDIT_CHANNELS)} / {', '.join(LOCALES)}",
            status_code=422,
        )
    problems = field_problems(
        {"subject": subject, "text": text, "html": html}, locale=locale, template_key=key
    )
    if problems:
        # An unknown variable or a `{{ }}` that would reach the customer: nothing is saved.
        return _editor(
            request,
            staff,
            session,
            key,
            channel,
            locale,
            draft=draft,
            error=explain_fields(problems, staff.locale),
            status_code=422,
        )
    try:
        render_draft(
            session,
            staff,
            key=key,
            channel=channel,
            locale=locale,
            subject=subject,
            text=text,
            html=html,
        )
    except TemplateError as exc:
        # A template that cannot render would fail at send time: keep the old wording.
        return _editor(
            request,
            staff,
            session,
            key,
            channel,
            locale,
            draft=draft,
            error=str(exc),
            status_code=422,
        )
    row = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.shop_id == staff.shop.id,
            MessageTemplate.template_key == key,
            MessageTemplate.channel == channel,
            MessageTemplate.locale == locale,
        )
    )
    now = ctx.clock.now()
    if row is None:
        row = MessageTemplate(
            shop_id=staff.shop.id, template_key=key, channel=channel, locale=locale, data={}
        )
        session.add(row)
    row.subject, row.body_text, row.body_html, row.updated_at = subject, text, html, now
    session.flush()
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action="template.saved",
        target=f"template:{key}:{channel}:{locale}",
        origin=request.client.host if request.client else "",
    )
    return RedirectResponse(
        f"/templates/{key}?channel={channel}&locale={locale}&saved=1", status_code=303
    )


@router.post("/templates/{key}/test")
def send_test(
    key: str,
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    channel: Annotated[str, Form()],
    locale: Annotated[str, Form()],
    address: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    html: Annotated[str, Form()] = "",
) -> Response:
    """Send the draft with sample data to one address through the shop's provider."""
    if not _known_key(session, staff, key):
        raise NotFound("template", key)
    texts = _texts(staff.locale)
    chosen_channel = _choice(channel, EDIT_CHANNELS, "email")
    chosen_locale = _choice(locale, LOCALES, "vi")
    draft = TemplateSource(subject=subject, text=text, html=html)

    def answer(notice: str = "", error: str = "") -> Response:
        return _editor(
            request,
            staff,
            session,
            key,
            chosen_channel,
            chosen_locale,
            draft=draft,
            notice=notice,
            error=error,
            status_code=422 if error else 200,
        )

    if channel not in TEST_CHANNELS:
        return answer(error=f"channel: test sends go by {' or '.join(TEST_CHANNELS)}")
    if not address.strip():
        return answer(error="address: enter an email address or phone number")
    settings = get_channel_settings(session, staff.shop.id, channel)
    if settings is None:
        return answer(error=texts["not_configured"].format(channel=channel))
    try:
        rendered = render_draft(
            session,
            staff,
            key=key,
            channel=channel,
            locale=chosen_locale,
            subject=subject,
            text=text,
            html=html,
        )
        provider = default_provider(ctx, settings)
        try:
            sent = provider.send(
                Outgoing(
                    message_id=0,
                    shop_id=staff.shop.id,
                    dedup_id=f"test-{key}-{ctx.clock.now().timestamp():.0f}",
                    kind="transactional",
                    channel=channel,
                    to=address.strip(),
                    subject=f"[TEST] {rendered.subject}" if rendered.subject else "",
                    text=rendered.text,
                    html=rendered.html,
                    template_key=key,
                )
            )
        finally:
            provider.close()
    except TemplateError as exc:
        return answer(error=str(exc))
    except SendError as exc:
        return answer(error=f"{channel}: {reason_text(exc.reason, staff.locale)}")
    return answer(notice=texts["test_sent"].format(to=address.strip(), provider=sent.provider))


# --- Message log ---------------------------------------------------------------------------


@router.get("/messages")
def messages_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    status: str = "",
    channel: str = "",
    journey: str = "",
    page: Page = 1,
) -> Response:
    where = [Message.shop_id == staff.shop.id]
    if status:
        where.append(Message.status == status)
    if channel:
        where.append(Message.channel == channel)
    if journey:
        where.append(Message.journey_key == journey)
    # Counted on the messages' own indexes, without the customer join: every message has its
    # customer (a NOT NULL, cascading foreign key), and joining 100,000s of rows just to count
    # them was most of this page's time.
    total = int(session.scalar(select(func.count(Message.id)).where(*where)) or 0)
    stmt = (
        select(Message, Customer).join(Customer, Customer.id == Message.customer_id).where(*where)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(
        stmt.order_by(Message.created_at.desc(), Message.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    journeys = list(
        session.scalars(
            select(Message.journey_key)
            .where(Message.shop_id == staff.shop.id, Message.journey_key.is_not(None))
            .distinct()
            .order_by(Message.journey_key)
        )
    )
    query = "&".join(
        f"{name}={value}"
        for name, value in (("status", status), ("channel", channel), ("journey", journey))
        if value
    )
    return render(
        request,
        "channels/messages.html",
        {
            "t": _texts(staff.locale),
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "base_url": "/messages?" + (query + "&" if query else ""),
            "status": status,
            "channel": channel,
            "journey": journey,
            "statuses": MESSAGE_STATUSES,
            "channels": CHANNEL_NAMES,
            "journeys": journeys,
        },
        staff=staff,
    )


def readable_body(text: str, locale: str) -> str:
    """A stored message's text with its link markers as words ("[link: survey]")."""

    def name(kind: str) -> str:
        key = f"channels.link.{kind}"
        return f"[{t(key, locale)}]" if has_message(key) else f"[{kind}]"

    return name_markers(text, name)


@router.get("/messages/{message_id}")
def message_page(
    message_id: int, request: Request, staff: CurrentStaff, session: SessionDep
) -> Response:
    message = session.scalar(
        select(Message).where(Message.shop_id == staff.shop.id, Message.id == message_id)
    )
    if message is None:
        raise NotFound("message", str(message_id))
    customer = session.get(Customer, message.customer_id)
    history = session.scalars(
        select(MessageStatusHistory)
        .where(
            MessageStatusHistory.shop_id == staff.shop.id,
            MessageStatusHistory.message_id == message.id,
        )
        .order_by(MessageStatusHistory.at, MessageStatusHistory.id)
    ).all()
    return render(
        request,
        "channels/message.html",
        {
            "t": _texts(staff.locale),
            "m": message,
            "body": readable_body(message.body_text, staff.locale),
            "customer": customer,
            "history": history,
        },
        staff=staff,
    )
