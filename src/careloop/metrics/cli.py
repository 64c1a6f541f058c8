"""`careloop kpi` and `careloop report`: thin wrappers over the metrics services."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from careloop.cli_kit import _, cli_error_text, day, lang, num
from careloop.core.console import make_console
from careloop.core.errors import CareloopError
from careloop.metrics.definitions import KpiValue

out = make_console()
err = make_console(stderr=True)
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the `careloop` app."""
    from careloop.metrics.targets_cli import register_kpi_group

    register_kpi_group(app, kpi)  # `kpi` with its `targets` sub-command
    app.command("report")(report)
    metrics_app = typer.Typer(help="Figure snapshots behind the staff pages.", no_args_is_help=True)
    metrics_app.command("refresh")(refresh)
    app.add_typer(metrics_app, name="metrics")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{_('cli.error')}[/red] {message}", highlight=False)
    return typer.Exit(1)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(_("cli.date.not_iso", option=option, value=repr(value))) from None


def kpi(
    shop: ShopOpt,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, inclusive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Every after-sales KPI for exactly a period (default: the last 30 days), against its
    target, with its sample size, 95% interval and formula. Rates and scores from fewer
    answers than the shop's minimum (setting kpi_min_sample, default 30) are greyed "too
    few answers" and not judged. Definitions: docs/metrics.md."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.metrics.cohorts import cohorts
    from careloop.metrics.periods import period
    from careloop.metrics.service import compute_kpis

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        begin, finish = period(the_shop, _day(start, "--from"), _day(end, "--to"), ctx.clock.now())
    except CareloopError as exc:
        raise _fail(cli_error_text(exc)) from None
    with ctx.sessions() as session:
        report_ = compute_kpis(session=session, shop=the_shop, start=begin, end=finish)
        by_cohort = cohorts(session=session, shop=the_shop, end=finish)
    if as_json:
        data = report_.as_dict()
        data["by_cohort"] = [c.as_dict() for c in by_cohort]
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    if lang() == "vi":
        first, last = day(begin, the_shop.timezone), day(finish, the_shop.timezone)
    else:
        first, last = str(begin.date()), str(finish.date())
    table = Table(title=_("cli.kpi.title", shop=shop, start=first, end=last))
    for col in ("kpi", "value", "interval", "n", "target"):
        table.add_column(_(f"cli.kpi.col.{col}"))
    table.add_column(_("cli.kpi.col.status"), no_wrap=True)
    for v in report_.kpis.values():
        if lang() == "vi":
            table.add_row(*kpi_cells_vi(v, the_shop.currency))
        else:
            table.add_row(*kpi_cells(v))
    out.print(table)
    out.print(_("cli.kpi.formulas"))
    for v in report_.kpis.values():
        if lang() == "vi":
            out.print(
                f"  {_(f'kpi.{v.key}.label')}: {_(f'kpi.{v.key}.definition')}", highlight=False
            )
        else:
            out.print(f"  {v.label}: {v.formula}", highlight=False)


STATUS_STYLES = {"met": "green", "missed": "red", "too_few": "dim", "no_data": "dim"}


def kpi_cells(v: KpiValue) -> tuple[str, ...]:
    """One KPI as CLI table cells: value (greyed when too few answers), interval, sample,
    target worded by direction, status coloured (green met, red missed)."""
    value = "n/a" if v.value is None else f"{v.value:g}"
    interval = "" if v.ci_low is None or v.ci_high is None else f"{v.ci_low:g} to {v.ci_high:g}"
    if v.too_few_answers:
        value = f"[dim]{value}[/dim]"
        interval = f"[dim]{interval}[/dim]" if interval else ""
    target = (
        ""
        if v.target is None
        else (
            f"at least {v.target:g}"
            if v.target_direction == "at_least"
            else f"at most {v.target:g} (limit)"
        )
    )
    style = STATUS_STYLES.get(v.status)
    status = v.status_label
    if style and status:
        status = f"[{style}]{status}[/{style}]"
    return (v.label, value, interval, str(v.sample), target, status)


def kpi_cells_vi(v: KpiValue, currency: str) -> tuple[str, ...]:
    """`kpi_cells` for a Vietnamese reader: the staff UI's KPI names, figures as the monthly
    review writes them ('69,2%', '1,5 giờ', '883.333 ₫'), target and status in Vietnamese."""
    from careloop.metrics.report import figure_text

    def figure(x: float | None) -> str:
        return figure_text(x, v.unit, currency, "vi")

    value = figure(v.value)
    interval = ""
    if v.ci_low is not None and v.ci_high is not None:
        interval = _("cli.kpi.interval", low=figure(v.ci_low), high=figure(v.ci_high))
    if v.too_few_answers:
        value = f"[dim]{value}[/dim]"
        interval = f"[dim]{interval}[/dim]" if interval else ""
    target = ""
    if v.target is not None:
        which = "at_least" if v.target_direction == "at_least" else "at_most"
        target = _(f"cli.kpi.target.{which}", n=figure(v.target))
    status = _kpi_status_vi(v)
    style = STATUS_STYLES.get(v.status)
    if style and status:
        status = f"[{style}]{status}[/{style}]"
    return (_(f"kpi.{v.key}.label"), value, interval, num(v.sample), target, status)


def _kpi_status_vi(v: KpiValue) -> str:
    import re

    from careloop.core.catalogue import has_message

    if v.status == "no_data":
        slug = re.sub(r"\W+", "_", (v.reason or "no data in the period").lower()).strip("_")
        key = f"kpi.reason.{slug}"
        return _(key) if has_message(key, "vi") else v.status_label
    if v.status == "too_few":
        return _("cli.kpi.status.too_few", n=num(v.sample), min=num(v.min_sample or 0))
    if v.status in ("met", "missed"):
        which = "at_least" if v.target_direction == "at_least" else "at_most"
        return _(f"cli.kpi.status.{v.status}_{which}")
    return ""


def report(
    shop: ShopOpt,
    month: Annotated[str, typer.Option(help="The month to review, YYYY-MM.")],
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the review: vi or en (default: the shop's).")
    ] = "",
) -> None:
    """Write the monthly after-sales review as a self-contained, printable HTML file."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.metrics.report import review_document

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        try:
            html = review_document(
                session=session, shop=the_shop, month=month, locale=lang or the_shop.locale
            )
        except CareloopError as exc:
            raise _fail(cli_error_text(exc)) from None
    out_file.write_text(html, encoding="utf-8")
    print(_("cli.report.wrote", file=out_file))


def refresh(
    shop: Annotated[str | None, typer.Option("--shop", help="Shop slug (default: all).")] = None,
) -> None:
    """Compute the staff pages' figure snapshots now (overview, journeys' funnel, last
    month's review): after a big import, or before measuring the pages."""
    from sqlalchemy import select

    from careloop.cli_kit import app_context, load_shop
    from careloop.metrics.figures import standard_keys
    from careloop.metrics.snapshots import compute_now
    from careloop.shops.models import Shop

    ctx = app_context()
    if shop:
        shops = [load_shop(ctx, shop)]
    else:
        with ctx.sessions() as session:
            shops = list(session.scalars(select(Shop).order_by(Shop.id)))
    for the_shop in shops:
        for key in standard_keys(the_shop, ctx.clock.now()):
            ms = compute_now(sessions=ctx.sessions, clock=ctx.clock, shop=the_shop, key=key)
            print(
                _("cli.metrics.refreshed", shop=the_shop.slug, key=key, seconds=num(ms / 1000, 1))
            )
