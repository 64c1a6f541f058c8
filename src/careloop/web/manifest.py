"""The staff web's own pages: home, sign-in, account, the customer list and page, imports,
onboarding, settings; and the ops endpoints (health, metrics) outside /api/v1."""

from __future__ import annotations

from careloop.core.manifest import Manifest

MANIFEST = Manifest(
    name="staff",
    public_pages=("careloop.web.api.ops:router",),
    staff_pages=(
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
    ),
    nav=("home", "customers", "account", "settings", "get_started", "import"),
    settings_tabs=("shop", "staff", "keys"),
    catalogue_domain="web",
)
