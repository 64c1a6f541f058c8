"""What support plugs in: tickets, SLAs, the staff task list and the unhappy-feedback watch."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="support",
    models=("careloop.support.models",),
    api_routers=("careloop.support.api:router",),
    staff_pages=("careloop.support.ui",),
    nav=(
        NavEntry("tickets", "Tickets", "Phiếu hỗ trợ", "/tickets", "viewer", 40),
        NavEntry("tasks", "Tasks", "Việc cần làm", "/tasks", "viewer", 42),
    ),
    settings_tabs=("support",),
    tasks=(
        WorkerTask("support.sla", "careloop.support.tasks:sla_pass"),
        WorkerTask("support.feedback", "careloop.support.tasks:feedback_pass"),
    ),
    timeline_consumers=("support.feedback",),
    timeline_texts=("careloop.support.timeline_text:TIMELINE_TEXTS",),
    attention=(("support", "careloop.support.attention:sla_items"),),
    personal_data="careloop.support.personal_data:DECLARATIONS",
    demo_seeder="careloop.support.demo:seed_demo",
    commands=(
        Command("tickets", "Support tickets.", "careloop.support.cli:register"),
        Command("tasks", "The staff task list.", "careloop.support.cli:register"),
    ),
    catalogue_domain="support",
    provides=(
        ("careloop.core.ports:StaffTasks", "careloop.support.desk_port:DeskStaffTasks"),
        ("careloop.core.ports:SupportDesk", "careloop.support.desk_port:DeskSupport"),
        ("careloop.core.ports:CustomerInsights", "careloop.support.desk_port:DeskInsights"),
    ),
    needs=("careloop.channels.outreach:Outreach", "careloop.core.ports:Rewards"),
)
