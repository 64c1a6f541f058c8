"""What alerts plug in: staff alerts and the daily digest (a worker task)."""

from __future__ import annotations

from careloop.core.manifest import Manifest

MANIFEST = Manifest(
    name="alerts",
    models=("careloop.alerts.models",),
    tasks=("careloop.alerts.tasks",),
    catalogue_domain="alerts",
)
