"""What orders plug in: their tables (products' too), the orders API, personal data."""

from __future__ import annotations

from careloop.core.manifest import Manifest, WorkerTask

MANIFEST = Manifest(
    name="orders",
    models=("careloop.orders.models",),
    api_routers=("careloop.orders.api:router",),
    tasks=(
        WorkerTask("orders.ingest_inbox", "careloop.orders.tasks:ingest_inbox_pass"),
        WorkerTask(
            "orders.inbox_retention",
            "careloop.orders.tasks:inbox_retention_pass",
            after=("orders.ingest_inbox",),
        ),
    ),
    personal_data="careloop.orders.personal_data:DECLARATIONS",
    catalogue_domain="orders",
)
