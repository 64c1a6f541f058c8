"""What channels plug in: messages and templates, the public tracking/unsubscribe/callback
pages, the send worker, the Outreach port every capability contacts customers through."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="channels",
    models=("careloop.channels.models",),
    staff_pages=("careloop.channels.ui", "careloop.channels.outbox_ui"),
    public_pages=("careloop.channels.web:router",),
    nav=(
        NavEntry("templates", "Templates", "Mẫu tin nhắn", "/templates", "viewer", 62),
        NavEntry("messages", "Message log", "Nhật ký tin nhắn", "/messages", "viewer", 64),
        NavEntry(
            "outbox",
            "Demo outbox",
            "Hộp thư demo",
            "/outbox",
            "viewer",
            65,
            shown_if="careloop.channels.outbox_ui:nav_shown",
        ),
    ),
    settings_tabs=("channels", "policy"),
    timeline_texts=("careloop.channels.timeline_text:TIMELINE_TEXTS",),
    tasks=(WorkerTask("channels.dispatch", "careloop.channels.tasks:dispatch"),),
    attention=(("channels", "careloop.channels.attention:channel_items"),),
    personal_data="careloop.channels.personal_data:DECLARATIONS",
    commands=(
        Command(
            "channels",
            "Channel settings: SMTP, SMS (twilio, esms), Zalo OA, webhook.",
            "careloop.channels.cli:app",
        ),
    ),
    catalogue_domain="channels",
    # The port is bound to the implementation's constructor: ChannelsOutreach(session, clock)
    # works inside its caller's transaction.
    needs=(
        "careloop.core.ports:Rewards",
        "careloop.core.ports:StaffTasks",
        "careloop.core.ports:SupportDesk",
    ),
    provides=(
        ("careloop.channels.outreach:Outreach", "careloop.channels.manifest:outreach_factory"),
    ),
)


def outreach_factory() -> object:
    """The Outreach implementation (a class built per transaction: session, clock)."""
    from careloop.channels.outreach import ChannelsOutreach

    return ChannelsOutreach
