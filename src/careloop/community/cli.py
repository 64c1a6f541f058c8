"""`careloop campaign ...`, `careloop event ...`, `careloop community ...`: campaigns with a
dry-run preview, events with check-in, groups import and ambassadors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from careloop.cli_kit import _, cli_error_text, num, problem_text
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.db.engine import transaction

campaign_app = typer.Typer(help="Campaigns to segments: preview, send, list.", no_args_is_help=True)
event_app = typer.Typer(help="Events and workshops: create, list, check in.", no_args_is_help=True)
community_app = typer.Typer(help="Community groups and ambassadors.", no_args_is_help=True)
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]


def _fail(exc: CareloopError) -> typer.Exit:
    from careloop.cli_kit import fail

    if isinstance(exc, ValidationFailed):
        return fail("; ".join(problem_text(e) for e in exc.errors))
    return fail(cli_error_text(exc))


def _audience(
    segment: list[str] | None,
    tier: list[str] | None,
    tag: list[str] | None,
    sku: list[str] | None,
    group: list[int] | None,
    customer: list[str] | None,
    everyone: bool,
) -> dict[str, object]:
    raw: dict[str, object] = {
        "segments": segment or [],
        "tiers": tier or [],
        "tags": tag or [],
        "skus": sku or [],
        "groups": [str(g) for g in group or []],
        "customers": customer or [],
    }
    if everyone:
        raw["all"] = True
    return raw


@campaign_app.command("list")
def list_(shop: ShopOpt) -> None:
    """Campaigns, newest first, with their status."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.campaigns import list_campaigns

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        for c in list_campaigns(session, the_shop.id):
            when = c.send_at.isoformat() if c.send_at else "-"
            print(f"{c.id}\t{c.status}\t{c.purpose}\t{when}\t{c.name}")


def _create_or_get(
    shop: str,
    campaign_id: int | None,
    name: str,
    purpose: str,
    kind: str,
    subject: str,
    body: str,
    audience: dict[str, object],
) -> int:
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.campaigns import create_campaign

    if campaign_id is not None:
        return campaign_id
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            return create_campaign(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                name=name,
                purpose=purpose,
                kind=kind,
                audience=audience,
                subject=subject,
                body=body,
                created_by="cli",
            ).id
    except CareloopError as exc:
        raise _fail(exc) from None


Seg = Annotated[list[str] | None, typer.Option("--segment", help="RFM segment key (repeatable).")]
Tier = Annotated[list[str] | None, typer.Option("--tier", help="Loyalty tier (repeatable).")]
Tag = Annotated[list[str] | None, typer.Option("--tag", help="Customer tag (repeatable).")]
Sku = Annotated[list[str] | None, typer.Option("--sku", help="Bought this product (repeatable).")]
Grp = Annotated[list[int] | None, typer.Option("--group", help="Community group id (repeatable).")]
Cust = Annotated[list[str] | None, typer.Option("--customer", help="Customer id (repeatable).")]
Everyone = Annotated[bool, typer.Option("--all", help="Every customer of the shop.")]
CampaignId = Annotated[int | None, typer.Option("--id", help="An existing campaign.")]
Name = Annotated[str, typer.Option("--name")]
Purpose = Annotated[str, typer.Option("--purpose", help="value or promotion.")]
Kind = Annotated[str, typer.Option("--kind", help="marketing or service.")]
Subject = Annotated[str, typer.Option("--subject")]
Body = Annotated[str, typer.Option("--body")]


@campaign_app.command("preview")
def preview(
    shop: ShopOpt,
    campaign_id: CampaignId = None,
    name: Name = "CLI campaign",
    purpose: Purpose = "value",
    kind: Kind = "marketing",
    subject: Subject = "-",
    body: Body = "-",
    segment: Seg = None,
    tier: Tier = None,
    tag: Tag = None,
    sku: Sku = None,
    group: Grp = None,
    customer: Cust = None,
    everyone: Everyone = False,
) -> None:
    """Dry run: how many would receive it, be deferred or suppressed (JSON)."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.campaigns import get_campaign, preview_campaign

    audience = _audience(segment, tier, tag, sku, group, customer, everyone)
    cid = _create_or_get(shop, campaign_id, name, purpose, kind, subject, body, audience)
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        try:
            result = preview_campaign(
                session=session,
                clock=ctx.clock,
                shop=the_shop,
                campaign=get_campaign(session, the_shop.id, cid),
            )
        except CareloopError as exc:
            raise _fail(exc) from None
    print(
        json.dumps({"campaign_id": cid, "audience": result.audience, **result.as_json()}, indent=2)
    )


@campaign_app.command("send")
def send(
    shop: ShopOpt,
    campaign_id: CampaignId = None,
    name: Name = "CLI campaign",
    purpose: Purpose = "value",
    kind: Kind = "marketing",
    subject: Subject = "",
    body: Body = "",
    segment: Seg = None,
    tier: Tier = None,
    tag: Tag = None,
    sku: Sku = None,
    group: Grp = None,
    customer: Cust = None,
    everyone: Everyone = False,
    at: Annotated[datetime | None, typer.Option("--at", help="Send later (ISO time).")] = None,
) -> None:
    """Schedule a campaign now (or --at TIME); the worker sends it in batches."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.campaigns import schedule_campaign

    audience = _audience(segment, tier, tag, sku, group, customer, everyone)
    cid = _create_or_get(shop, campaign_id, name, purpose, kind, subject, body, audience)
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            c = schedule_campaign(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                campaign_id=cid,
                send_at=at,
            )
            when = c.send_at
    except CareloopError as exc:
        raise _fail(exc) from None
    print(
        _(
            "cli.campaign.scheduled",
            id=cid,
            when=when.isoformat() if when else _("cli.campaign.now"),
        )
    )


@event_app.command("create")
def event_create(
    shop: ShopOpt,
    title: Annotated[str, typer.Option("--title")],
    starts_at: Annotated[
        datetime, typer.Option("--starts-at", help="ISO time (UTC if no offset).")
    ],
    capacity: Annotated[int, typer.Option("--capacity")],
    mode: Annotated[str, typer.Option("--mode", help="online or in_shop.")] = "in_shop",
    language: Annotated[str, typer.Option("--language")] = "vi",
    location: Annotated[str, typer.Option("--location")] = "",
    segment: Seg = None,
    seat_reward: Annotated[bool, typer.Option("--seat-reward", help="Members-only seat.")] = False,
) -> None:
    """Create an event; invite its segments from the UI or with `event invite`."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.workshops import create_event

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            event = create_event(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                title=title,
                starts_at=starts_at,
                capacity=capacity,
                mode=mode,
                language=language,
                location=location,
                segments=segment or [],
                seat_reward=seat_reward,
            )
            print(
                _(
                    "cli.event.created",
                    id=event.id,
                    title=event.title,
                    seats=num(event.capacity),
                )
            )
    except CareloopError as exc:
        raise _fail(exc) from None


@event_app.command("invite")
def event_invite(shop: ShopOpt, event_id: int, segment: Seg = None) -> None:
    """Invite the event's segments (or --segment ...): each customer once."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.tasks import link_maker
    from careloop.community.workshops import invite

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            n = invite(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                event_id=event_id,
                links=link_maker(ctx),
                segments=segment,
            )
    except CareloopError as exc:
        raise _fail(exc) from None
    print(_("cli.event.invited", n=num(n)))


@event_app.command("list")
def event_list(shop: ShopOpt) -> None:
    """Events with seats taken and waitlist."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.workshops import list_events, rsvps_of

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        for e in list_events(session, the_shop.id):
            rows = rsvps_of(session, the_shop.id, e.id)
            going = sum(1 for r, _who in rows if r.status == "going")
            waiting = sum(1 for r, _who in rows if r.status == "waitlist")
            print(
                f"{e.id}\t{e.starts_at.isoformat()}\t"
                + _("cli.event.going", going=going, capacity=e.capacity)
                + "\t"
                + _("cli.event.waiting", n=waiting)
                + f"\t{e.title}"
            )


@event_app.command("checkin")
def event_checkin(shop: ShopOpt, event_id: int, customer_id: str) -> None:
    """Mark a customer (the shop's customer id) as attended."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.workshops import check_in
    from careloop.customers.service import get_customer

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            merged = session.merge(the_shop)
            customer = get_customer(session, merged, customer_id)
            check_in(
                session=session,
                clock=ctx.clock,
                shop=merged,
                event_id=event_id,
                customer_id=customer.id,
            )
    except CareloopError as exc:
        raise _fail(exc) from None
    print(_("cli.event.checked_in", id=customer_id))


@community_app.command("import")
def import_groups(shop: ShopOpt, file: Path) -> None:
    """Same as `careloop import community FILE`: group members and/or UGC entries."""
    from careloop.cli_kit import run_csv_import

    run_csv_import("community", shop, file)


@community_app.command("ambassadors")
def ambassadors(shop: ShopOpt, refresh: Annotated[bool, typer.Option("--refresh")] = False) -> None:
    """List the Diamond Members (with --refresh: apply the rule first)."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.community.ambassadors import list_ambassadors, refresh_ambassadors

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    if refresh:
        with transaction(ctx.sessions) as session:
            result = refresh_ambassadors(
                session=session, clock=ctx.clock, shop=session.merge(the_shop)
            )
            print(
                _(
                    "cli.ambassadors.refreshed",
                    new=num(len(result.named)),
                    removed=num(len(result.removed)),
                )
            )
    with ctx.sessions() as session:
        for amb, customer in list_ambassadors(session, the_shop.id):
            print(f"{customer.external_id}\t{amb.score}\t{amb.coupon_code}\t{customer.name}")


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")
    app.add_typer(event_app, name="event")
    app.add_typer(community_app, name="community")
