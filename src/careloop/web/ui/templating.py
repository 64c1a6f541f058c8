"""Rendering staff pages: one Jinja2 environment with the helpers every template may use.

In templates: `_("key")` translates, `x|dt` / `x|date` format in the shop's time zone and
locale, `minor|money` formats an amount of the shop's currency (`n|num` a count, the same way),
`phone|phone` shows an E.164 number readably, `static("file")` links an asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from careloop import __version__
from careloop.channels.honest import HONEST_STATES
from careloop.channels.reason_text import reason_text
from careloop.core.money import format_money
from careloop.web.i18n import (
    DEFAULT_LOCALE,
    LOCALE_NAMES,
    LOCALES,
    event_label,
    has_message,
    normalise_locale,
    t,
)
from careloop.web.security import CSRF_FORM_FIELD, CSRF_HEADER, STAFF_CSP, csrf_token
from careloop.web.ui.deps import StaffContext
from careloop.web.ui.format import (
    format_date,
    format_datetime,
    format_hours,
    format_month,
    format_number,
    format_percent,
    format_phone,
    payload_summary,
)
from careloop.web.ui.nav import nav_items

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "xml"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@pass_context
def _translate(context: Context, key: str, **params: object) -> str:
    return t(key, context.get("locale", DEFAULT_LOCALE), **params)


@pass_context
def _dt(context: Context, moment: datetime | None) -> str:
    return format_datetime(moment, context.get("tz", "UTC"), context.get("locale", DEFAULT_LOCALE))


@pass_context
def _date(context: Context, day: date | datetime | None) -> str:
    return format_date(day, context.get("locale", DEFAULT_LOCALE), context.get("tz", "UTC"))


@pass_context
def _money(context: Context, minor: int | None, currency: str | None = None) -> str:
    if minor is None:
        return ""
    # Amounts follow the shop's conventions (400.000 ₫), whatever language the staff reads.
    return format_money(
        int(minor), currency or context.get("currency", "VND"), context.get("money_locale", "vi")
    )


@pass_context
def _number(context: Context, value: float | None, digits: int = 0) -> str:
    """12345 -> '12.345' in a Vietnamese shop, '12,345' otherwise (like its money);
    `digits` decimals at most (`x|num(1)`: 1.3 -> '1,3' in a Vietnamese shop)."""
    shown = (value or 0) if digits else int(value or 0)
    return format_number(shown, context.get("money_locale", "vi"), digits)


@pass_context
def _percent(context: Context, fraction: float | None, digits: int = 1) -> str:
    return format_percent(fraction, context.get("locale", DEFAULT_LOCALE), digits)


@pass_context
def _hours(context: Context, hours: float | None) -> str:
    return format_hours(hours, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _month(context: Context, value: date | str | None) -> str:
    """A month (a date, or 'YYYY-MM') as 'tháng 11/2026' or 'November 2026'."""
    if value is None or value == "":
        return ""
    year, month = (
        (value.year, value.month) if isinstance(value, date) else map(int, value[:7].split("-"))
    )
    return format_month(year, month, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _event_label(context: Context, event_type: str) -> str:
    return event_label(event_type, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _payload_summary(
    context: Context, summary: str, payload: Mapping[str, Any] | None, event_type: str = ""
) -> str:
    return payload_summary(summary, payload, event_type, context.get("locale", DEFAULT_LOCALE))


@pass_context
def _word(context: Context, prefix: str, value: object) -> str:
    """A stored code (a status, priority, problem type) as a word of the page's language:
    the catalogue's `<prefix>.<value>`, or the code itself when the catalogue has none."""
    code = str(value or "")
    key = f"{prefix}.{code}"
    return t(key, context.get("locale", DEFAULT_LOCALE)) if code and has_message(key) else code


@pass_context
def _words(context: Context, codes: Iterable[object], prefix: str, suffix: str = "") -> list[str]:
    """Each code as `_word` shows it; `suffix` for keys such as segment.<code>.label."""
    locale = context.get("locale", DEFAULT_LOCALE)
    shown = []
    for code in codes:
        key = f"{prefix}.{code}{suffix}"
        shown.append(t(key, locale) if has_message(key) else str(code))
    return shown


@pass_context
def _reason_text(context: Context, reason: str | None) -> str:
    """A message's or suppression's stored reason in the page's language."""
    return reason_text(reason, context.get("locale", DEFAULT_LOCALE))


def _static(path: str) -> str:
    # The version in the query string makes browsers fetch assets again after an upgrade.
    return f"/static/{path}?v={__version__}"


env.globals.update(
    honest_states=HONEST_STATES,
    _=_translate,
    static=_static,
    word=_word,
    event_label=_event_label,
    payload_summary=_payload_summary,
    reason_text=_reason_text,
    LOCALES=LOCALES,
    LOCALE_NAMES=LOCALE_NAMES,
    CSRF_FORM_FIELD=CSRF_FORM_FIELD,
    CSRF_HEADER=CSRF_HEADER,
)
env.filters.update(
    dt=_dt,
    date=_date,
    money=_money,
    phone=format_phone,
    num=_number,
    pct=_percent,
    hours=_hours,
    month=_month,
    words=_words,
)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def base_context(request: Request, staff: StaffContext | None) -> dict[str, Any]:
    """What the layout needs: the staff member, their shop, nav, locale, CSRF token."""
    locale = staff.locale if staff else _anonymous_locale(request)
    context: dict[str, Any] = {
        "request": request,
        "staff": staff,
        "locale": locale,
        "csrf_token": csrf_token(request),
        "current_path": request.url.path,
        "tz": "UTC",
        "currency": "VND",
        "money_locale": "vi",
    }
    if staff is not None:
        context.update(
            shop=staff.shop,
            tz=staff.shop.timezone,
            currency=staff.shop.currency,
            money_locale=staff.shop.locale,
            nav=[item for item in nav_items(staff.role) if item.shown_to(staff)],
        )
    return context


def _anonymous_locale(request: Request) -> str:
    chosen = request.session.get("locale")
    if chosen:
        return normalise_locale(chosen)
    accept = request.headers.get("accept-language", "")
    return normalise_locale(accept.split(",")[0]) if accept else DEFAULT_LOCALE


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    staff: StaffContext | None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render `template` with the layout's context plus `context`."""
    full = base_context(request, staff)
    full.update(context or {})
    html = env.get_template(template).render(full)
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    # Pages hold personal data: never keep them in shared caches or the back-forward cache.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Security-Policy"] = STAFF_CSP
    if is_htmx(request):
        response.headers["Vary"] = "HX-Request"
    return response
