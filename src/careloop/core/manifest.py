"""What one capability plugs into Careloop, said in one place: its `Manifest`.

Each capability folder has a `manifest.py` exporting `MANIFEST`; `careloop.bootstrap` is the
only module that lists them, and it builds the web app, the CLI's command table, the
worker's tasks, the attention providers, the schema, the personal-data list, the importers
and the demo seeders from them, refusing to start on a duplicate or a missing piece.

A manifest holds names, not code: a module (`"careloop.loyalty.tasks"`) or an attribute of
one (`"careloop.loyalty.api:router"`). Importing every manifest therefore costs almost
nothing, which is what lets `careloop --help` list every command without importing a
capability; bootstrap resolves a reference only when what it names is being built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# "package.module" or "package.module:attribute".
Ref = str
# A port: the Protocol type itself, or a "module:attr" reference to it (resolved lazily).
PortRef = type | Ref
# What binds a port: a factory, or a "module:attr" reference to one.
FactoryRef = Callable[[], object] | Ref


@dataclass(frozen=True)
class Command:
    """A top-level CLI command: its name, its help line, and the `module:attr` that
    provides it (a Typer app, or a `register(app)` function adding the command)."""

    name: str
    help: str
    provider: Ref


@dataclass(frozen=True)
class NavEntry:
    """One entry of the staff navigation: shown to every staff member whose role is at least
    `min_role`, lower `order` first. `shown_if` ("module:attr", a predicate of the staff
    member's context) hides it where it does not apply (the demo outbox)."""

    key: str
    label_en: str
    label_vi: str
    path: str
    min_role: str = "viewer"
    order: int = 100
    shown_if: Ref | None = None


@dataclass(frozen=True)
class CustomerPanel:
    """A box on the customer page's side column: `template` rendered with
    `panel.data = load(session, staff, customer)` ("module:attr"), lower `order` first."""

    key: str
    template: str
    load: Ref
    order: int = 100


@dataclass(frozen=True)
class WorkerTask:
    """One task the worker runs on every pass: `run` ("module:function", taking the
        AppContext and returning how much it did), after every task named in `after` and before
    every task named in `before` (a pass
        hands work on within itself: the inbox's events to journeys, journeys' messages and
        their store codes to dispatch, so nothing waits a pass for a task that ran too early)."""

    name: str
    run: Ref
    after: tuple[str, ...] = ()
    # Tasks (of any capability) that run after this one: a producer names its consumer.
    before: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """Everything a capability plugs in. Every field but `name` may be left empty."""

    name: str
    # Modules defining the capability's tables (imported so the schema metadata has them).
    models: tuple[Ref, ...] = ()
    # "module:attr" APIRouters mounted under /api/v1 (with the API's audit dependency).
    api_routers: tuple[Ref, ...] = ()
    # Modules with a staff-page `router` (mounted CSRF-checked and audited, in this order).
    staff_pages: tuple[Ref, ...] = ()
    # "module:attr" routers for pages outside the staff UI (customer pages, callbacks).
    public_pages: tuple[Ref, ...] = ()
    # Its entries in the staff navigation (bootstrap builds careloop.web.ui.nav from them).
    nav: tuple[NavEntry, ...] = ()
    # Its panels on the customer page (bootstrap builds careloop.web.ui.customers' list).
    customer_panels: tuple[CustomerPanel, ...] = ()
    # Keys of the settings tabs it owns (careloop.web.ui.settings_text.TABS).
    settings_tabs: tuple[str, ...] = ()
    # Its worker tasks (bootstrap orders every manifest's tasks by their `after` names).
    tasks: tuple[WorkerTask, ...] = ()
    # Names under which it reads the timeline (careloop.customers.event_feed consumers).
    timeline_consumers: tuple[str, ...] = ()
    # "module:attr" of mappings event type -> renderer of its timeline line
    # (careloop.core.timeline_text.Renderer); bootstrap builds the one table from them.
    timeline_texts: tuple[Ref, ...] = ()
    # (name, "module:attr") of its send gates (careloop.channels.gates: a message waits until
    # every gate lets it go, e.g. loyalty's store code exists in the shop's store).
    send_gates: tuple[tuple[str, Ref], ...] = ()
    # "module:attr" of tuples (line, catalogue key, {param: regex}): the lines it writes on
    # staff tasks, read back in the reader's language (careloop.support.task_text).
    task_lines: tuple[Ref, ...] = ()
    # (name, "module:attr") of its "needs attention" providers (careloop.core.attention);
    # bootstrap builds the one list from every manifest.
    attention: tuple[tuple[str, Ref], ...] = ()
    # (kind, module that registers the importer of that kind) for `careloop import`.
    importers: tuple[tuple[str, Ref], ...] = ()
    # "module:attr" of its personal-data DECLARATIONS (how each table is exported/erased).
    personal_data: Ref | None = None
    # "module:attr" of its demo seeder (careloop.demo.extensions.DemoSeeder).
    demo_seeder: Ref | None = None
    # Its top-level CLI commands.
    commands: tuple[Command, ...] = ()
    # The key prefix of its texts in the message catalogue ("loyalty" for "loyalty.*").
    catalogue_domain: str | None = None
    # "module:attr" of mappings figure kind -> its compute function
    # (careloop.metrics.snapshots.Compute); bootstrap builds the one table from them.
    figures: tuple[Ref, ...] = ()
    # Ports it implements: (port, factory of the implementation).
    provides: tuple[tuple[PortRef, FactoryRef], ...] = field(default=())
    # Ports it calls, which some manifest must provide.
    needs: tuple[PortRef, ...] = ()
