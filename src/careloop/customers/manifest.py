"""What customers plug in: customers, consents, the timeline, erasure (its rows go last)."""

from __future__ import annotations

from careloop.core.manifest import Command, CustomerPanel, Manifest

MANIFEST = Manifest(
    name="customers",
    models=("careloop.customers.models", "careloop.customers.event_feed"),
    api_routers=("careloop.customers.api:router",),
    staff_pages=("careloop.customers.ui",),
    customer_panels=(
        CustomerPanel(
            "identity", "customers/_identity_panel.html", "careloop.customers.ui:identity_panel", 5
        ),
    ),
    timeline_texts=("careloop.customers.timeline_text:TIMELINE_TEXTS",),
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
