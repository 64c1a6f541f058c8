"""`careloop journeys ...` and `careloop simulate`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from careloop.cli_kit import cli_error_text
from careloop.core.console import make_console
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.db.engine import transaction

journeys_app = typer.Typer(
    help="Journeys: list, show, load, activate, pause.", no_args_is_help=True
)
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
out = make_console()


def _fail(message: str) -> typer.Exit:
    make_console(stderr=True).print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


@journeys_app.command("list")
def list_command(shop: ShopOpt) -> None:
    """The shop's journeys: newest version, status, trigger, enrollments."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.service import list_journeys

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    table = Table("key", "name", "version", "status", "trigger", "running", "finished", "holdout")
    with ctx.sessions() as session:
        for j in list_journeys(session, the_shop):
            table.add_row(
                j.key,
                j.name,
                str(j.version),
                j.status,
                j.trigger,
                str(j.running),
                str(j.finished),
                str(j.holdout),
            )
    out.print(table)


@journeys_app.command("show")
def show_command(
    shop: ShopOpt,
    key: str,
    version: Annotated[int | None, typer.Option(help="Default: the newest.")] = None,
) -> None:
    """Print a journey version's YAML as it was loaded."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.service import get_journey

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        try:
            journey = get_journey(session, the_shop, key, version)
        except CareloopError as exc:
            raise _fail(cli_error_text(exc)) from None
        print(f"# {journey.key} v{journey.version} ({journey.status}) from {journey.source_name}")
        print(journey.source_text, end="")


class _Rejected(Exception):
    """A file of a multi-file load failed validation."""


@journeys_app.command("load")
def load_command(
    shop: ShopOpt,
    files: Annotated[
        list[Path] | None, typer.Argument(help="Journey YAML files (several at once).")
    ] = None,
    shipped: Annotated[
        bool, typer.Option("--shipped", help="Load the journeys shipped with Careloop.")
    ] = False,
    activate: Annotated[bool, typer.Option("--activate", help="Activate them at once.")] = False,
) -> None:
    """Validate journey YAML files and store each as its next draft version; all or none."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.loader import shipped_files
    from careloop.journeys.service import (
        activate_journey,
        save_journey,
        template_check,
        wording_check,
    )

    bundled = set(shipped_files())
    paths = list(files or []) + (sorted(bundled) if shipped else [])
    if not paths:
        raise _fail("give one or more journey files, or --shipped")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise _fail(f"{', '.join(missing)}: no such file")
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    loaded: list[tuple[str, int]] = []
    problems: list[str] = []
    try:
        with transaction(ctx.sessions) as session:
            merged = session.merge(the_shop)
            exists = template_check(session, merged)
            wordings = wording_check(session, merged, "en")
            for path in paths:
                try:
                    with session.begin_nested():
                        journey = save_journey(
                            session=session,
                            clock=ctx.clock,
                            shop=merged,
                            text=path.read_text(encoding="utf-8"),
                            source_name=f"playbooks/journeys/{path.name}"
                            if path in bundled
                            else str(path),
                            template_exists=exists,
                            wording_problems=wordings,
                        )
                        if activate:
                            activate_journey(
                                session=session,
                                clock=ctx.clock,
                                shop=merged,
                                key=journey.key,
                                version=journey.version,
                            )
                        loaded.append((journey.key, journey.version))
                except ValidationFailed as exc:
                    problems += [str(error) for error in exc.errors]
            if problems:
                raise _Rejected  # rolls the whole load back: all files or none
    except _Rejected:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise _fail(f"{len(problems)} problem(s); nothing was loaded") from None
    for key, version in loaded:
        print(f"loaded {key} v{version}" + (" (active)" if activate else " (draft)"))


@journeys_app.command("activate")
def activate_command(
    shop: ShopOpt,
    key: str,
    version: Annotated[int | None, typer.Option(help="Default: the newest.")] = None,
) -> None:
    """Make a version the one new triggers enroll into."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.service import activate_journey

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            journey = activate_journey(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                key=key,
                version=version,
            )
            print(f"{journey.key} v{journey.version} is active")
    except CareloopError as exc:
        raise _fail(cli_error_text(exc)) from None


@journeys_app.command("pause")
def pause_command(shop: ShopOpt, key: str) -> None:
    """Pause a journey: no new enrollments; running ones wait where they are."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.service import pause_journey

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            pause_journey(session=session, clock=ctx.clock, shop=session.merge(the_shop), key=key)
    except CareloopError as exc:
        raise _fail(cli_error_text(exc)) from None
    print(f"{key} is paused")


def simulate_command(
    shop: ShopOpt,
    days: Annotated[int, typer.Option(help="How many past days to replay.", min=1, max=3650)] = 90,
    journey: Annotated[str | None, typer.Option(help="Only this journey (key).")] = None,
) -> None:
    """Preview the shop's journeys (drafts too) over its real data of the last N days on a
    virtual clock: sends nothing, changes nothing; prints what each step would do."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.simulate import simulate

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with Progress(console=make_console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"simulating {days} days", total=1.0)
        try:
            report = simulate(
                sessions=ctx.sessions,
                shop=the_shop,
                now=ctx.clock.now(),
                days=days,
                journey_key=journey,
                progress=lambda done: bar.update(task, completed=done),
            )
        except CareloopError as exc:
            raise _fail(cli_error_text(exc)) from None
    from careloop.journeys.report import print_report

    print_report(report, out)


def register(app: typer.Typer) -> None:
    """Add `journeys` and `simulate` to the `careloop` app."""
    app.add_typer(journeys_app, name="journeys")
    app.command("simulate")(simulate_command)
