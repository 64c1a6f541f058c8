"""What journeys plug in: journey definitions, the runner, the simulator."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry

MANIFEST = Manifest(
    name="journeys",
    models=("careloop.journeys.models",),
    staff_pages=("careloop.journeys.ui",),
    task_lines=("careloop.journeys.task_lines:TASK_LINES",),
    nav=(NavEntry("journeys", "Journeys", "Hành trình", "/journeys", "viewer", 60),),
    tasks=("careloop.journeys.tasks",),
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
