"""`careloop connector add|list|deliveries|replay|backfill`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from careloop.cli_kit import _, cli_error_text, day, label, lang, problem_text
from careloop.core.console import make_console
from careloop.core.errors import CareloopError, ValidationFailed

app = typer.Typer(help="Connect shop platforms (Shopify, WooCommerce, Haravan, Sapo, generic).")
console = make_console()
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]


def _fail(message: str) -> typer.Exit:
    print(message, file=sys.stderr)
    return typer.Exit(1)


@app.command("add")
def add(
    platform: str,
    shop: ShopOpt,
    secret: Annotated[str, typer.Option(help="The platform's webhook signing secret.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Generic only: JSON file mapping order fields.")
    ] = None,
    base_url: Annotated[str, typer.Option(help="Careloop's public URL.")] = "http://127.0.0.1:8000",
    verify_token: Annotated[
        str | None,
        typer.Option(help="Haravan only: the Verify Token set in the Haravan app's webhooks."),
    ] = None,
) -> None:
    """Create or update a connector and print the webhook URL to paste into the platform."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.connectors.platforms import PLATFORMS
    from careloop.connectors.service import add_connector

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        fields = json.loads(mapping.read_text()) if mapping else None
    except (OSError, json.JSONDecodeError) as exc:
        raise _fail(f"{mapping}: {exc}") from None
    try:
        with ctx.sessions() as session, session.begin():
            add_connector(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                platform=platform,
                secret=secret,
                mapping=fields,
                verify_token=verify_token,
            )
    except ValidationFailed as exc:
        for error in exc.errors:
            print(problem_text(error), file=sys.stderr)
        raise typer.Exit(1) from None
    spec = PLATFORMS[platform]
    url = f"{base_url.rstrip('/')}/api/v1/webhooks/{platform}/{shop}"
    console.print(_("cli.connector.saved", platform=spec.label, shop=shop), highlight=False)
    console.print(_("cli.connector.webhook_url", url=url), highlight=False)
    console.print(_("cli.connector.docs", docs=spec.docs), highlight=False)


def _result(status: str, result: str) -> str:
    """A delivery's status and result as the connectors page words them."""
    if lang() != "vi":
        return f"{status}: {result}"
    from careloop.connectors.result_text import result_text

    return f"{label('connectors.ui.texts.status', status, sep='_')}: {result_text(result, 'vi')}"


def _when(moment: datetime) -> str:
    return f"{moment:%H:%M:%S %d/%m/%Y}" if lang() == "vi" else moment.isoformat(timespec="seconds")


@app.command("list")
def list_(shop: ShopOpt) -> None:
    """The shop's connectors and their last delivery."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.connectors.service import connectors_of, recent_deliveries

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    table = Table(*(_(f"cli.connector.col.{c}") for c in ("platform", "since", "last", "result")))
    with ctx.sessions() as session:
        for connector in connectors_of(session, the_shop.id):
            last = recent_deliveries(session, the_shop.id, connector.platform)[:1]
            table.add_row(
                connector.platform,
                day(connector.created_at)
                if lang() == "vi"
                else connector.created_at.date().isoformat(),
                _when(last[0].received_at) if last else "-",
                _result(last[0].status, last[0].result) if last else "-",
            )
    console.print(table)


@app.command("deliveries")
def deliveries(shop: ShopOpt, platform: str | None = None) -> None:
    """The last deliveries received, newest first."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.connectors.service import recent_deliveries

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    columns = ("id", "platform", "received", "topic", "status", "result")
    table = Table(*(_(f"cli.connector.col.{c}") for c in columns))
    with ctx.sessions() as session:
        for d in recent_deliveries(session, the_shop.id, platform):
            table.add_row(
                str(d.id),
                d.platform,
                _when(d.received_at),
                d.topic,
                label("connectors.ui.texts.status", d.status, sep="_"),
                d.result if lang() != "vi" else _result(d.status, d.result).partition(": ")[2],
            )
    console.print(table)


@app.command("replay")
def replay(delivery_id: int, shop: ShopOpt) -> None:
    """Apply a stored delivery again (e.g. a refund that arrived before its order)."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.connectors.service import replay_delivery

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with ctx.sessions() as session, session.begin():
            receipt = replay_delivery(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                delivery_pk=delivery_id,
            )
    except CareloopError as exc:
        raise _fail(cli_error_text(exc)) from None
    console.print(_result(receipt.status, receipt.result), highlight=False)
    if receipt.status == "parked":
        raise typer.Exit(1)


@app.command("backfill")
def backfill_cmd(platform: str, file: Path, shop: ShopOpt) -> None:
    """Import history from Shopify's orders CSV export or WooCommerce's order list JSON."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.connectors.backfill import backfill

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    if not file.exists():
        raise _fail(_("cli.file.missing", file=file))
    try:
        with ctx.sessions() as session, session.begin():
            summary = backfill(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                platform=platform,
                path=file,
            )
    except ValidationFailed as exc:
        for error in exc.errors:
            print(problem_text(error), file=sys.stderr)
        raise _fail(_("cli.import.nothing_imported", n=len(exc.errors), file=file)) from None
    if lang() != "vi":
        console.print(str(summary))
        return
    console.print(
        _("cli.connector.backfilled", orders=summary.orders, customers=summary.customers),
        highlight=False,
    )
