"""What community plugs in: campaigns to segments, events, launches, groups, ambassadors."""

from __future__ import annotations

from careloop.core.manifest import Command, CustomerPanel, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="community",
    models=("careloop.community.models",),
    api_routers=("careloop.community.api:router",),
    staff_pages=("careloop.community.ui", "careloop.community.web"),
    nav=(
        NavEntry("campaigns", "Campaigns", "Chiến dịch", "/community/campaigns", "viewer", 50),
        NavEntry("events", "Events", "Sự kiện", "/community/events", "viewer", 51),
        NavEntry("launches", "Launches", "Ra mắt sớm", "/community/launches", "viewer", 52),
        NavEntry("community", "Community", "Cộng đồng", "/community", "viewer", 53),
    ),
    customer_panels=(
        CustomerPanel(
            "community",
            "community/_customer_panel.html",
            "careloop.community.ui:customer_panel",
            60,
        ),
    ),
    timeline_texts=("careloop.community.timeline_text:TIMELINE_TEXTS",),
    tasks=(
        WorkerTask(
            "community.campaigns",
            "careloop.community.tasks:start_campaigns",
            before=("community.outbox",),
        ),
        WorkerTask(
            "community.launches",
            "careloop.community.tasks:launch_steps",
            before=("community.outbox",),
        ),
        WorkerTask(
            "community.events", "careloop.community.tasks:event_steps", before=("community.outbox",)
        ),
        WorkerTask(
            "community.outbox", "careloop.community.tasks:send_due", before=("channels.dispatch",)
        ),
        # The Diamond Members rule reads the segments the night recomputed.
        WorkerTask(
            "community.ambassadors",
            "careloop.community.tasks:nightly_ambassadors",
            after=("segments.nightly",),
        ),
    ),
    importers=(("community", "careloop.community.imports:import_community"),),
    personal_data="careloop.community.personal_data:DECLARATIONS",
    demo_seeder="careloop.community.demo:seed_demo",
    commands=(
        Command(
            "campaign",
            "Campaigns to segments: preview, send, list.",
            "careloop.community.cli:register",
        ),
        Command(
            "event",
            "Events and workshops: create, list, check in.",
            "careloop.community.cli:register",
        ),
        Command(
            "community", "Community groups and ambassadors.", "careloop.community.cli:register"
        ),
    ),
    catalogue_domain="community",
    needs=(
        "careloop.channels.outreach:Outreach",
        "careloop.core.ports:Rewards",
    ),
)
