"""What metrics plug in: KPIs and their targets, reports, figure snapshots."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

_CLI = "careloop.metrics.cli:register"

MANIFEST = Manifest(
    name="metrics",
    models=("careloop.metrics.models",),
    api_routers=("careloop.metrics.api:router", "careloop.metrics.targets_api:router"),
    staff_pages=("careloop.metrics.ui",),
    nav=(NavEntry("reports", "Reports", "Báo cáo", "/reports", "viewer", 70),),
    tasks=(WorkerTask("metrics.snapshots", "careloop.metrics.tasks:refresh_snapshots"),),
    personal_data="careloop.metrics.personal_data:DECLARATIONS",
    commands=(
        Command(
            "kpi",
            "Every after-sales KPI for exactly a period (default: the last 30 days), against its "
            "target, with its sample size, 95% interval and formula.",
            _CLI,
        ),
        Command(
            "report",
            "Write the monthly after-sales review as a self-contained, printable HTML file.",
            _CLI,
        ),
        Command("metrics", "Figure snapshots behind the staff pages.", _CLI),
    ),
    catalogue_domain="metrics",
    figures=("careloop.metrics.figures:FIGURES",),
)
