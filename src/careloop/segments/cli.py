"""`careloop segments`, `careloop clv fit|backtest` and `careloop churn`: thin wrappers
that parse arguments, call the services and print."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from careloop.cli_kit import cli_error_text
from careloop.core.console import make_console
from careloop.core.errors import CareloopError
from careloop.shops.models import Shop

clv_app = typer.Typer(help="Customer lifetime value (BG/NBD + Gamma-Gamma).", no_args_is_help=True)
out = make_console()
err = make_console(stderr=True)
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the `careloop` app."""
    app.command("segments")(segments)
    app.command("churn")(churn)
    app.add_typer(clv_app, name="clv")


def end_of_local_day(day: date, shop: Shop) -> datetime:
    """The last moment of `day` in the shop's time zone: "as of a date" includes that date."""
    tz = ZoneInfo(shop.timezone)
    return datetime.combine(day + timedelta(days=1), time(0), tz) - timedelta(microseconds=1)


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: not a date in YYYY-MM-DD form: {value!r}") from None


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def segments(shop: ShopOpt) -> None:
    """Recompute RFM segments (and CLV) now and print how many customers are in each."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.db.engine import transaction
    from careloop.segments.rfm import SEGMENTS
    from careloop.segments.service import recompute_segments

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with err.status("Scoring customers..."), transaction(ctx.sessions) as session:
        result = recompute_segments(session=session, clock=ctx.clock, shop=session.merge(the_shop))
    table = Table(title=f"Segments of {shop}: {result.customers} customers with a purchase")
    table.add_column("Segment")
    table.add_column("Customers", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("Care strategy", overflow="fold", max_width=70)
    table.add_column("Journeys", overflow="fold", max_width=22)
    table.add_column("Source", overflow="fold", max_width=40)
    for key, count in result.counts.items():
        share = f"{count / result.customers:.0%}" if result.customers else "-"
        seg = SEGMENTS[key]
        table.add_row(
            seg.label, str(count), share, seg.care_strategy, ", ".join(seg.journeys), seg.source
        )
    out.print(table)
    out.print(f"{result.changes} segment change(s) recorded.")
    for note in result.clv.get("notes", []):
        out.print(f"CLV: {note}")


@clv_app.command("fit")
def clv_fit(
    shop: ShopOpt,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Fit on orders up to this date (YYYY-MM-DD).")
    ] = None,
    unit: Annotated[
        str,
        typer.Option(
            help="Time unit of the model: day or week. t_x and T are elapsed days "
            "(divided by 7 for week), not counts of calendar weeks."
        ),
    ] = "day",
    as_json: JsonOpt = False,
) -> None:
    """Fit BG/NBD and Gamma-Gamma on the shop's orders; print the parameters.

    Inputs as Fader, Hardie & Lee (2005) define them: a purchase occasion is a local
    calendar day with an order (several orders on one day are one occasion); x = repeat
    occasions (distinct days with a purchase after the first); t_x = last minus first
    purchase day and T = the as-of day minus the first purchase day, as elapsed time in
    the unit (days, or days / 7); orders placed on the as-of day count. Gamma-Gamma is
    fitted on the mean value of each customer's repeat occasions (the first purchase is
    left out). See docs/metrics.md.
    """
    from careloop.cli_kit import app_context, load_shop
    from careloop.segments.clv_service import fit_shop

    if unit not in ("day", "week"):
        raise _fail(f"--unit: one of day, week (got {unit!r})")
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    moment = end_of_local_day(parse_day(as_of, "--as-of"), the_shop) if as_of else ctx.clock.now()
    with ctx.sessions() as session:
        try:
            fit, _ = fit_shop(session=session, shop=the_shop, as_of=moment, unit=unit)
        except CareloopError as exc:
            raise _fail(cli_error_text(exc)) from None
    if as_json:
        print(json.dumps(fit.as_dict(), indent=2))
        return
    out.print(
        f"CLV fit for {shop} as of {fit.as_of} (unit: {unit}): {fit.customers} customers, "
        f"{fit.repeat_buyers} repeat buyers"
    )
    if not fit.usable:
        out.print(
            "[bold]The CLV model is not trustworthy on this data: use the historical CLV "
            "below, not predictions.[/bold]"
        )
    if fit.bgnbd is not None:
        b = fit.bgnbd
        out.print(
            f"BG/NBD       r={b.r:.4g}  alpha={b.alpha:.4g}  a={b.a:.4g}  b={b.b:.4g}  "
            f"log-likelihood={b.log_likelihood:.2f}  converged={b.converged}"
        )
    if fit.gamma_gamma is not None:
        g = fit.gamma_gamma
        out.print(
            f"Gamma-Gamma  p={g.p:.4g}  q={g.q:.4g}  gamma={g.gamma:.4g}  "
            f"log-likelihood={g.log_likelihood:.2f}  converged={g.converged}"
        )
    out.print(
        f"Historical CLV (mean spend per customer so far): {fit.historical_clv_mean_minor:,.0f}"
        f" minor units; mean order value {fit.mean_order_value_minor:,.0f}"
    )
    for note in fit.notes:
        out.print(note)


@clv_app.command("backtest")
def clv_backtest(
    shop: ShopOpt,
    calibration_end: Annotated[
        str, typer.Option("--calibration-end", help="Last day of the calibration period.")
    ],
    unit: Annotated[str, typer.Option(help="Time unit of the model: day or week.")] = "day",
    as_json: JsonOpt = False,
) -> None:
    """Fit on orders up to the calibration end; compare predicted with actual repeat
    purchases after it, in total and by number of calibration repeat purchases."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.segments.backtest import run_backtest

    if unit not in ("day", "week"):
        raise _fail(f"--unit: one of day, week (got {unit!r})")
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    cal_end = end_of_local_day(parse_day(calibration_end, "--calibration-end"), the_shop)
    with ctx.sessions() as session:
        result = run_backtest(
            session=session, shop=the_shop, calibration_end=cal_end, end=ctx.clock.now(), unit=unit
        )
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
        return
    out.print(
        f"Backtest for {shop}: calibration up to {calibration_end}, holdout "
        f"{result.holdout_periods} {unit}s, {result.customers} customers"
    )
    if result.rows:
        table = Table(title="Repeat purchases in the holdout period")
        table.add_column("Repeat purchases in calibration", justify="right")
        table.add_column("Customers", justify="right")
        table.add_column("Predicted", justify="right")
        table.add_column("Actual", justify="right")
        for row in result.rows:
            table.add_row(
                row.repeat_purchases, str(row.customers), f"{row.predicted:.1f}", str(row.actual)
            )
        table.add_row(
            "total",
            str(result.customers),
            f"{result.predicted_total:.1f}",
            str(result.actual_total),
        )
        out.print(table)
    for note in result.notes:
        out.print(note)


def churn(
    shop: ShopOpt,
    limit: Annotated[int, typer.Option(help="How many at-risk customers to list.")] = 20,
    window_days: Annotated[int, typer.Option(help="Churn window in days.")] = 90,
    as_json: JsonOpt = False,
) -> None:
    """Churn rate (DESIGN definition) and the ranked list of customers at risk, with why."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.segments.churn import churn_rate, churn_risk_list

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    now = ctx.clock.now()
    with ctx.sessions() as session:
        rate = churn_rate(session=session, shop_id=the_shop.id, end=now, window_days=window_days)
        risks = churn_risk_list(session=session, shop_id=the_shop.id, limit=limit)
    if as_json:
        print(
            json.dumps(
                {"churn": rate.as_dict(), "at_risk": [r.as_dict() for r in risks]},
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if rate.rate is None:
        out.print(f"Churn rate: n/a ({rate.reason})")
    else:
        out.print(
            f"Churn rate ({window_days}-day windows): {rate.rate:.1%} "
            f"({rate.churned} of {rate.active_before} customers active in the previous window)"
        )
    table = Table(title="Customers at risk of churning")
    for col in ("Customer", "Segment", "P(alive)", "Spent", "Last order", "Why"):
        table.add_column(col)
    for r in risks:
        table.add_row(
            f"{r.name} ({r.external_id})",
            r.segment_label,
            "-" if r.p_alive is None else f"{r.p_alive:.0%}",
            f"{r.monetary_minor:,}",
            f"{r.recency_days} days ago",
            r.reason,
        )
    out.print(table)
