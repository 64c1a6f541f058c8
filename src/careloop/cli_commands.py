"""The commands every shop needs whatever it uses: set up, shops, staff, import, export, run.

Each runs through the kit in `careloop.cli_kit`; the root command (`careloop.cli`) loads this
module only when one of these commands is asked for.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from careloop.cli_kit import (
    BadOutOpt,
    ShopOpt,
    SkipBadOpt,
    _,
    app_context,
    cli_error_text,
    console,
    day,
    fail,
    lang,
    load_shop,
    money,
    num,
    pct,
    run_csv_import,
)

if TYPE_CHECKING:
    from careloop.demo.service import DemoSummary

shop_app = typer.Typer(help="Create and list shops.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)
user_app = typer.Typer(help="Staff users.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import CSV files (validated whole first: all or nothing).", no_args_is_help=True
)
export_app = typer.Typer(help="Export data.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the core commands to `app`."""
    for command in (init, demo, serve, worker):
        app.command()(command)
    app.add_typer(shop_app, name="shop")
    app.add_typer(apikey_app, name="apikey")
    app.add_typer(user_app, name="user")
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")


def init() -> None:
    """Create the database schema, or upgrade it to this version."""
    from careloop.db.migrate import upgrade

    ctx = app_context()
    upgrade(ctx.engine)
    ctx.secret_key  # noqa: B018 - created once here, never inside a later write transaction
    url = ctx.engine.url.render_as_string(hide_password=True)
    console.print(_("cli.init.done", url=url), highlight=False)


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
    from careloop.core.cli_language import use_shop_locale
    from careloop.core.errors import CareloopError
    from careloop.db.engine import transaction
    from careloop.shops.service import create_shop

    use_shop_locale(locale)  # the new shop's staff read this language
    ctx = app_context()
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
        raise fail(cli_error_text(exc)) from None
    print(_("cli.shop.created", slug=shop.slug))


@shop_app.command("list")
def shop_list() -> None:
    """List shops."""
    from sqlalchemy import select

    from careloop.shops.models import Shop

    ctx = app_context()
    with ctx.sessions() as session:
        for shop in session.scalars(select(Shop).order_by(Shop.slug)):
            print(f"{shop.slug}\t{shop.name}\t{shop.currency}\t{shop.timezone}")


@apikey_app.command("create")
def apikey_create(shop: ShopOpt, name: str = "default") -> None:
    """Create an API key; it is printed once and only its hash is stored."""
    from careloop.db.engine import transaction
    from careloop.shops.service import create_api_key

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with transaction(ctx.sessions) as session:
        key = create_api_key(
            session=session, clock=ctx.clock, shop=session.merge(the_shop), name=name
        )
    print(key)
    console.print(_("cli.apikey.store_now"), highlight=False)


@user_app.command("create")
def user_create(
    shop: ShopOpt,
    email: Annotated[str, typer.Option(help="Login email.")],
    password: Annotated[
        str | None,
        typer.Option(help="Asked for when not given (keep it out of the shell history)."),
    ] = None,
    role: Annotated[str, typer.Option(help="owner, agent or viewer.")] = "owner",
    name: str | None = None,
) -> None:
    """Create a staff user with a role in a shop."""
    from careloop.core.errors import CareloopError
    from careloop.db.engine import transaction
    from careloop.shops.service import create_user

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    password = password if password is not None else _ask_password("cli.user.password_prompt")
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
        raise fail(cli_error_text(exc)) from None
    print(_("cli.user.created", email=email, role=_(f"cli.role.{role}"), shop=shop))


@user_app.command("password")
def user_password(
    email: Annotated[str, typer.Argument(help="The staff user's login email.")],
    password: Annotated[
        str | None,
        typer.Option(help="Asked for when not given (keep it out of the shell history)."),
    ] = None,
) -> None:
    """Set a staff user's password; every session of theirs ends (signed out everywhere)."""
    from sqlalchemy import select

    from careloop.core.errors import ValidationFailed
    from careloop.db.engine import transaction
    from careloop.shops.accounts import set_password
    from careloop.shops.models import StaffUser

    ctx = app_context()
    if password is None:
        password = _ask_password("cli.user.new_password_prompt")
    try:
        with transaction(ctx.sessions) as session:
            user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
            if user is None:
                raise fail(_("cli.user.missing", email=email))
            set_password(session, user, password)
    except ValidationFailed as exc:
        raise fail(
            "; ".join(_("cli.user.password_problem", reason=e.reason) for e in exc.errors)
        ) from None
    print(_("cli.user.password_changed", email=email))


def _ask_password(prompt_key: str) -> str:
    """The password typed twice, hidden, asked in this run's language."""
    answer: str = typer.prompt(
        _(prompt_key), hide_input=True, confirmation_prompt=_("cli.user.password_repeat")
    )
    return answer


@import_app.command("customers")
def import_customers(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import customers from CSV (see README for the columns)."""
    run_csv_import("customers", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("orders")
def import_orders(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import orders from CSV, one row per order line."""
    run_csv_import("orders", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("products")
def import_products(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import the product catalogue with its care data (usage, warranty, care guide) from CSV."""
    run_csv_import("products", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("responses")
def import_responses(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import survey responses (NPS/CSAT) from CSV."""
    run_csv_import("responses", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("reviews")
def import_reviews(
    shop: ShopOpt, file: Path, skip_bad_rows: SkipBadOpt = False, bad_rows_out: BadOutOpt = None
) -> None:
    """Import reviews from CSV."""
    run_csv_import("reviews", shop, file, skip_bad_rows, bad_rows_out)


@import_app.command("community")
def import_community(shop: ShopOpt, file: Path) -> None:
    """Import community group memberships and/or UGC entries from CSV: customer_id, then
    group, platform[, joined_at, activity] and/or entry_key[, kind, url, note]."""
    run_csv_import("community", shop, file)


@export_app.command("customer")
def export_customer(
    shop: ShopOpt,
    customer_id: str,
    fmt: Annotated[str, typer.Option("--format", help="json or html (a readable page).")] = "json",
    locale: Annotated[str, typer.Option("--locale", help="The page's language (vi, en).")] = "",
) -> None:
    """Everything held about one person (all their records), as JSON or a readable page."""
    from careloop.core.errors import CareloopError
    from careloop.customers.export import export_customer_data

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        try:
            data = export_customer_data(session, the_shop, customer_id)
        except CareloopError as exc:
            raise fail(cli_error_text(exc)) from None
    if fmt not in ("json", "html"):
        raise fail(_("cli.export.format", fmt=repr(fmt)))
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

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        write_customers_csv(session, the_shop, sys.stdout)


@export_app.command("orders")
def export_orders(shop: ShopOpt) -> None:
    """All order lines as CSV on stdout (the import format)."""
    from careloop.orders.export import write_orders_csv

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        write_orders_csv(session, the_shop, sys.stdout)


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
    from careloop.core.errors import CareloopError
    from careloop.demo.service import load_demo

    ctx = app_context()
    try:
        summary = load_demo(
            ctx, customers=customers, seed=seed, progress=True, if_missing=if_missing
        )
    except CareloopError as exc:
        raise fail(cli_error_text(exc)) from None
    print(demo_summary_text(summary))


def demo_summary_text(summary: DemoSummary) -> str:
    """What `careloop demo` built, in this run's language (English: the summary's own text)."""
    if lang() != "vi":
        return str(summary)
    if summary.built:
        verb = _("cli.demo.built", seconds=num(summary.seconds, 1))
    else:
        verb = _("cli.demo.kept")
    lines = [
        _("cli.demo.title", slug=summary.slug, name=summary.name, verb=verb),
        _(
            "cli.demo.counts",
            customers=num(summary.customers),
            orders=num(summary.orders),
            lines=num(summary.order_lines),
            products=num(summary.products),
        ),
        _("cli.demo.revenue", revenue=money(summary.revenue_minor, summary.currency)),
        _("cli.demo.repeat_rate", rate=pct(summary.repeat_rate)),
    ]
    if summary.first_order_at and summary.last_order_at:
        lines.append(
            _(
                "cli.demo.order_span",
                first=day(summary.first_order_at),
                last=day(summary.last_order_at),
            )
        )
    for result in summary.extensions:
        if result.ok:
            state = _("cli.demo.extra_ok", seconds=num(result.seconds, 1))
        else:
            state = _("cli.demo.extra_failed", error=result.error)
        lines.append(_("cli.demo.extra", module=result.module, state=state))
    lines.append(_("cli.demo.login", url=summary.base_url, password=summary.password))
    lines.extend(f"    {email} ({_(f'cli.role.{role}')})" for email, role in summary.logins)
    return "\n".join(lines)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Do not embed a worker.")] = False,
) -> None:
    """Run the API and staff UI (and one embedded worker unless --no-worker)."""
    import uvicorn

    from careloop.logging import configure_logging, uvicorn_log_config
    from careloop.web.app import create_app
    from careloop.worker import EmbeddedWorker

    ctx = app_context()
    web = create_app(ctx)
    embedded = None if no_worker else EmbeddedWorker(ctx)
    if embedded is not None:
        embedded.start()
    console.print(_("cli.serve.running", host=host, port=port), highlight=False)
    try:
        configure_logging()
        uvicorn.run(web, host=host, port=port, log_level="info", log_config=uvicorn_log_config())
    finally:
        if embedded is not None:
            embedded.stop()


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run due work once, then exit.")] = False,
) -> None:
    """Claim and run due work (journey steps, sends, nightly jobs)."""
    from careloop.logging import configure_logging
    from careloop.worker import run_worker

    configure_logging()
    ctx = app_context()
    if not once:
        run_worker(ctx)
        return
    from careloop.worker import run_once

    ctx.secret_key  # noqa: B018 - read before any pass (worker.run_worker does the same)
    done = run_once(ctx)
    console.print(_("cli.worker.once_done", n=num(done)), highlight=False)
