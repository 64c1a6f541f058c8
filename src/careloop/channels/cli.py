"""`careloop channels set|show`: a shop's channel settings; secrets are never printed."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from careloop.channels.base import redact
from careloop.cli_kit import cli_error_text
from careloop.core.console import make_console

app = typer.Typer(help="Channel settings: SMTP, SMS (twilio, esms), Zalo OA, webhook.")
out = make_console()
err = make_console(stderr=True)


@app.command("set")
def set_(
    channel: Annotated[str, typer.Argument(help="email, sms, zalo or webhook.")],
    values: Annotated[
        list[str], typer.Argument(help="name=value pairs, e.g. host=smtp.x port=587.")
    ],
    shop: Annotated[str, typer.Option("--shop", help="Shop slug.")],
    provider: Annotated[
        str | None,
        typer.Option(
            help="smtp, twilio, esms, zns, http; outbox (demo, delivers into the Outbox page)."
        ),
    ] = None,
) -> None:
    """Set (merge) a channel's settings for a shop."""
    from careloop.channels.settings import set_channel_settings
    from careloop.cli_kit import _, app_context, fail, load_shop
    from careloop.core.errors import CareloopError

    pairs = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            raise fail(_("cli.channels.pair", item=repr(item)))
        pairs[name.strip()] = value
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with ctx.sessions() as session, session.begin():
            row = set_channel_settings(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                channel=channel,
                provider=provider,
                values=pairs,
            )
            shown = redact(row.config)
            chosen = row.provider
    except CareloopError as exc:
        raise fail(cli_error_text(exc)) from None
    out.print_json(json.dumps({"channel": channel, "provider": chosen, "config": shown}))


@app.command("show")
def show(shop: Annotated[str, typer.Option("--shop", help="Shop slug.")]) -> None:
    """Show a shop's channel settings, secrets masked."""
    from sqlalchemy import select

    from careloop.channels.models import ChannelSettings
    from careloop.cli_kit import app_context, load_shop

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        rows = session.scalars(
            select(ChannelSettings)
            .where(ChannelSettings.shop_id == the_shop.id)
            .order_by(ChannelSettings.channel)
        )
        shown = [
            {"channel": r.channel, "provider": r.provider, "config": redact(r.config)} for r in rows
        ]
    out.print_json(json.dumps(shown))
