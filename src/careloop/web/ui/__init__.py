"""The staff UI: server-rendered Jinja2 + HTMX pages.

Each page module exposes `router` (and registers its nav entry); add yours to PAGE_MODULES.
Every route here is CSRF-checked for unsafe methods by the router-level dependency."""

from __future__ import annotations

import importlib

from fastapi import APIRouter, Depends

from careloop.web.audit import record_changes
from careloop.web.security import csrf_protect

PAGE_MODULES: list[str] = [
    "careloop.channels.ui",
    "careloop.channels.outbox_ui",
    "careloop.community.ui",
    "careloop.community.web",
    "careloop.connectors.ui",
    # Before web.ui.customers: /customers/duplicates is not a customer id.
    "careloop.customers.ui",
    "careloop.feedback.ui",
    "careloop.journeys.ui",
    "careloop.loyalty.ui",
    "careloop.loyalty.store_ui",
    "careloop.loyalty.store_action_ui",
    "careloop.metrics.ui",
    "careloop.products.ui",
    "careloop.segments.ui",
    "careloop.support.ui",
    "careloop.web.ui.account",
    "careloop.web.ui.auth",
    "careloop.web.ui.customers",
    "careloop.web.ui.customer_export",
    "careloop.web.ui.home",
    "careloop.web.ui.imports",
    "careloop.web.ui.onboarding",
    "careloop.web.ui.settings",
    "careloop.web.ui.shop_links",
    "careloop.web.ui.shop_messages",
]

# CSRF first; record_changes audits every staff change a route did not audit itself.
ui_router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(csrf_protect), Depends(record_changes, scope="function")],
)

for _module in PAGE_MODULES:
    ui_router.include_router(importlib.import_module(_module).router)
