"""What customers plug in: customers, consents, the timeline, erasure (its rows go last)."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest

MANIFEST = Manifest(
    name="customers",
    models=("careloop.customers.models", "careloop.customers.event_feed"),
    api_routers=("careloop.customers.api:router",),
    staff_pages=("careloop.customers.ui",),
    customer_panels=("identity",),
    timeline_texts=("careloop.customers.timeline_text",),
    personal_data="careloop.customers.personal_data:DECLARATIONS",
    commands=(
        Command(
            "erase",
            "Erase personal data (right to be forgotten).",
            "careloop.customers.cli:erase_app",
        ),
        Command("export", "Export data.", "careloop.cli_commands:register"),
    ),
    catalogue_domain="customers",
)
