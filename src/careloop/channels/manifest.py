"""What channels plug in: messages and templates, the public tracking/unsubscribe/callback
pages, the send worker, the Outreach port every capability contacts customers through."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest

MANIFEST = Manifest(
    name="channels",
    models=("careloop.channels.models",),
    staff_pages=("careloop.channels.ui", "careloop.channels.outbox_ui"),
    public_pages=("careloop.channels.web:router",),
    nav=("templates", "messages", "outbox"),
    settings_tabs=("channels", "policy"),
    tasks=("careloop.channels.tasks",),
    attention=("careloop.channels.attention",),
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
