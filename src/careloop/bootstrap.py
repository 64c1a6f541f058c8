"""The composition root: the one list of Careloop's capabilities, and what is built from it.

Each capability says what it plugs in with one `Manifest` (careloop/<capability>/manifest.py);
this module imports every manifest (and nothing else of the capabilities until asked), checks
them together, and builds from them the CLI's command table, the web app's routers, pages
and navigation, the worker's tasks, the attention providers, the schema metadata, the
personal-data declarations (erasure and export), the importers, the demo seeders and the
port bindings. It refuses to start, with an error naming both sides, on a duplicate name
(capability, command, task, importer, nav entry, route, ...), on a port some capability
needs and none provides, and on a table holding customer data that nobody erases.

Adding a capability: write its manifest, add one import and one line to CAPABILITIES.
Manifests name code with "module:attr" strings, so importing this module (what
`careloop --help` does) imports no capability; `resolve` imports a name when it is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from careloop.alerts.manifest import MANIFEST as alerts
from careloop.audit.manifest import MANIFEST as audit
from careloop.channels.manifest import MANIFEST as channels
from careloop.community.manifest import MANIFEST as community
from careloop.connectors.manifest import MANIFEST as connectors
from careloop.core.manifest import Command, Manifest, PortRef, WorkerTask
from careloop.customers.manifest import MANIFEST as customers
from careloop.demo.manifest import MANIFEST as demo
from careloop.feedback.manifest import MANIFEST as feedback
from careloop.imports.manifest import MANIFEST as imports
from careloop.journeys.manifest import MANIFEST as journeys
from careloop.loyalty.manifest import MANIFEST as loyalty
from careloop.metrics.manifest import MANIFEST as metrics
from careloop.ops.manifest import MANIFEST as ops
from careloop.orders.manifest import MANIFEST as orders
from careloop.products.manifest import MANIFEST as products
from careloop.segments.manifest import MANIFEST as segments
from careloop.shops.manifest import MANIFEST as shops
from careloop.support.manifest import MANIFEST as support
from careloop.web.manifest import MANIFEST as staff

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from careloop.core.personal_data import PersonalData
    from careloop.core.timeline_text import Renderer
    from careloop.metrics.snapshots import Compute
    from careloop.web.ui.customers import CustomerPanel
    from careloop.web.ui.nav import NavItem

# The installation itself: the schema, the servers and the data export.
_CORE_CLI = "careloop.cli_commands:register"
ASSEMBLY = Manifest(
    name="careloop",
    models=("careloop.db.secrets",),
    commands=(
        Command("init", "Create the database schema, or upgrade it to this version.", _CORE_CLI),
        Command(
            "serve",
            "Run the API and staff UI (and one embedded worker unless --no-worker).",
            _CORE_CLI,
        ),
        Command(
            "worker", "Claim and run due work (journey steps, sends, nightly jobs).", _CORE_CLI
        ),
    ),
)

# In this order: staff pages are mounted in it (a capability's pages before the staff web's
# own, so /customers/duplicates is not taken for a customer id) and personal data is erased
# in it (the customers' own rows last, once every other declaration found its rows
# through them).
CAPABILITIES: tuple[Manifest, ...] = (
    ASSEMBLY,
    shops,
    orders,
    products,
    channels,
    connectors,
    support,
    feedback,
    loyalty,
    community,
    journeys,
    segments,
    metrics,
    audit,
    alerts,
    imports,
    demo,
    ops,
    customers,
    staff,
)


class AssemblyError(RuntimeError):
    """The manifests do not fit together (a duplicate, a missing port, an unerased table)."""


def resolve(ref: str) -> Any:
    """The object a "module:attr" reference names (or the module, for "module")."""
    module_name, _, attribute = ref.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


# --- checks -------------------------------------------------------------------------------


def _named(manifests: Iterable[Manifest]) -> Iterator[tuple[str, str, str]]:
    """(what, name, capability) for every name that must be unique across capabilities."""
    for m in manifests:
        for command in m.commands:
            yield "command", command.name, m.name
        for what, names in (
            ("model module", m.models),
            ("api router", m.api_routers),
            ("staff page module", m.staff_pages),
            ("public page router", m.public_pages),
            ("nav entry", tuple(entry.key for entry in m.nav)),
            ("customer panel", tuple(panel.key for panel in m.customer_panels)),
            ("settings tab", m.settings_tabs),
            ("task", tuple(task.name for task in m.tasks)),
            ("timeline consumer", m.timeline_consumers),
            ("timeline text module", m.timeline_texts),
            ("send gate", tuple(name for name, _ in m.send_gates)),
            ("task lines module", m.task_lines),
            ("attention provider", tuple(name for name, _ in m.attention)),
            ("figures module", m.figures),
        ):
            for name in names:
                yield what, name, m.name
        for kind, _ in m.importers:
            yield "importer", kind, m.name
        for what, single in (
            ("personal data", m.personal_data),
            ("demo seeder", m.demo_seeder),
            ("catalogue domain", m.catalogue_domain),
        ):
            if single is not None:
                yield what, single, m.name
        for port_ref, _ in m.provides:
            yield "port", _port_name(port_ref), m.name


def _port_name(port: PortRef) -> str:
    return port if isinstance(port, str) else f"{port.__module__}:{port.__qualname__}"


def check(manifests: Iterable[Manifest]) -> None:
    """Raise AssemblyError on a name two capabilities both claim, or a port nobody provides."""
    manifests = tuple(manifests)
    names = [m.name for m in manifests]
    for name in names:
        if names.count(name) > 1:
            raise AssemblyError(f"capability {name!r} is listed twice")
    seen: dict[tuple[str, str], str] = {}
    for what, name, capability in _named(manifests):
        if (what, name) in seen:
            other = seen[(what, name)]
            raise AssemblyError(f"{what} {name!r} is declared by both {other} and {capability}")
        seen[(what, name)] = capability
    provided = {_port_name(p) for m in manifests for p, _ in m.provides}
    for m in manifests:
        for needed in m.needs:
            if _port_name(needed) not in provided:
                raise AssemblyError(
                    f"{m.name} needs the port {_port_name(needed)} and no capability provides it"
                )
    for m in manifests:
        for kind, _ in m.importers:
            if not kind.isidentifier():
                raise AssemblyError(f"importer kind {kind!r} of {m.name} is not a plain word")


@cache
def manifests() -> tuple[Manifest, ...]:
    """The capabilities' manifests, checked together."""
    check(CAPABILITIES)
    return CAPABILITIES


# --- the CLI ------------------------------------------------------------------------------


def commands() -> tuple[Command, ...]:
    """Every top-level command, capability by capability (no capability is imported)."""
    return tuple(command for m in manifests() for command in m.commands)


# --- the worker, attention, registrations --------------------------------------------------


def attention_modules() -> list[str]:
    """The modules of the attention providers, in name order."""
    return sorted({ref.partition(":")[0] for m in manifests() for _, ref in m.attention})


def task_order(manifests: Iterable[Manifest]) -> list[tuple[WorkerTask, str]]:
    """(task, its capability) in the order a worker pass runs them: every task after the
    tasks it names in `after` and those naming it in `before`, otherwise in capability
    order. An `after`/`before` name no manifest declares, or a cycle, raises AssemblyError
    naming the tasks and their capabilities."""
    declared = [(task, m.name) for m in manifests for task in m.tasks]
    index = {task.name: i for i, (task, _) in enumerate(declared)}
    earlier: dict[int, set[int]] = {i: set() for i in range(len(declared))}
    for i, (task, capability) in enumerate(declared):
        for word, names in (("after", task.after), ("before", task.before)):
            for name in names:
                if name not in index:
                    raise AssemblyError(
                        f"task {task.name!r} of {capability} runs {word} {name!r}, "
                        "which no capability declares"
                    )
                if word == "after":
                    earlier[i].add(index[name])
                else:
                    earlier[index[name]].add(i)
    order: list[int] = []
    while len(order) < len(declared):
        ready = [i for i in earlier if i not in order and earlier[i] <= set(order)]
        if not ready:
            left = sorted(
                f"{declared[i][0].name} ({declared[i][1]})" for i in earlier if i not in order
            )
            raise AssemblyError(f"worker tasks wait on each other in a cycle: {', '.join(left)}")
        order.append(min(ready))
    return [declared[i] for i in order]


def worker_tasks(manifests: Iterable[Manifest]) -> dict[str, Any]:
    """Task name -> its function, in pass order; a reference that does not resolve raises
    AssemblyError naming the task, the reference and its capability."""
    tasks: dict[str, Any] = {}
    for task, capability in task_order(manifests):
        try:
            tasks[task.name] = resolve(task.run)
        except (ImportError, AttributeError) as error:
            raise AssemblyError(
                f"task {task.name!r} of {capability} names {task.run!r}, which does not "
                f"exist ({error})"
            ) from error
    return tasks


@cache
def load_tasks() -> None:
    """Hand the worker every manifest's tasks, in pass order (a name two capabilities
    declare has already stopped `manifests()`)."""
    from careloop.worker import use_tasks

    use_tasks(worker_tasks(manifests()))


@cache
def load_attention() -> None:
    """Hand "needs attention" every manifest's providers, in name order (a name two
    capabilities declare has already stopped `manifests()`)."""
    from careloop.core.attention import use_attention

    providers = sorted((name, ref) for m in manifests() for name, ref in m.attention)
    use_attention({name: resolve(ref) for name, ref in providers})


@cache
def load_registrations() -> None:
    """The tables other capabilities read by key, built from the manifests: timeline lines,
    figure kinds, send gates and the lines written on staff tasks."""
    from careloop.channels.gates import use_send_gates
    from careloop.core.timeline_text import use_timeline_texts
    from careloop.metrics.snapshots import use_figures
    from careloop.support.task_text import use_task_lines

    use_timeline_texts(timeline_texts(manifests()))
    use_figures(figure_kinds(manifests()))
    gates = sorted((name, ref) for m in manifests() for name, ref in m.send_gates)
    use_send_gates({name: resolve(ref) for name, ref in gates})
    use_task_lines([line for m in manifests() for ref in m.task_lines for line in resolve(ref)])


def figure_kinds(manifests: Iterable[Manifest]) -> dict[str, Compute]:
    """Figure kind -> its compute function, from every manifest's tables; a kind two tables
    both compute raises AssemblyError naming both."""
    return _merged_tables(manifests, lambda m: m.figures, "figure kind")


def timeline_texts(manifests: Iterable[Manifest]) -> dict[str, Renderer]:
    """Event type -> the renderer of its timeline line, from every manifest's tables; an
    event type two tables both draw raises AssemblyError naming both."""
    return _merged_tables(manifests, lambda m: m.timeline_texts, "timeline text of")


def _merged_tables(
    manifests: Iterable[Manifest], field: Callable[[Manifest], tuple[str, ...]], what: str
) -> dict[str, Any]:
    """One dict from the "module:attr" dicts `field` names in every manifest; a key two of
    them hold raises AssemblyError naming both."""
    table: dict[str, Any] = {}
    held_by: dict[str, str] = {}
    for m in manifests:
        for ref in field(m):
            for key, value in resolve(ref).items():
                if key in held_by:
                    raise AssemblyError(
                        f"{what} {key!r} is declared by both {held_by[key]} and {m.name} ({ref})"
                    )
                table[key], held_by[key] = value, f"{m.name} ({ref})"
    return table


# --- the schema and personal data ----------------------------------------------------------


def model_modules() -> list[str]:
    return [ref for m in manifests() for ref in m.models]


@cache
def load_models() -> MetaData:
    """The schema metadata with every capability's tables in it."""
    from careloop.db.base import Base

    for ref in model_modules():
        resolve(ref)
    return Base.metadata


def personal_data_groups() -> tuple[tuple[str, tuple[PersonalData, ...]], ...]:
    """(capability, its declarations) in erasure order."""
    return tuple(
        (m.name, tuple(resolve(m.personal_data)))
        for m in manifests()
        if m.personal_data is not None
    )


def check_personal_data(metadata: MetaData, registry: Iterable[PersonalData] | None = None) -> None:
    """Raise AssemblyError naming each column that may hold customer data with no eraser."""
    from careloop.personal_data_registry import undeclared_columns

    missing = undeclared_columns(metadata, registry)
    if missing:
        raise AssemblyError(
            "customer data with no eraser (declare it in the capability's personal_data.py, "
            f"or list the table in NOT_PERSONAL with why): {', '.join(missing)}"
        )


# --- importers and demo ---------------------------------------------------------------------


def importers() -> dict[str, str]:
    """Import kind -> "module:attr" of its importer."""
    return {kind: ref for m in manifests() for kind, ref in m.importers}


def demo_seeders() -> list[str]:
    """The "module:attr" of each capability's demo seeder, in capability order."""
    return [m.demo_seeder for m in manifests() if m.demo_seeder is not None]


# --- the web app ----------------------------------------------------------------------------


def api_routers() -> list[Any]:
    return [resolve(ref) for m in manifests() for ref in m.api_routers]


def public_routers() -> list[Any]:
    return [resolve(ref) for m in manifests() for ref in m.public_pages]


def staff_page_modules() -> list[str]:
    return [ref for m in manifests() for ref in m.staff_pages]


def staff_routers() -> list[Any]:
    """Each staff page module's `router`, in order; the navigation and the customer page's
    panels are built from the manifests at the same time (no page registers itself)."""
    routers = [resolve(f"{ref}:router") for ref in staff_page_modules()]
    load_pages()
    return routers


@cache
def load_pages() -> None:
    """Hand the staff pages the navigation and the customer panels every manifest declares,
    after checking the settings tabs the settings page shows are the declared ones."""
    from careloop.web.ui import customers as customer_page
    from careloop.web.ui import nav
    from careloop.web.ui.settings_text import TABS

    nav.use_nav(nav_items(manifests()))
    customer_page.use_panels(customer_panels(manifests()))
    declared, shown = _declared(lambda m: m.settings_tabs), {t[0] for t in TABS}
    if declared != shown:
        raise AssemblyError(
            f"settings tabs shown but in no manifest: {sorted(shown - declared)}; "
            f"declared but not shown: {sorted(declared - shown)}"
        )


def nav_items(manifests: Iterable[Manifest]) -> tuple[NavItem, ...]:
    """The staff navigation built from the manifests' entries (a bad role or path raises
    AssemblyError naming the entry and its capability)."""
    from careloop.web.ui.nav import nav_item

    items = []
    for m in manifests:
        for e in m.nav:
            shown_if = resolve(e.shown_if) if e.shown_if is not None else None
            try:
                item = nav_item(
                    e.key, e.label_en, e.label_vi, e.path, e.min_role, e.order, shown_if
                )
            except ValueError as error:
                raise AssemblyError(f"{m.name}: {error}") from error
            items.append(item)
    return tuple(items)


def customer_panels(manifests: Iterable[Manifest]) -> tuple[CustomerPanel, ...]:
    """The customer page's panels built from the manifests (their loaders resolved)."""
    from careloop.web.ui.customers import CustomerPanel as Panel

    return tuple(
        Panel(p.key, p.template, resolve(p.load), p.order)
        for m in manifests
        for p in m.customer_panels
    )


def _declared(field: Callable[[Manifest], tuple[str, ...]]) -> set[str]:
    return {name for m in manifests() for name in field(m)}


def check_routes(routes: Iterable[Any]) -> None:
    """Raise on two routes answering the same method and path (the second would never run)."""
    seen: set[tuple[str, str]] = set()
    for path, route in flat_routes(routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if (method, path) in seen:
                raise AssemblyError(f"two routes answer {method} {path}")
            seen.add((method, path))


def flat_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full path, route) for every route, through included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from flat_routes(included.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "path"):
            yield prefix + route.path, route


# --- ports ------------------------------------------------------------------------------------


def bind_ports() -> None:
    """Bind every port a manifest provides that is not bound yet (a test may have bound a
    double, or `careloop.core.ports.reset` forgotten them all)."""
    from careloop.core import ports

    for m in manifests():
        for port_ref, factory_ref in m.provides:
            port_type = resolve(port_ref) if isinstance(port_ref, str) else port_ref
            factory = resolve(factory_ref) if isinstance(factory_ref, str) else factory_ref
            try:
                ports.port(port_type)
            except ports.MissingPort:
                ports.provide(port_type, factory())


def assemble() -> MetaData:
    """Everything a running Careloop needs before it serves or works: the schema (checked
    for unerased customer data), the ports, the timeline lines and figure kinds."""
    metadata = _checked_schema()
    bind_ports()
    load_registrations()
    return metadata


@cache
def _checked_schema() -> MetaData:
    metadata = load_models()
    check_personal_data(metadata)
    return metadata
