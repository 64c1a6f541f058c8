"""The staff UI's state-changing routes read from the app, a shop with every kind of row
(the demo shop, built first so each table's first row is its), and a database snapshot to
prove that a refused request changed nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select, text

from careloop.context import AppContext
from careloop.db.models import Base
from careloop.loyalty.models import Coupon
from careloop.shops.models import ApiKey, Membership
from tests.web.helpers import CSRF_RE

# Public pages (signed tokens, provider callbacks) and the API have tests of their own.
NOT_STAFF = ("/api/", "/static", "/c/", "/survey/", "/early/", "/rsvp/", "/loyalty/r/")
CSRF = "test-csrf-token"  # what tests.web.helpers.sign_in puts in the session
# A form with a plausible value for every field the UI's forms have, so that a route gets
# past form validation to the point where it looks its ids up.
FORM: dict[str, str] = {
    "body": "from the test",
    "text": "from the test",
    "note": "from the test",
    "comment": "from the test",
    "reason": "test",
    "subject": "Test subject",
    "name": "Test",
    "title": "Test",
    "points": "10",
    "score": "5",
    "status": "resolved",
    "outcome": "done",
    "done": "true",
    "pending": "false",
    "role": "viewer",
    "assignee": "",
    "amount_off": "",
    "percent_off": "10",
    "channel": "email",
    "kind": "call",
    "action": "approve",
    "value": "1",
    "customers": "",
    "skus": "",
}
# Routes whose path parameter is a name inside the signed-in shop (its own template or
# journey key), not a row id another shop could own.
OWN_NAMESPACE = {
    "/templates/{key}",
    "/templates/{key}/preview",
    "/templates/{key}/test",
    "/journeys/{key}/activate",
    "/journeys/{key}/pause",
    "/journeys/{key}/simulate",
    "/journeys/{key}/timing",
}


def ui_post_routes(app: FastAPI) -> Iterator[str]:
    for route in iter_route_contexts(app.routes):
        if route.path is None or not route.methods or "POST" not in route.methods:
            continue
        if route.path.startswith(NOT_STAFF):
            continue
        yield route.path


def shop_ids(ctx: AppContext, shop_id: int) -> dict[str, str]:
    """Path parameter name -> a value naming one of `shop_id`'s rows. A name not listed gets
    "1": the first row of every table is the demo shop's."""
    with ctx.sessions() as s:
        ids = {"step": "0", "action": "approve"}
        code = s.scalar(select(Coupon.code).where(Coupon.shop_id == shop_id).limit(1))
        if code:
            ids["code"] = code
        user = s.scalar(select(Membership.user_id).where(Membership.shop_id == shop_id).limit(1))
        ids["user_id"] = str(user)
        key = s.scalar(select(ApiKey.id).where(ApiKey.shop_id == shop_id).limit(1))
        if key:
            ids["key_id"] = str(key)
    return ids


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "1"), path)


def snapshot(ctx: AppContext, skip: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """Every row of every table (ordered), to compare before and after a request."""
    rows: dict[str, list[Any]] = {}
    with ctx.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            result = conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY {order}'))
            rows[table.name] = [tuple(r) for r in result]
    return rows


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def csrf_of(page_text: str) -> str:
    match = CSRF_RE.search(page_text)
    return match.group(1) if match else CSRF
