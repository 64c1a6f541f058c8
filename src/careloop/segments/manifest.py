"""What segments plug in: RFM segments, CLV, churn."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

_CLI = "careloop.segments.cli:register"

MANIFEST = Manifest(
    name="segments",
    models=("careloop.segments.models",),
    staff_pages=("careloop.segments.ui",),
    nav=(NavEntry("segments", "Segments", "Phân khúc", "/segments", "viewer", 15),),
    tasks=(WorkerTask("segments.nightly", "careloop.segments.tasks:nightly_segments"),),
    personal_data="careloop.segments.personal_data:DECLARATIONS",
    commands=(
        Command(
            "segments",
            "Recompute RFM segments (and CLV) now and print how many customers are in each.",
            _CLI,
        ),
        Command(
            "churn",
            "Churn rate (DESIGN definition) and the ranked list of customers at risk, with why.",
            _CLI,
        ),
        Command("clv", "Customer lifetime value (BG/NBD + Gamma-Gamma).", _CLI),
    ),
    catalogue_domain="segments",
)
