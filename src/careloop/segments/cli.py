"""`careloop segments`, `careloop clv fit|backtest` and `careloop churn`: thin wrappers
that parse arguments, call the services and print."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from careloop.cli_kit import _, cli_error_text, lang, num, pct
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
        raise _fail(_("cli.date.not_iso", option=option, value=repr(value))) from None


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{_('cli.error')}[/red] {message}", highlight=False)
    return typer.Exit(1)


def _segment_text(key: str, part: str, english: str) -> str:
    """A segment's label, strategy or source in this run's language (catalogue `segment.*`)."""
    return english if lang() != "vi" else _(f"segment.{key}.{part}")


def _clv_note(note: str) -> str:
    """A CLV note (stored in English) in this run's language."""
    if lang() != "vi":
        return note
    from careloop.segments.ui import clv_note_text

    return clv_note_text(note, "vi")


def segments(shop: ShopOpt) -> None:
    """Recompute RFM segments (and CLV) now and print how many customers are in each."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.db.engine import transaction
    from careloop.segments.rfm import SEGMENTS
    from careloop.segments.service import recompute_segments

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with err.status(_("cli.segments.scoring")), transaction(ctx.sessions) as session:
        result = recompute_segments(session=session, clock=ctx.clock, shop=session.merge(the_shop))
    title = _("cli.segments.title", shop=shop, n=num(result.customers))
    table = Table(title=title)
    table.add_column(_("cli.segments.col.segment"))
    table.add_column(_("cli.segments.col.customers"), justify="right")
    table.add_column(_("cli.segments.col.share"), justify="right")
    table.add_column(_("cli.segments.col.strategy"), overflow="fold", max_width=70)
    table.add_column(_("cli.segments.col.journeys"), overflow="fold", max_width=22)
    table.add_column(_("cli.segments.col.source"), overflow="fold", max_width=40)
    for key, count in result.counts.items():
        share = pct(count / result.customers, 0) if result.customers else "-"
        seg = SEGMENTS[key]
        table.add_row(
            _segment_text(key, "label", seg.label),
            num(count),
            share,
            _segment_text(key, "strategy", seg.care_strategy),
            ", ".join(seg.journeys),
            _segment_text(key, "source", seg.source),
        )
    out.print(table)
    out.print(_("cli.segments.changes", n=num(result.changes)))
    for note in result.clv.get("notes", []):
        out.print(f"CLV: {_clv_note(note)}")


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
        raise _fail(_("cli.clv.unit", unit=repr(unit)))
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    moment = end_of_local_day(parse_day(as_of, "--as-of"), the_shop) if as_of else ctx.clock.now()
    with ctx.sessions() as session:
        try:
            fit, _fitted = fit_shop(session=session, shop=the_shop, as_of=moment, unit=unit)
        except CareloopError as exc:
            raise _fail(cli_error_text(exc)) from None
    if as_json:
        print(json.dumps(fit.as_dict(), indent=2))
        return
    out.print(
        _(
            "cli.clv.fit_title",
            shop=shop,
            as_of=fit.as_of,
            unit=_(f"cli.unit.{unit}"),
            customers=num(fit.customers),
            repeaters=num(fit.repeat_buyers),
        )
    )
    if not fit.usable:
        out.print(f"[bold]{_('cli.clv.untrustworthy')}[/bold]")
    if fit.bgnbd is not None:
        b = fit.bgnbd
        out.print(
            f"BG/NBD       r={b.r:.4g}  alpha={b.alpha:.4g}  a={b.a:.4g}  b={b.b:.4g}  "
            + _("cli.clv.fit_quality", ll=f"{b.log_likelihood:.2f}", converged=_yes_no(b.converged))
        )
    if fit.gamma_gamma is not None:
        g = fit.gamma_gamma
        out.print(
            f"Gamma-Gamma  p={g.p:.4g}  q={g.q:.4g}  gamma={g.gamma:.4g}  "
            + _("cli.clv.fit_quality", ll=f"{g.log_likelihood:.2f}", converged=_yes_no(g.converged))
        )
    out.print(
        _(
            "cli.clv.historical",
            mean=num(fit.historical_clv_mean_minor),
            aov=num(fit.mean_order_value_minor),
        )
    )
    for note in fit.notes:
        out.print(_clv_note(note))


def _yes_no(value: bool) -> str:
    return _("cli.yes") if value else _("cli.no")


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
        raise _fail(_("cli.clv.unit", unit=repr(unit)))
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
        _(
            "cli.clv.backtest_title",
            shop=shop,
            end=calibration_end,
            periods=num(result.holdout_periods),
            unit=_(f"cli.unit.{unit}s"),
            customers=num(result.customers),
        )
    )
    if result.rows:
        table = Table(title=_("cli.clv.backtest_table"))
        table.add_column(_("cli.clv.col.repeats"), justify="right")
        table.add_column(_("cli.clv.col.customers"), justify="right")
        table.add_column(_("cli.clv.col.predicted"), justify="right")
        table.add_column(_("cli.clv.col.actual"), justify="right")
        for row in result.rows:
            table.add_row(
                row.repeat_purchases, num(row.customers), num(row.predicted, 1), num(row.actual)
            )
        table.add_row(
            _("cli.clv.total"),
            num(result.customers),
            num(result.predicted_total, 1),
            num(result.actual_total),
        )
        out.print(table)
    for note in result.notes:
        out.print(_clv_note(note))


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
        reason = rate.reason if lang() != "vi" else _("cli.churn.no_buyers", days=window_days)
        out.print(_("cli.churn.rate_na", reason=reason))
    else:
        out.print(
            _(
                "cli.churn.rate",
                days=window_days,
                rate=pct(rate.rate),
                churned=num(rate.churned),
                active=num(rate.active_before),
            )
        )
    table = Table(title=_("cli.churn.table"))
    for col in ("customer", "segment", "p_alive", "spent", "last_order", "why"):
        table.add_column(_(f"cli.churn.col.{col}"))
    for r in risks:
        table.add_row(
            f"{r.name} ({r.external_id})",
            _segment_text(r.segment, "label", r.segment_label),
            "-" if r.p_alive is None else pct(r.p_alive, 0),
            num(r.monetary_minor),
            _("cli.churn.days_ago", n=num(r.recency_days)),
            _risk_reason(r.segment, r.p_alive, r.frequency, r.recency_days, r.reason),
        )
    out.print(table)


def _risk_reason(
    segment: str, p_alive: float | None, frequency: int, recency_days: int, english: str
) -> str:
    """Why a customer is on the list (segments.churn.risk_reason) in this run's language."""
    if lang() != "vi":
        return english
    from careloop.segments.churn import LOW_P_ALIVE, RISK_SEGMENTS

    parts = []
    if segment in RISK_SEGMENTS:
        label = _(f"segment.{segment}.label")
        parts.append(
            _("cli.churn.why_segment", label=label, orders=num(frequency), days=num(recency_days))
        )
    if p_alive is not None and p_alive < LOW_P_ALIVE:
        parts.append(_("cli.churn.why_p_alive", p=pct(p_alive, 0)))
    return "; ".join(parts)
