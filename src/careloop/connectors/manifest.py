"""What connectors plug in: shop platforms' webhooks and backfills."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="connectors",
    models=("careloop.connectors.models",),
    api_routers=("careloop.connectors.api:router",),
    staff_pages=("careloop.connectors.ui",),
    nav=(NavEntry("connectors", "Connectors", "Kết nối", "/settings/connectors", "viewer", 80),),
    settings_tabs=("connectors",),
    tasks=(
        WorkerTask(
            "connectors.shop_data_deletion", "careloop.connectors.tasks:shop_data_deletion_pass"
        ),
    ),
    attention=(("connectors", "careloop.connectors.attention:attention_items"),),
    personal_data="careloop.connectors.personal_data:DECLARATIONS",
    commands=(
        Command(
            "connector",
            "Connect shop platforms (Shopify, WooCommerce, Haravan, Sapo, generic).",
            "careloop.connectors.cli:app",
        ),
    ),
    catalogue_domain="connectors",
)
