"""`careloop kpi targets --shop S [--set nps=60 ...]`: show or change a shop's KPI targets.

`kpi` itself stays the KPI report: `register_kpi_group` turns it into a command group whose
callback runs the report when no sub-command is given, so `careloop kpi --shop S --from ...`
works as before."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from careloop.core.console import make_console
from careloop.core.errors import ValidationFailed

out = make_console()
err = make_console(stderr=True)


def register_kpi_group(app: typer.Typer, report: Callable[..., None]) -> None:
    """Add `kpi` (the report, `report`) with its `targets` sub-command to the app."""
    group = typer.Typer(invoke_without_command=True, help=report.__doc__)

    @group.callback()
    def kpi(
        ctx: typer.Context,
        shop: Annotated[str | None, typer.Option("--shop", help="Shop slug.")] = None,
        start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Last day, inclusive.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        if ctx.invoked_subcommand is not None:
            return
        if shop is None:
            from careloop.cli_kit import _

            err.print(f"[red]{_('cli.error')}[/red] {_('cli.missing_shop')}", highlight=False)
            raise typer.Exit(2)
        report(shop=shop, start=start, end=end, as_json=as_json)

    kpi.__doc__ = report.__doc__
    group.command("targets")(targets)
    app.add_typer(group, name="kpi")


def targets(
    shop: Annotated[str, typer.Option("--shop", help="Shop slug.")],
    changes: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="KEY=VALUE, repeatable: nps=60, repeat_purchase_rate=0.4 (or 40%), "
            "nps=default to go back to the seeds' target.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the shop's KPI targets (the seeds' defaults unless changed), or change them."""
    from careloop.cli_kit import _, app_context, lang, load_shop
    from careloop.db.engine import transaction
    from careloop.metrics.definitions import KPIS, parse_target_changes
    from careloop.metrics.targets import set_shop_targets, shop_targets
    from careloop.shops.models import Shop

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    if changes:
        try:
            parsed = parse_target_changes(changes)
        except ValidationFailed as exc:
            for e in exc.errors:
                err.print(
                    f"[red]{_('cli.error')}[/red] --set {e.field}: {e.reason}", highlight=False
                )
            raise typer.Exit(1) from None
        with transaction(ctx.sessions) as session:
            stored = session.get(Shop, the_shop.id)
            assert stored is not None
            set_shop_targets(
                session=session, clock=ctx.clock, shop=stored, changes=parsed, actor="cli"
            )
        the_shop = load_shop(ctx, shop)
    found = shop_targets(the_shop)
    if as_json:
        data: dict[str, Any] = {
            key: None
            if t is None
            else {"value": t.value, "direction": t.direction, "source": t.source}
            for key, t in found.items()
        }
        print(json.dumps(data, indent=2))
        return
    table = Table(title=_("cli.targets.title", shop=shop))
    for col in ("kpi", "key", "target", "source"):
        table.add_column(_(f"cli.targets.col.{col}"))
    vi = lang() == "vi"
    for key, t in found.items():
        value = "" if t is None else (_figure(t.value, KPIS[key].unit) if vi else f"{t.value:g}")
        shown = "" if t is None else f"{'>=' if t.direction == 'at_least' else '<='} {value}"
        name = _(f"kpi.{key}.label") if vi else KPIS[key].label
        table.add_row(name, key, shown, "" if t is None else _source(t.source) if vi else t.source)
    out.print(table)


def _figure(value: float, unit: str) -> str:
    from careloop.metrics.report import figure_text

    return figure_text(value, unit, "VND", "vi")


# Where the seeds' targets come from (metrics/definitions.py), for a Vietnamese reader.
_SOURCES_VI = {
    "seeds/003 (Step 7: key after-sales metrics)": "cli.targets.source.seed_003_step_7",
    "seeds/003 impact table: good after-sales 20-30%": "cli.targets.source.seed_003_churn",
    "seeds/003 impact table: good after-sales 15-25%": "cli.targets.source.seed_003_referral",
    "seeds/003: respond within 24 hours": "cli.targets.source.seed_003_respond",
}


def _source(source: str) -> str:
    from careloop.cli_kit import _, label

    key = _SOURCES_VI.get(source)
    return _(key) if key else label("cli.targets.source", source)
