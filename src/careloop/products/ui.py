"""The Products page: the catalogue with search, and a form per product for its care data
(labels and errors in the staff member's language, each error naming its field)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from careloop.imports.fields import plain_amount
from careloop.orders.models import Product
from careloop.products.schemas import CARE_FIELDS, ProductIn, ProductPatch
from careloop.products.service import (
    find_product,
    get_product,
    list_products,
    product_public,
    save_product,
    update_product,
)
from careloop.products.tags import split_skus
from careloop.products.ui_text import field_error, texts
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()

PAGE_SIZE = 50
NUMBERS = ("usage_days", "warranty_months", "maintenance_interval_days")
LONG_TEXT = ("care_guide_vi", "care_guide_en")


@router.get("/products")
def products_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    products, total = list_products(
        session, staff.shop, search=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request,
        "products/list.html",
        {
            "t": texts(staff.locale),
            "q": q,
            "products": products,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "quote": quote,
        },
        staff=staff,
    )


@router.get("/products/new")
def new_product(request: Request, staff: AgentStaff) -> Response:
    return _form(request, staff, None, {}, {})


@router.post("/products/new")
async def create_product(
    request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    values = await _submitted(request)
    errors: dict[str, str] = {}
    data = _validate(ProductIn, {**_typed(values), "sku": values.get("sku")}, staff, errors)
    if data is not None and find_product(session, staff.shop, data.sku) is not None:
        errors["sku"] = texts(staff.locale)["err.exists"].format(field=texts(staff.locale)["sku"])
    if data is None or errors:
        return _form(request, staff, None, values, errors)
    save_product(session=session, clock=ctx.clock, shop=staff.shop, data=data)
    return RedirectResponse(f"/products/{quote(data.sku, safe='')}?saved=1", status_code=303)


@router.get("/products/{sku:path}")
def edit_product(
    sku: str, request: Request, staff: CurrentStaff, session: SessionDep, saved: int = 0
) -> Response:
    product = get_product(session, staff.shop, sku)
    return _form(request, staff, product, _stored(product, staff.shop.currency), {}, bool(saved))


@router.post("/products/{sku:path}")
async def save_edited_product(
    sku: str, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    product = get_product(session, staff.shop, sku)
    values = await _submitted(request)
    errors: dict[str, str] = {}
    data = _validate(ProductPatch, _typed(values), staff, errors)
    if data is not None and data.parent_sku == sku:
        errors["parent_sku"] = field_error(staff.locale, "parent_sku", {"msg": "itself"})
    if data is not None and data.related_skus and sku in data.related_skus:
        errors["related_skus"] = field_error(staff.locale, "related_skus", {"msg": "itself"})
    if data is None or errors:
        return _form(request, staff, product, values, errors)
    update_product(session=session, clock=ctx.clock, shop=staff.shop, sku=sku, data=data)
    return RedirectResponse(f"/products/{quote(sku, safe='')}?saved=1", status_code=303)


async def _submitted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "").strip() for name in ("sku", *CARE_FIELDS)}


def _typed(values: dict[str, str]) -> dict[str, Any]:
    """Form text as the schema's values: blank clears, numbers and skus parsed."""
    out: dict[str, Any] = {}
    for name in CARE_FIELDS:
        raw = values.get(name, "")
        if name == "name" and not raw:
            continue  # a product always keeps a name
        if not raw:
            out[name] = [] if name == "related_skus" else None
        elif name in NUMBERS:
            out[name] = int(raw) if raw.isdigit() else raw
        elif name == "price":
            out[name] = plain_amount(raw)
        elif name == "related_skus":
            out[name] = split_skus(raw)
        else:
            out[name] = raw
    return out


def _validate(
    schema: type[ProductIn] | type[ProductPatch],
    given: dict[str, Any],
    staff: StaffContext,
    errors: dict[str, str],
) -> Any:
    try:
        return schema.model_validate(given)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            if not name:
                name, _, reason = str(error["msg"]).removeprefix("Value error, ").partition(": ")
                error = {**error, "msg": reason}
            errors.setdefault(name, field_error(staff.locale, name, dict(error)))
        return None


def _stored(product: Product, currency: str) -> dict[str, str]:
    public = product_public(product, currency).model_dump()
    values = {k: "" if v is None else str(v) for k, v in public.items()}
    values["related_skus"] = ", ".join(public["related_skus"])
    return values


def _form(
    request: Request,
    staff: StaffContext,
    product: Product | None,
    values: dict[str, str],
    errors: dict[str, str],
    saved: bool = False,
) -> Response:
    return render(
        request,
        "products/edit.html",
        {
            "t": texts(staff.locale),
            "product": product,
            "values": values,
            "errors": errors,
            "saved": saved,
            "fields": CARE_FIELDS,
            "numbers": NUMBERS,
            "long_text": LONG_TEXT,
            "action": "/products/new" if product is None else f"/products/{quote(product.sku)}",
        },
        staff=staff,
        status_code=422 if errors else 200,
    )
