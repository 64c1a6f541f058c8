"""What alerts plug in: staff alerts and the daily digest (a worker task)."""

from __future__ import annotations

from careloop.core.manifest import Manifest, WorkerTask

MANIFEST = Manifest(
    name="alerts",
    models=("careloop.alerts.models",),
    tasks=(WorkerTask("alerts.staff", "careloop.alerts.tasks:staff_alerts"),),
    catalogue_domain="alerts",
)
