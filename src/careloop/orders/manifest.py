"""What orders plug in: their tables (products' too), the orders API, personal data."""

from __future__ import annotations

from careloop.core.manifest import Manifest

MANIFEST = Manifest(
    name="orders",
    models=("careloop.orders.models",),
    api_routers=("careloop.orders.api:router",),
    tasks=("careloop.orders.tasks",),
    personal_data="careloop.orders.personal_data:DECLARATIONS",
    catalogue_domain="orders",
)
