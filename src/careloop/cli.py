"""The `careloop` command line (Typer). Thin: parses arguments, calls services, prints."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from careloop.channels.cli import app as channels_app
from careloop.community.cli import import_community
from careloop.community.cli import register as register_community
from careloop.connectors.cli import app as connector_app
from careloop.context import AppContext, build_context
from careloop.core.console import make_console
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.customers.cli import erase_app
from careloop.db.engine import transaction
from careloop.feedback.cli import app as feedback_app
from careloop.journeys.cli import journeys_app, simulate_command
from careloop.logging import configure_logging, uvicorn_log_config
from careloop.loyalty.cli import loyalty_app
from careloop.metrics.cli import register as register_metrics
from careloop.ops import cli as ops_cli
from careloop.segments.cli import register as register_segments
from careloop.shops.models import Shop
from careloop.support.cli import register as register_support

app = typer.Typer(
    help="Careloop: after-sales automation for small businesses.", no_args_is_help=True
)
shop_app = typer.Typer(help="Create and list shops.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)
user_app = typer.Typer(help="Staff users.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import CSV files (validated whole first: all or nothing).", no_args_is_help=True
)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)
app.add_typer(shop_app, name="shop")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(connector_app, name="connector")
app.add_typer(feedback_app, name="feedback")
app.add_typer(erase_app, name="erase")
app.command("backup")(ops_cli.backup)
app.command("restore")(ops_cli.restore)
app.add_typer(ops_cli.secrets_app, name="secrets")
app.add_typer(channels_app, name="channels")
app.add_typer(loyalty_app, name="loyalty")
app.add_typer(journeys_app, name="journeys")
app.command("simulate")(simulate_command)
register_segments(app)
register_metrics(app)
register_support(app)
register_community(app)
import_app.command("community")(import_community)

console = make_console(stderr=True)
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
SkipBadOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows",
        help="Import the good rows and set the bad ones aside (else nothing is imported).",
    ),
]
BadOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--bad-rows-out",
        help="With --skip-bad-rows: write the bad rows here as CSV, with an 'error' column.",
    ),
]


def _ctx() -> AppContext:
    return build_context()


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def load_shop(ctx: AppContext, slug: str) -> Shop:
    from careloop.shops.service import get_shop

    with ctx.sessions() as session:
        try:
            return get_shop(session, slug)
        except CareloopError as exc:
            raise fail(f"{exc} (create it with `careloop shop create {slug}`)") from None


@app.command()
def init() -> None:
    """Create the database schema, or upgrade it to this version."""
    from careloop.db.migrate import upgrade

    ctx = _ctx()
    upgrade(ctx.engine)
    _ = ctx.secret_key  # created once here, never inside a later write transaction
    console.print(f"schema up to date at {ctx.engine.url.render_as_string(hide_password=True)}")


@shop_app.command("create")
def shop_create(
    slug: str,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    timezone: str = "Asia/Ho_Chi_Minh",
    currency: str = "VND",
    locale: str = "vi",
    business_model: Annotated[str, typer.Option(help="retail, services or saas.")] = "retail",
) -> None:
    """Create a shop (a tenant)."""
    from careloop.shops.service import create_shop

    ctx = _ctx()
    try:
        with transaction(ctx.sessions) as session:
            shop = create_shop(
                session=session,
                clock=ctx.clock,
                slug=slug,
                name=name,
                timezone=timezone,
                currency=currency,
                locale=locale,
                business_model=business_model,
            )
    except CareloopError as exc:
        raise fail(str(exc)) from None
    print(f"created shop {shop.slug}")


@shop_app.command("list")
def shop_list() -> None:
    """List shops."""
    from sqlalchemy import select

    ctx = _ctx()
    with ctx.sessions() as session:
        for shop in session.scalars(select(Shop).order_by(Shop.slug)):
            print(f"{shop.slug}\t{shop.name}\t{shop.currency}\t{shop.timezone}")


@apikey_app.command("create")
def apikey_create(shop: ShopOpt, name: str = "default") -> None:
    """Create an API key; it is printed once and only its hash is stored."""
    from careloop.shops.service import create_api_key

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    with transaction(ctx.sessions) as session:
        key = create_api_key(
            session=session, clock=ctx.clock, shop=session.merge(the_shop), name=name
        )
    print(key)
    console.print("Store this key now: it cannot be shown again.")


@user_app.command("create")
def user_create(
    shop: ShopOpt,
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="owner, agent or viewer.")] = "owner",
    name: str | None = None,
) -> None:
    """Create a staff user with a role in a shop."""
    from careloop.shops.service import create_user

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            create_user(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                email=email,
                password=password,
                role=role,
                name=name,
            )
    except CareloopError as exc:
        raise fail(str(exc)) from None
    print(f"{email} is {role} of {shop}")


@user_app.command("password")
def user_password(
    email: Annotated[str, typer.Argument(help="The staff user's login email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt="New password",
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when not given (keep it out of the shell history).",
        ),
    ],
) -> None:
    """Set a staff user's password; every session of theirs ends (signed out everywhere)."""
    from sqlalchemy import select

    from careloop.shops.accounts import set_password
    from careloop.shops.models import StaffUser

    ctx = _ctx()
    try:
        with transaction(ctx.sessions) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
            if user is None:
                raise fail(f"no staff user with email {email!r}")
            set_password(session, user, password)
    except ValidationFailed as exc:
        raise fail("; ".join(f"password: {e.reason}" for e in exc.errors)) from None
    print(f"password of {email} changed; every session of theirs has ended")


@import_app.command("customers")
def import_customers(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import customers from CSV (see README for the columns)."""
    _run_import("customers", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("orders")
def import_orders(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import orders from CSV, one row per order line."""
    _run_import("orders", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("products")
def import_products(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import the product catalogue with its care data (usage, warranty, care guide) from CSV."""
    _run_import("products", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("responses")
def import_responses(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import survey responses (NPS/CSAT) from CSV."""
    _run_import("responses", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("reviews")
def import_reviews(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import reviews from CSV."""
    _run_import("reviews", shop, file, skip_bad_rows, bad_rows_out)


def _run_import(
    kind: str, slug: str, file: Path, skip_bad_rows: bool = False, bad_rows_out: Path | None = None
) -> None:
    from careloop.imports import run_import

    ctx = _ctx()
    the_shop = load_shop(ctx, slug)
    if not file.exists():
        raise fail(f"{file}: no such file")
    if bad_rows_out is not None and not skip_bad_rows:
        raise fail("--bad-rows-out needs --skip-bad-rows")
    if skip_bad_rows:
        _import_good_rows(ctx, the_shop, kind, file, bad_rows_out)
        return
    try:
        summary = run_import(ctx, the_shop, kind, file, progress=True)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)
        raise fail(f"{len(exc.errors)} problem(s) in {file}; nothing was imported") from None
    print(summary)


def _import_good_rows(
    ctx: AppContext, the_shop: Shop, kind: str, file: Path, bad_rows_out: Path | None
) -> None:
    from careloop.imports.bad_rows import import_skipping_bad_rows

    try:
        result = import_skipping_bad_rows(ctx, the_shop, kind, file, progress=True)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)
        raise fail(f"{len(exc.errors)} problem(s) in {file}; nothing was imported") from None
    print(result.summary)
    if result.bad:
        for line in sorted(result.bad):
            for problem in result.bad[line][1]:
                print(f"{file}:{line}: skipped: {problem.field}: {problem.reason}", file=sys.stderr)
        if bad_rows_out is not None:
            bad_rows_out.write_text(result.bad_rows_csv(), encoding="utf-8-sig")
            print(f"{len(result.bad)} bad row(s) written to {bad_rows_out}")
        else:
            print(f"{len(result.bad)} bad row(s) skipped")


@export_app.command("customer")
def export_customer(
    shop: ShopOpt,
    customer_id: str,
    fmt: Annotated[str, typer.Option("--format", help="json or html (a readable page).")] = "json",
    locale: Annotated[str, typer.Option("--locale", help="The page's language (vi, en).")] = "",
) -> None:
    """Everything held about one person (all their records), as JSON or a readable page."""
    from careloop.customers.export import export_customer_data

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        try:
            data = export_customer_data(session, the_shop, customer_id)
        except CareloopError as exc:
            raise fail(str(exc)) from None
    if fmt not in ("json", "html"):
        raise fail(f"--format {fmt!r}: use json or html")
    if fmt == "html":
        from careloop.web.i18n import normalise_locale
        from careloop.web.ui.customer_export import render_export_html

        print(
            render_export_html(
                data,
                locale=normalise_locale(locale or the_shop.locale),
                generated_at=ctx.clock.now(),
                tz=the_shop.timezone,
            )
        )
        return
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@export_app.command("customers")
def export_customers(shop: ShopOpt) -> None:
    """All customers as CSV on stdout (the import format)."""
    from careloop.customers.export import write_customers_csv

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        write_customers_csv(session, the_shop, sys.stdout)


@export_app.command("orders")
def export_orders(shop: ShopOpt) -> None:
    """All order lines as CSV on stdout (the import format)."""
    from careloop.orders.export import write_orders_csv

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        write_orders_csv(session, the_shop, sys.stdout)


@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="How many customers.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same shop.")] = 42,
    if_missing: Annotated[
        bool,
        typer.Option(
            "--if-missing", help="Keep an existing demo shop as it is; build only if absent."
        ),
    ] = False,
) -> None:
    """Create the realistic demo shop "demo" (18 months of history) with staff logins.

    An existing demo shop is deleted and built again from the seed, so every run starts
    from the same data; with --if-missing it is kept as it is. A shop called "demo" that
    this command did not make is never touched.
    """
    from careloop.demo.service import load_demo

    ctx = _ctx()
    try:
        summary = load_demo(
            ctx, customers=customers, seed=seed, progress=True, if_missing=if_missing
        )
    except CareloopError as exc:
        raise fail(str(exc)) from None
    print(summary)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Do not embed a worker.")] = False,
) -> None:
    """Run the API and staff UI (and one embedded worker unless --no-worker)."""
    import uvicorn

    from careloop.web.app import create_app
    from careloop.worker import EmbeddedWorker

    ctx = _ctx()
    web = create_app(ctx)
    embedded = None if no_worker else EmbeddedWorker(ctx)
    if embedded is not None:
        embedded.start()
    console.print(f"Careloop is running at http://{host}:{port}  (API docs: /docs)")
    try:
        configure_logging()
        uvicorn.run(web, host=host, port=port, log_level="info", log_config=uvicorn_log_config())
    finally:
        if embedded is not None:
            embedded.stop()


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run due work once, then exit.")] = False,
) -> None:
    """Claim and run due work (journey steps, sends, nightly jobs)."""
    from careloop.worker import run_worker

    configure_logging()
    ctx = _ctx()
    run_worker(ctx, once=once)


if __name__ == "__main__":
    app()
