"""What feedback plugs in: surveys (and their public pages), reviews, review asks."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="feedback",
    models=("careloop.feedback.models",),
    api_routers=("careloop.feedback.api:router",),
    staff_pages=("careloop.feedback.ui",),
    public_pages=("careloop.feedback.web:router",),
    task_lines=("careloop.feedback.task_lines:TASK_LINES",),
    nav=(NavEntry("feedback", "Feedback", "Góp ý", "/feedback", "viewer", 50),),
    tasks=(
        WorkerTask(
            "feedback.review_asks",
            "careloop.feedback.tasks:review_asks_pass",
            after=("orders.ingest_inbox",),
            before=("channels.dispatch",),
        ),
    ),
    timeline_consumers=("feedback.review_asks",),
    timeline_texts=("careloop.feedback.timeline_text:TIMELINE_TEXTS",),
    attention=(("feedback", "careloop.feedback.attention:review_items"),),
    importers=(
        ("responses", "careloop.feedback.imports:import_responses"),
        ("reviews", "careloop.feedback.imports:import_reviews"),
    ),
    personal_data="careloop.feedback.personal_data:DECLARATIONS",
    commands=(
        Command(
            "feedback",
            "Survey answers, reviews and feedback themes.",
            "careloop.feedback.cli:app",
        ),
    ),
    catalogue_domain="feedback",
    needs=(
        "careloop.channels.outreach:Outreach",
        "careloop.core.ports:CustomerInsights",
        "careloop.core.ports:Rewards",
        "careloop.core.ports:StaffTasks",
        "careloop.core.ports:SupportDesk",
    ),
)
