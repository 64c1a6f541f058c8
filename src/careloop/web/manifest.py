"""The staff web's own pages: home, sign-in, account, the customer list and page, imports,
onboarding, settings; and the ops endpoints (health, metrics) outside /api/v1."""

from __future__ import annotations

from careloop.core.manifest import Manifest, NavEntry

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
        "careloop.web.ui.shop_setup",
    ),
    nav=(
        NavEntry("home", "Overview", "Tổng quan", "/", "viewer", 0),
        NavEntry("customers", "Customers", "Khách hàng", "/customers", "viewer", 10),
        NavEntry("account", "My account", "Tài khoản của tôi", "/account", "viewer", 95),
        NavEntry("settings", "Settings", "Cài đặt", "/settings", "viewer", 90),
        NavEntry("get_started", "Get started", "Bắt đầu", "/get-started", "owner", 95),
        NavEntry("import", "Import", "Nhập dữ liệu", "/import", "agent", 85),
    ),
    settings_tabs=("shop", "staff", "keys"),
    catalogue_domain="web",
)
