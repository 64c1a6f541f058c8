"""The `careloop` command: a root that loads a command's module only when that command runs.

`careloop --help` lists every command from the table below without importing any of them,
so it starts in the time Python needs for Typer. Running `careloop shop list` imports the
core commands and nothing of loyalty or support. Each module named in the table provides
its commands through `register(app)` (or is itself a Typer group); a test checks that the
table and the modules agree, so a command cannot go missing from the help or the help
drift from the command.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group


@dataclass(frozen=True)
class Entry:
    """A top-level command: its name, the `module:attribute` that provides it, its help."""

    name: str
    provider: str
    help: str


CORE = "careloop.cli_commands:register"
COMMANDS: tuple[Entry, ...] = (
    Entry("init", CORE, "Create the database schema, or upgrade it to this version."),
    Entry(
        "demo",
        CORE,
        'Create the realistic demo shop "demo" (18 months of history) with staff logins.',
    ),
    Entry("serve", CORE, "Run the API and staff UI (and one embedded worker unless --no-worker)."),
    Entry("worker", CORE, "Claim and run due work (journey steps, sends, nightly jobs)."),
    Entry("shop", CORE, "Create and list shops."),
    Entry("apikey", CORE, "API keys for the REST API."),
    Entry("user", CORE, "Staff users."),
    Entry("import", CORE, "Import CSV files (validated whole first: all or nothing)."),
    Entry("export", CORE, "Export data."),
    Entry(
        "connector",
        "careloop.connectors.cli:app",
        "Connect shop platforms (Shopify, WooCommerce, Haravan, Sapo, generic).",
    ),
    Entry(
        "channels",
        "careloop.channels.cli:app",
        "Channel settings: SMTP, SMS (twilio, esms), Zalo OA, webhook.",
    ),
    Entry(
        "journeys", "careloop.journeys.cli:register", "Journeys: list, show, load, activate, pause."
    ),
    Entry(
        "simulate",
        "careloop.journeys.cli:register",
        "Preview the shop's journeys (drafts too) over its real data of the last N days on a "
        "virtual clock: sends nothing, changes nothing; prints what each step would do.",
    ),
    Entry(
        "loyalty",
        "careloop.loyalty.cli:loyalty_app",
        "Loyalty program: settings, points, coupons, referrals.",
    ),
    Entry("feedback", "careloop.feedback.cli:app", "Survey answers, reviews and feedback themes."),
    Entry("tickets", "careloop.support.cli:register", "Support tickets."),
    Entry("tasks", "careloop.support.cli:register", "The staff task list."),
    Entry(
        "campaign", "careloop.community.cli:register", "Campaigns to segments: preview, send, list."
    ),
    Entry(
        "event", "careloop.community.cli:register", "Events and workshops: create, list, check in."
    ),
    Entry("community", "careloop.community.cli:register", "Community groups and ambassadors."),
    Entry(
        "segments",
        "careloop.segments.cli:register",
        "Recompute RFM segments (and CLV) now and print how many customers are in each.",
    ),
    Entry(
        "churn",
        "careloop.segments.cli:register",
        "Churn rate (DESIGN definition) and the ranked list of customers at risk, with why.",
    ),
    Entry(
        "clv", "careloop.segments.cli:register", "Customer lifetime value (BG/NBD + Gamma-Gamma)."
    ),
    Entry(
        "kpi",
        "careloop.metrics.cli:register",
        "Every after-sales KPI for exactly a period (default: the last 30 days), against its "
        "target, with its sample size, 95% interval and formula.",
    ),
    Entry(
        "report",
        "careloop.metrics.cli:register",
        "Write the monthly after-sales review as a self-contained, printable HTML file.",
    ),
    Entry("metrics", "careloop.metrics.cli:register", "Figure snapshots behind the staff pages."),
    Entry(
        "erase", "careloop.customers.cli:erase_app", "Erase personal data (right to be forgotten)."
    ),
    Entry(
        "backup",
        "careloop.ops.cli:register",
        "Copy the SQLite database to FILE, consistently, while Careloop keeps running.",
    ),
    Entry(
        "restore",
        "careloop.ops.cli:register",
        "Replace the SQLite database with the backup FILE (stop serve and workers first).",
    ),
    Entry("secrets", "careloop.ops.cli:register", "The key that encrypts stored credentials."),
)
_BY_NAME = {entry.name: entry for entry in COMMANDS}


@cache
def provided_by(provider: str) -> dict[str, Any]:
    """The click commands `provider` adds, by name (its module is imported here, once)."""
    module_name, attribute = provider.split(":")
    target = getattr(importlib.import_module(module_name), attribute)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        name = next(e.name for e in COMMANDS if e.provider == provider)
        holder.add_typer(target, name=name)
    else:
        target(holder)
    return dict(get_group(holder).commands)


def load_command(name: str) -> Any:
    """The real command `name`; raises if its provider does not provide it."""
    commands = provided_by(_BY_NAME[name].provider)
    if name not in commands:
        raise RuntimeError(f"{_BY_NAME[name].provider} does not provide the command {name!r}")
    return commands[name]


class LazyGroup(TyperGroup):
    """Lists commands from the table; imports a command's module only to run it."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = _BY_NAME.get(cmd_name)
        if entry is None:
            return None
        return TyperCommand(name=entry.name, help=entry.help, rich_markup_mode=None)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, TyperCommand) and command.callback is None:
            command = load_command(name)
        return name, command, rest


app = typer.Typer(
    cls=LazyGroup,
    help="Careloop: after-sales automation for small businesses.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Careloop: after-sales automation for small businesses."""


def __getattr__(name: str) -> Any:
    """Old names of the command kit, for modules not yet moved to `careloop.cli_kit`."""
    aliases = {
        "_ctx": "app_context",
        "load_shop": "load_shop",
        "fail": "fail",
        "_run_import": "run_csv_import",
    }
    if name in aliases:
        from careloop import cli_kit

        return getattr(cli_kit, aliases[name])
    raise AttributeError(name)


if __name__ == "__main__":
    app()
