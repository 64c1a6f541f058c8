"""What journeys plug in: journey definitions, the runner, the simulator."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="journeys",
    models=("careloop.journeys.models",),
    staff_pages=("careloop.journeys.ui",),
    task_lines=("careloop.journeys.task_lines:TASK_LINES",),
    nav=(NavEntry("journeys", "Journeys", "Hành trình", "/journeys", "viewer", 60),),
    timeline_consumers=("journeys.dispatch",),
    tasks=(
        # The inbox's events (and loyalty's, decision 0016) are on the timeline first.
        WorkerTask(
            "journeys.dispatch_events",
            "careloop.journeys.tasks:dispatch_events",
            after=("orders.ingest_inbox", "loyalty.events", "loyalty.daily"),
        ),
        WorkerTask("journeys.scan_dates", "careloop.journeys.tasks:scan_dates"),
        # Enrolments made this pass run their due steps this pass; their messages are
        # queued before channels sends.
        WorkerTask(
            "journeys.run_steps",
            "careloop.journeys.tasks:run_steps",
            after=("journeys.dispatch_events", "journeys.scan_dates"),
            before=("channels.dispatch",),
        ),
    ),
    personal_data="careloop.journeys.personal_data:DECLARATIONS",
    demo_seeder="careloop.journeys.demo:seed_demo",
    commands=(
        Command(
            "journeys",
            "Journeys: list, show, load, activate, pause.",
            "careloop.journeys.cli:register",
        ),
        Command(
            "simulate",
            "Preview the shop's journeys (drafts too) over its real data of the last N days on a "
            "virtual clock: sends nothing, changes nothing; prints what each step would do.",
            "careloop.journeys.cli:register",
        ),
    ),
    catalogue_domain="journeys",
    needs=(
        "careloop.channels.outreach:Outreach",
        "careloop.core.ports:CustomerInsights",
        "careloop.core.ports:Rewards",
        "careloop.core.ports:StaffTasks",
        "careloop.core.ports:SupportDesk",
    ),
)
