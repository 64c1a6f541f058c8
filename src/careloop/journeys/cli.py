"""`careloop journeys ...` and `careloop simulate`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from careloop.cli_kit import _, cli_error_text, day, label, lang, num, pct, problem_text
from careloop.core.console import make_console
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.db.engine import transaction

if TYPE_CHECKING:
    from careloop.journeys.engagement import ChannelRates
    from careloop.journeys.simulate import SimulationReport

journeys_app = typer.Typer(
    help="Journeys: list, show, load, activate, pause.", no_args_is_help=True
)
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
out = make_console()


def _fail(message: str) -> typer.Exit:
    make_console(stderr=True).print(f"[red]{_('cli.error')}[/red] {message}", highlight=False)
    return typer.Exit(1)


@journeys_app.command("list")
def list_command(shop: ShopOpt) -> None:
    """The shop's journeys: newest version, status, trigger, enrollments."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.journeys.service import list_journeys
    from careloop.journeys.wording import journey_title

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    columns = ("key", "name", "version", "status", "trigger", "running", "finished", "holdout")
    table = Table(*(_(f"cli.journeys.col.{c}") for c in columns))
    with ctx.sessions() as session:
        for j in list_journeys(session, the_shop):
            table.add_row(
                j.key,
                journey_title(j.key, j.name, "vi") if lang() == "vi" else j.name,
                str(j.version),
                label("journeys.status", j.status),
                _trigger(j.trigger),
                num(j.running),
                num(j.finished),
                num(j.holdout),
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
        status = label("journeys.status", journey.status)
        print(
            "# "
            + _(
                "cli.journeys.show_head",
                key=journey.key,
                version=journey.version,
                status=status,
                source=journey.source_name,
            )
        )
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
        raise _fail(_("cli.journeys.no_files"))
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise _fail(_("cli.file.missing", file=", ".join(missing)))
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
                    problems += [problem_text(error) for error in exc.errors]
            if problems:
                raise _Rejected  # rolls the whole load back: all files or none
    except _Rejected:
        for problem in problems:
            print(problem, file=sys.stderr)
        raise _fail(_("cli.journeys.nothing_loaded", n=num(len(problems)))) from None
    state = _("cli.journeys.active") if activate else _("cli.journeys.draft")
    for key, version in loaded:
        print(_("cli.journeys.loaded", key=key, version=version, state=state))


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
            print(_("cli.journeys.now_active", key=journey.key, version=journey.version))
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
    print(_("cli.journeys.paused", key=key))


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
        task = bar.add_task(_("cli.simulate.progress", days=num(days)), total=1.0)
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
    if lang() != "vi":
        from careloop.journeys.report import print_report

        print_report(report, out)
        return
    _print_report_vi(report)


def _trigger(english: str) -> str:
    """A journey's trigger as listed ("order.delivered", "inactive 60 days") in this run's
    language: event codes stay, the words around them are translated."""
    if lang() != "vi":
        return english
    import re

    inactive = re.fullmatch(r"inactive (\d+) days", english)
    if inactive:
        return _("cli.journeys.trigger.inactive", days=inactive[1])
    before = re.fullmatch(r"(.*), (\d+) days before", english)
    if before:
        return _("cli.journeys.trigger.days_before", date=before[1], days=before[2])
    return english.replace(" (filtered)", " " + _("cli.journeys.trigger.filtered"))


def _print_report_vi(report: SimulationReport) -> None:
    """The simulator's report (journeys/report.py) worded for a Vietnamese reader: steps,
    reasons, channels and outcomes as the journey page names them (simulation_text.py)."""
    from careloop.journeys.simulation_text import worded_enrollments, worded_rows

    out.print(
        _(
            "cli.simulate.head",
            start=day(report.start),
            end=day(report.end),
            events=num(report.events_replayed),
            steps=num(report.steps_run),
        )
    )
    if report.rates:
        out.print(_("cli.simulate.rates_head"), highlight=False)
        for _channel, rates in sorted(report.rates.items()):
            out.print("  " + _rates_text(rates), highlight=False)
    for preview in report.journeys:
        enrolled = ", ".join(f"{s} {num(n)}" for s, n in worded_enrollments(preview, "vi"))
        columns = ("step", "would_send", "deferred", "suppressed", "channels", "other")
        table = Table(
            *(_(f"cli.simulate.col.{c}") for c in columns),
            title=_(
                "cli.simulate.journey",
                key=preview.key,
                version=preview.version,
                status=label("journeys.status", preview.status),
                enrolled=enrolled or _("cli.simulate.none"),
            ),
            title_justify="left",
        )
        for row in worded_rows(report, preview, {}, "vi"):
            table.add_row(row[0], *row[2:])
        out.print(table)


def _rates_text(rates: ChannelRates) -> str:
    """One channel's assumed open and click rates and where they come from."""
    from careloop.journeys.engagement import DEFAULT_SOURCE

    if rates.basis == "message log":
        basis = _("cli.simulate.basis.log", n=num(rates.sample))
    elif rates.basis == DEFAULT_SOURCE:
        basis = _("cli.simulate.basis.benchmark")
    elif rates.basis == "not tracked":
        basis = _("cli.simulate.basis.not_tracked")
    else:
        basis = rates.basis
    return _(
        "cli.simulate.rates",
        channel=label("channel", rates.channel),
        opens=pct(rates.open),
        clicks=pct(rates.click),
        basis=basis,
    )


def register(app: typer.Typer) -> None:
    """Add `journeys` and `simulate` to the `careloop` app."""
    app.add_typer(journeys_app, name="journeys")
    app.command("simulate")(simulate_command)
