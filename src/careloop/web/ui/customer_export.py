"""The data-subject export for staff: everything held about the person behind a customer
record, as a readable HTML page (Vietnamese or English) or JSON, downloaded from the
customer page. The sections are the personal-data declarations, so the page shows exactly
what erasure would remove (Decree 13/2023/NĐ-CP art. 14: the person's access to it)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from careloop.core.catalogue import catalogue_pairs
from careloop.customers.export import export_person_data
from careloop.loyalty.tier_names import shop_tier_labels
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.customers import _customer_or_404
from careloop.web.ui.deps import AgentStaff
from careloop.web.ui.export_text import cell_text
from careloop.web.ui.templating import env

router = APIRouter()


# Headings for the columns people care about; the others show their field name.
COLUMN_LABELS: Final = catalogue_pairs("web.ui.customer_export.column_labels")


def render_export_html(
    data: dict[str, Any],
    *,
    locale: str,
    generated_at: datetime,
    tz: str = "UTC",
    tier_names: dict[str, str] | None = None,
) -> str:
    """The export as one self-contained page (no links back to the server); a loyalty tier
    by the shop's name for it (`tier_names`, in `locale`)."""
    from careloop.personal_data_registry import declarations

    sections = [
        {
            "key": d.name,
            "label": d.label.get(locale) or d.label["en"],
            "columns": _columns(data.get(d.name) or []),
            "rows": data.get(d.name) or [],
        }
        for d in declarations()
        if d.exported
    ]
    return env.get_template("customers/export.html").render(
        locale=locale,
        tz=tz,
        data=data,
        sections=sections,
        generated_at=generated_at,
        column_label=lambda c: COLUMN_LABELS.get(c, {}).get(locale, c.replace("_", " ")),
        cell=lambda section, column, row: (
            (
                (tier_names or {}).get(str(row.get(column)))
                if (section, column) == ("loyalty_member", "tier")
                else None
            )
            or cell_text(section, column, row.get(column), row, locale, tz)
        ),
        shown=_shown,
    )


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


@router.get("/customers/{customer_id}/export.html", response_class=HTMLResponse)
def export_html(customer_id: str, staff: AgentStaff, session: SessionDep, ctx: Ctx) -> Response:
    customer = _customer_or_404(session, staff, customer_id)
    data = export_person_data(session, staff.shop, customer)
    html = render_export_html(
        data,
        locale=staff.locale,
        generated_at=ctx.clock.now(),
        tz=staff.shop.timezone,
        tier_names=shop_tier_labels(session, staff.shop.id, staff.locale),
    )
    return _download(html, "text/html; charset=utf-8", f"customer-{customer.id}.html")


@router.get("/customers/{customer_id}/export.json")
def export_json(customer_id: str, staff: AgentStaff, session: SessionDep) -> Response:
    customer = _customer_or_404(session, staff, customer_id)
    data = export_person_data(session, staff.shop, customer)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return _download(body, "application/json", f"customer-{customer.id}.json")


def _download(body: str, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
