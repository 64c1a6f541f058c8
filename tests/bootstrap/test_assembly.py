"""The composition root (careloop.bootstrap) refuses manifests that do not fit together, and
the app, the CLI and the worker all come up from it (issue 22 item 1; docs/decisions/0021)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol

import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text

import careloop
from careloop import bootstrap, cli, worker
from careloop.bootstrap import AssemblyError
from careloop.context import AppContext
from careloop.core import ports
from careloop.core.manifest import Command, CustomerPanel, Manifest, NavEntry, WorkerTask
from careloop.imports import registry
from careloop.personal_data_registry import declarations
from careloop.web.ui import customers as customer_page
from careloop.web.ui import nav

SRC = Path(careloop.__file__).parent


class _Unprovided(Protocol):
    def ask(self) -> int: ...


def test_a_command_two_capabilities_declare_raises_naming_both() -> None:
    first = Manifest(name="first", commands=(Command("sync", "Sync.", "a.cli:register"),))
    second = Manifest(name="second", commands=(Command("sync", "Also.", "b.cli:register"),))
    with pytest.raises(AssemblyError, match="command 'sync' is declared by both first and second"):
        bootstrap.check([first, second])


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("tasks", (WorkerTask("x.sync", "careloop.x.tasks:sync"),), "task"),
        ("nav", (NavEntry("reports", "Reports", "Báo cáo", "/reports"),), "nav entry"),
        ("customer_panels", (CustomerPanel("notes", "x.html", "x.ui:load"),), "customer panel"),
        ("importers", (("notes", "careloop.x.imports:notes"),), "importer"),
        ("public_pages", ("careloop.x.web:router",), "public page router"),
        ("timeline_consumers", ("x.cursor",), "timeline consumer"),
        ("attention", (("sla", "careloop.x.attention:items"),), "attention provider"),
    ],
)
def test_a_name_two_capabilities_declare_raises(field: str, value: object, what: str) -> None:
    one = replace(Manifest(name="one"), **{field: value})
    two = replace(Manifest(name="two"), **{field: value})
    with pytest.raises(AssemblyError, match=f"{what} .* is declared by both one and two"):
        bootstrap.check([one, two])


def test_a_capability_listed_twice_raises() -> None:
    with pytest.raises(AssemblyError, match="capability 'loyalty' is listed twice"):
        bootstrap.check([Manifest(name="loyalty"), Manifest(name="loyalty")])


def test_a_port_some_capability_needs_and_none_provides_raises() -> None:
    needing = Manifest(name="journeys", needs=(_Unprovided,))
    with pytest.raises(AssemblyError, match=r"journeys needs the port .*_Unprovided"):
        bootstrap.check([needing])
    providing = Manifest(name="channels", provides=((_Unprovided, lambda: object()),))
    bootstrap.check([needing, providing])


def test_a_port_nobody_bound_raises_missing_port_when_asked_for() -> None:
    with pytest.raises(ports.MissingPort, match="_Unprovided"):
        ports.port(_Unprovided)


def test_a_port_provided_twice_raises() -> None:
    class Clock2(Protocol):
        def now(self) -> int: ...

    try:
        ports.provide(Clock2, object())
        with pytest.raises(RuntimeError, match="already provided"):
            ports.provide(Clock2, object())
    finally:
        ports.reset()
        bootstrap.bind_ports()


def test_a_table_with_customer_data_and_no_eraser_raises_naming_the_column() -> None:
    metadata = MetaData()
    Table("customers", metadata, Column("id", Integer, primary_key=True))
    Table(
        "gift_cards",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("customer_id", ForeignKey("customers.id")),
        Column("message", Text),
    )
    with pytest.raises(AssemblyError, match=r"no eraser .*gift_cards\.message"):
        bootstrap.check_personal_data(metadata, registry=[])


def test_two_routes_on_one_method_and_path_raise() -> None:
    one, two = APIRouter(), APIRouter()
    one.add_api_route("/tickets", lambda: None, methods=["GET"])
    two.add_api_route("/tickets", lambda: None, methods=["GET"])
    app = FastAPI()
    app.include_router(one)
    app.include_router(two)
    with pytest.raises(AssemblyError, match="two routes answer GET /tickets"):
        bootstrap.check_routes(app.routes)


def _pass(ctx: AppContext) -> int:
    return 0


_PASS = f"{__name__}:_pass"


def test_a_task_naming_code_that_does_not_exist_raises_naming_the_task_and_capability() -> None:
    odd = Manifest(name="notes", tasks=(WorkerTask("notes.sync", f"{__name__}:_missing"),))
    with pytest.raises(AssemblyError, match=r"task 'notes.sync' of notes names .*_missing"):
        bootstrap.worker_tasks([odd])


def test_a_task_after_a_task_nobody_declares_raises_naming_both() -> None:
    odd = Manifest(name="notes", tasks=(WorkerTask("notes.sync", _PASS, after=("x.gone",)),))
    with pytest.raises(
        AssemblyError, match=r"task 'notes.sync' of notes runs after 'x.gone', which no capability"
    ):
        bootstrap.task_order([odd])


def test_tasks_waiting_on_each_other_raise_naming_the_cycle() -> None:
    one = Manifest(name="one", tasks=(WorkerTask("one.a", _PASS, after=("two.b",)),))
    two = Manifest(name="two", tasks=(WorkerTask("two.b", _PASS, after=("one.a",)),))
    with pytest.raises(AssemblyError, match=r"cycle: one.a \(one\), two.b \(two\)"):
        bootstrap.task_order([one, two])


def test_tasks_run_after_what_they_name_and_otherwise_in_capability_order() -> None:
    sends = Manifest(name="sends", tasks=(WorkerTask("sends.dispatch", _PASS),))
    codes = Manifest(
        name="codes",
        tasks=(
            WorkerTask("codes.sync", _PASS, before=("sends.dispatch",)),
            WorkerTask("codes.daily", _PASS),
        ),
    )
    steps = Manifest(name="steps", tasks=(WorkerTask("steps.run", _PASS, before=("codes.sync",)),))
    order = [task.name for task, _ in bootstrap.task_order([sends, codes, steps])]
    assert order == ["codes.daily", "steps.run", "codes.sync", "sends.dispatch"]


def test_the_shipped_pass_hands_work_on_within_one_pass() -> None:
    """Inbox -> loyalty events -> journeys' events -> steps -> store codes -> dispatch: a
    message waiting on a code never waits a pass for a task that ran too early."""
    order = [task.name for task, _ in bootstrap.task_order(bootstrap.manifests())]
    chain = [
        "orders.ingest_inbox",
        "loyalty.events",
        "journeys.dispatch_events",
        "journeys.run_steps",
        "loyalty.store_codes",
        "channels.dispatch",
    ]
    assert [order.index(name) for name in chain] == sorted(order.index(name) for name in chain)
    for producer in ("community.outbox", "feedback.review_asks"):
        assert order.index(producer) < order.index("channels.dispatch")


def test_an_importer_kind_registered_twice_by_two_functions_raises() -> None:
    def notes(*args: object, **kwargs: object) -> None: ...

    def other_notes(*args: object, **kwargs: object) -> None: ...

    registry.register_importer("tests_notes", notes)  # type: ignore[arg-type]
    try:
        with pytest.raises(registry.DuplicateImporter, match="tests_notes"):
            registry.register_importer("tests_notes", other_notes)  # type: ignore[arg-type]
    finally:
        del registry._IMPORTERS["tests_notes"]


def test_the_shipped_manifests_fit_together() -> None:
    assert [m.name for m in bootstrap.manifests()][-2:] == ["customers", "staff"]
    bootstrap.check(bootstrap.CAPABILITIES)


def test_every_capability_folder_that_plugs_something_in_has_a_manifest_in_bootstrap() -> None:
    listed = {module.rpartition(".")[0] for module in _manifest_modules()}
    plugs = ("models.py", "ui.py", "tasks.py", "api.py", "cli.py", "demo.py", "manifest.py")
    for folder in sorted(p for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        if folder.name in {"core", "db", "locale", "playbooks"}:
            continue
        if any((folder / name).exists() for name in plugs):
            assert f"careloop.{folder.name}" in listed, f"{folder.name} has no manifest listed"


def _manifest_modules() -> list[str]:
    text = (SRC / "bootstrap.py").read_text(encoding="utf-8")
    return [
        line.split()[1]
        for line in text.splitlines()
        if line.startswith("from careloop.") and line.split()[1].endswith(".manifest")
    ]


def test_the_schema_bootstrap_builds_has_every_table_of_the_models_module() -> None:
    from careloop.db import models

    metadata = bootstrap.load_models()
    assert set(metadata.tables) == set(models.Base.metadata.tables)
    bootstrap.check_personal_data(metadata)


def test_the_personal_data_list_comes_from_the_manifests_in_erasure_order() -> None:
    names = [capability for capability, _ in bootstrap.personal_data_groups()]
    assert names[-1] == "customers"
    assert "support" in names and "channels" in names
    assert len(declarations()) == sum(len(d) for _, d in bootstrap.personal_data_groups())


def test_the_cli_lists_exactly_the_manifests_commands() -> None:
    assert bootstrap.commands() == cli.COMMANDS
    assert {"init", "serve", "worker", "loyalty", "erase", "import"} <= {
        c.name for c in cli.COMMANDS
    }


def test_the_worker_runs_the_tasks_the_manifests_name(ctx: AppContext) -> None:
    tasks = worker.registered_tasks()
    declared = {t.name: t.run for m in bootstrap.manifests() for t in m.tasks}
    assert set(tasks) == set(declared)
    for name, task in tasks.items():
        assert f"{task.__module__}:{task.__qualname__}" == declared[name]


def test_the_app_comes_up_from_bootstrap_with_every_manifests_routes(ctx: AppContext) -> None:
    from careloop.web.app import create_app

    app = create_app(ctx)
    paths = {path for path, _ in bootstrap.flat_routes(app.routes)}
    assert {"/api/v1/orders", "/customers", "/loyalty", "/healthz"} <= paths
    declared = {entry.key for m in bootstrap.manifests() for entry in m.nav}
    assert {item.key for item in nav.nav_items("owner")} == declared
    assert [p.key for p in customer_page._PANELS] == ["identity", "community"]
    assert ports.port(_outreach_port()) is not None


def _outreach_port() -> type:
    from careloop.channels.outreach import Outreach

    return Outreach


def test_the_importers_are_the_kinds_the_manifests_declare() -> None:
    assert set(bootstrap.importers()) <= set(registry.known_kinds())
    assert {"customers", "orders", "products", "reviews", "community"} <= set(bootstrap.importers())


def test_no_module_but_bootstrap_loads_modules_by_name() -> None:
    offenders = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and "import importlib" in path.read_text(encoding="utf-8")
    }
    assert offenders == {"bootstrap.py"}


def _line(payload: object, summary: str, locale: str) -> str:
    return "x"


TEXTS_A = {"ticket.opened": _line}
TEXTS_B = {"ticket.opened": _line}


def test_a_timeline_line_two_capabilities_draw_raises_naming_both() -> None:
    one = Manifest(name="support", timeline_texts=(f"{__name__}:TEXTS_A",))
    two = Manifest(name="feedback", timeline_texts=(f"{__name__}:TEXTS_B",))
    with pytest.raises(
        AssemblyError, match=r"timeline text of 'ticket.opened' is declared by both support"
    ):
        bootstrap.timeline_texts([one, two])
    assert bootstrap.timeline_texts([one]) == {"ticket.opened": _line}


def test_a_figure_kind_two_capabilities_compute_raises_naming_both() -> None:
    one = Manifest(name="metrics", figures=(f"{__name__}:TEXTS_A",))
    two = Manifest(name="feedback", figures=(f"{__name__}:TEXTS_B",))
    with pytest.raises(AssemblyError, match=r"figure kind 'ticket.opened' is declared by both"):
        bootstrap.figure_kinds([one, two])


def test_the_shipped_attention_providers_and_figure_kinds_are_built_from_the_manifests() -> None:
    from careloop.core import attention
    from careloop.metrics import snapshots

    bootstrap.load_attention()
    assert set(attention._SOURCES) == {
        "channels",
        "connectors",
        "feedback",
        "loyalty.store_actions",
        "loyalty.store_codes",
        "support",
    }
    assert {"overview", "review"} <= set(snapshots._KINDS)


def test_the_send_gates_and_task_lines_are_built_from_the_manifests() -> None:
    from careloop.channels import gates
    from careloop.support.task_text import task_text

    bootstrap.load_registrations()
    assert set(gates._GATES) == {"loyalty.store_codes"}
    assert task_text("Birthday gift box", "vi") != "Birthday gift box"


def test_a_nav_entry_with_a_role_careloop_does_not_know_raises_naming_it() -> None:
    odd = Manifest(name="metrics", nav=(NavEntry("reports", "R", "B", "/reports", "admin"),))
    with pytest.raises(AssemblyError, match=r"metrics: nav entry 'reports': min_role"):
        bootstrap.nav_items([odd])


def test_the_nav_and_panels_are_built_from_the_manifests_in_order() -> None:
    ours = Manifest(
        name="notes",
        nav=(
            NavEntry("notes", "Notes", "Ghi chú", "/notes", "owner", 999),
            NavEntry("first", "First", "Đầu", "/first", "viewer", -1),
        ),
        customer_panels=(CustomerPanel("notes", "notes.html", f"{__name__}:_line", 1),),
    )
    items = bootstrap.nav_items([ours])
    assert [(i.key, i.min_role, i.order) for i in items] == [
        ("notes", "owner", 999),
        ("first", "viewer", -1),
    ]
    (panel,) = bootstrap.customer_panels([ours])
    assert (panel.key, panel.template, panel.load, panel.order) == ("notes", "notes.html", _line, 1)


# Run in a fresh interpreter: every careloop module is imported (not bootstrap, not the
# migrations), then the registries bootstrap fills must still be empty.
_IMPORT_EVERYTHING = """
import importlib, pkgutil
import careloop
skipped = ("careloop.db.migrations", "careloop.bootstrap", "careloop.__main__")
for info in pkgutil.walk_packages(careloop.__path__, "careloop."):
    if not info.name.startswith(skipped):
        importlib.import_module(info.name)
from careloop.channels import gates
from careloop.core import attention, timeline_text
from careloop.metrics import snapshots
from careloop.support import task_text
from careloop.web.ui import customers, nav
from careloop import worker
tables = (timeline_text._RENDERERS, nav._ITEMS, customers._PANELS, attention._SOURCES,
          snapshots._KINDS, gates._GATES, task_text._REGISTERED, worker._TASKS)
print(*(len(table) for table in tables))
"""


def test_importing_every_capability_module_leaves_every_registry_bootstrap_builds_empty() -> None:
    """Issue 22 item 1: nav entries, customer panels, timeline lines, attention providers,
    figure kinds, send gates, task lines and worker tasks are declared in the manifests and built by
    bootstrap; no module adds itself to them when it is imported."""
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CARELOOP_DATABASE_URL": "sqlite://"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0"] * 8
