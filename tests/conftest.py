"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
CARELOOP_TEST_DATABASE_URL is set), a virtual clock, the app context, and factories."""

from __future__ import annotations

import os
import shutil
import tempfile

# argon2 with its cheapest parameters (careloop.shops.passwords): logins stay fast in tests.
os.environ["CARELOOP_PASSWORD_HASH"] = "fast"
# CI has no terminal and no COLUMNS; a run started from a terminal must see the same
# (Rich and Typer size their output from COLUMNS/LINES when set).
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from pathlib import Path

import hypothesis
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from careloop import bootstrap
from careloop.context import AppContext
from careloop.core import ports
from careloop.core.clock import VirtualClock
from careloop.core.settings import Settings
from careloop.db.crypto import attach_keys
from careloop.db.engine import make_engine
from careloop.db.migrate import upgrade
from careloop.shops.models import Shop
from careloop.shops.service import create_api_key, create_shop, create_user
from careloop.web.app import create_app

PG_URL = os.environ.get("CARELOOP_TEST_DATABASE_URL", "")
# A Monday, 10:00 in Ho Chi Minh City.
START = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
TEST_PASSWORD = "correct horse battery"

# Property tests are the same on every run and every machine: examples derived from each
# test's name (no saved-example database replaying another run's finds), and no time limit
# per example or "too slow" health check, which a loaded machine would trip (Hypothesis
# documentation, "Settings": derandomize, database, deadline, suppress_health_check).
hypothesis.settings.register_profile(
    "careloop",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.load_profile("careloop")


@pytest.fixture(autouse=True)
def private_network_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's providers are local servers on 127.0.0.1, so the instance allows private
    targets (as an installation with its own mail server would). Tests of the outbound
    guard switch it back off with the `private_network_refused` fixture."""
    monkeypatch.setenv("CARELOOP_ALLOW_PRIVATE_NETWORK", "1")


@pytest.fixture(autouse=True)
def default_ports() -> Iterator[None]:
    """Every port bound to the capability that provides it, afresh for each test (a test
    that binds in-memory fakes cannot leak them into the next)."""
    ports.reset()
    bootstrap.bind_ports()
    bootstrap.load_registrations()
    yield
    ports.reset()


@pytest.fixture
def private_network_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance default: connections into the private network are refused."""
    monkeypatch.delenv("CARELOOP_ALLOW_PRIVATE_NETWORK", raising=False)


def pytest_report_header() -> str:
    return f"careloop database: {'postgresql' if PG_URL else 'sqlite'}"


def _worker_database(base_url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (tests truncate it)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return base_url
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run; each test then gets a copy (SQLite) or a truncated db (PG)."""
    if PG_URL:
        # No SQLite file to keep the secrets key beside: one key file per test worker.
        key_dir = tmp_path_factory.mktemp("keys")
        os.environ.setdefault("CARELOOP_KEY_FILE", str(key_dir / "careloop.key"))
        pg_url = _worker_database(PG_URL)
        engine = make_engine(pg_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return pg_url
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return str(path)


@pytest.fixture(scope="session")
def _pg_cleaner(_template: str) -> Iterator[Callable[[], None]]:
    """Empties the worker's PostgreSQL database after a test (see `PgCleaner`)."""
    if not PG_URL:
        yield lambda: None
        return
    cleaner = PgCleaner(_template)
    yield cleaner.clean
    cleaner.close()


# Where each test's SQLite database is written when the machine has a RAM-backed folder
# (Linux's tmpfs /dev/shm) with this much room: a test database is a few megabytes.
RAM_FOLDER = Path("/dev/shm")
RAM_FOLDER_MIN_FREE_BYTES = 1 << 30


def _ram_folder() -> Path | None:
    """A fresh folder in RAM for this worker's test databases, or None (then the disk)."""
    try:
        space = os.statvfs(RAM_FOLDER)
        if space.f_bavail * space.f_frsize < RAM_FOLDER_MIN_FREE_BYTES:
            return None
        return Path(tempfile.mkdtemp(prefix="careloop-test-db-", dir=RAM_FOLDER))
    except OSError:
        return None


@pytest.fixture(scope="session")
def _db_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The worker's SQLite test database lives here, a fresh copy of the template per test.

    In RAM when the machine has room (else under pytest's temporary folder on disk): each
    test's engine is disposed at its end, and closing the last connection checkpoints the
    WAL into the file with an fsync (sqlite.org/wal.html, "Checkpointing"; PRAGMA
    synchronous=NORMAL syncs at checkpoints). On a disk that wait was 15-60 ms of idle wall
    time per test on this machine, on tmpfs a sync has nothing to wait for. The files and
    their pragmas are the same either way."""
    folder = _ram_folder()
    if folder is None:
        yield tmp_path_factory.mktemp("db")
        return
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def db_url(_template: str, _pg_cleaner: Callable[[], None], _db_dir: Path) -> Iterator[str]:
    if PG_URL:
        yield _template
        _pg_cleaner()
        return
    # One path per worker (so one engine serves every test, see `_engine`): the folder is
    # emptied first (the previous test's database, its -wal/-shm and key file), and the copy
    # is a new file, so a connection the previous test left open still sees its own file.
    for leftover in _db_dir.iterdir():
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    path = _db_dir / "careloop.db"
    shutil.copy(_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _engine(_template: str, _db_dir: Path) -> Iterator[Engine]:
    """The worker's engine, behind every test's own (see `ctx`).

    SQLAlchemy keeps compiled SQL and the dialect's first-connect findings per engine, and
    PostgreSQL starts a server process per connection: an engine per test compiled every
    statement again and (on PostgreSQL) connected again in every test. A test gets
    `engine.execution_options()`, a distinct Engine object sharing the pool, dialect and
    compiled statements, so what product code keeps per engine (weak-keyed by it) and the
    event listeners a test adds stay the test's own; its secrets keys are attached afresh."""
    engine = make_engine(_template if PG_URL else f"sqlite:///{_db_dir / 'careloop.db'}")
    yield engine
    engine.dispose()


class PgCleaner:
    """Brings the worker's PostgreSQL database back to "just migrated" after each test: every
    table empty (alembic_version kept) and every sequence at its start, as a fresh copy of
    the SQLite template is.

    TRUNCATE of all ~70 tables costs close to a second per test on a loaded 2-core machine
    (a new file per table and index), and TRUNCATE ... CASCADE from `shops` reaches every
    table anyway. A test touches a handful of tables, so one query finds the tables holding
    rows and the sequences that were used, and only those are emptied (DELETE, children
    before parents, in the order of the database's own foreign keys) and reset.
    """

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url, pool_size=1)
        with self.engine.connect() as conn:
            self.tables = _tables_children_first(conn)
        self.probe = text(
            " UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in self.tables
            )
        )

    def clean(self) -> None:
        with self.engine.begin() as conn:
            filled = {row[0] for row in conn.execute(self.probe)}
            for name in self.tables:
                if name in filled:
                    conn.execute(text(f'DELETE FROM "{name}"'))
            conn.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass,"
                    " start_value, false) FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            )

    def close(self) -> None:
        self.engine.dispose()


def _tables_children_first(conn: Connection) -> list[str]:
    """The schema's tables (but alembic_version), each after every table that refers to it."""
    names = conn.scalars(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'alembic_version'"
        )
    ).all()
    refers = conn.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace"
            " WHERE c.contype = 'f' AND n.nspname = current_schema()"
        )
    ).all()
    # TopologicalSorter puts a node after its predecessors: a parent after its children.
    graph: dict[str, set[str]] = {name: set() for name in names}
    for child, parent in refers:
        if child != parent:
            graph.setdefault(parent.strip('"'), set()).add(child.strip('"'))
    return list(TopologicalSorter(graph).static_order())  # a cycle raises CycleError


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def ctx(db_url: str, clock: VirtualClock, _engine: Engine) -> Iterator[AppContext]:
    # The virtual clock jumps days between a test's requests; sessions then last a year.
    # tests/web/test_sessions.py checks the real timeouts with settings of its own.
    settings = Settings(
        database_url=db_url,
        secret_key="test-secret",
        max_body_bytes=1_000_000,
        session_idle_minutes=366 * 24 * 60,
        session_max_hours=366 * 24,
    )
    engine = _engine.execution_options()
    assert engine.url.render_as_string(hide_password=False) == db_url, (engine.url, db_url)
    attach_keys(engine)  # a new Keys object: the test's key file or settings, read when used
    context = AppContext(settings=settings, clock=clock, engine=engine)
    yield context
    if not PG_URL:
        # Close the pooled connections to this test's file before the next copy replaces it;
        # PostgreSQL's stay open for the next test (the database is the same, emptied).
        engine.dispose()


@pytest.fixture
def load_demo_copy(
    ctx: AppContext, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., None]:
    """`load_demo(ctx, customers=..., seed=...)` for tests that start from the demo shop:
    built once per worker, then copied in (tests/demo_snapshot.py)."""
    from tests.demo_snapshot import demo_database

    folder = tmp_path_factory.getbasetemp() / "demo-snapshots"

    def load(*, customers: int, seed: int) -> None:
        demo_database(ctx, customers=customers, seed=seed, folder=folder)

    return load


@pytest.fixture
def session(ctx: AppContext) -> Iterator[Session]:
    with ctx.sessions() as s:
        yield s


ShopFactory = Callable[..., Shop]


@pytest.fixture
def make_shop(ctx: AppContext) -> ShopFactory:
    def factory(slug: str = "acme", **overrides: object) -> Shop:
        with ctx.sessions() as s, s.begin():
            return create_shop(session=s, clock=ctx.clock, slug=slug, **overrides)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    return make_shop("acme", name="Acme Coffee")


@pytest.fixture
def make_api_key(ctx: AppContext) -> Callable[[Shop], str]:
    def factory(for_shop: Shop) -> str:
        with ctx.sessions() as s, s.begin():
            return create_api_key(session=s, clock=ctx.clock, shop=s.merge(for_shop))

    return factory


@pytest.fixture
def make_staff(ctx: AppContext) -> Callable[..., str]:
    """Creates a staff user in a shop and returns their email; password is TEST_PASSWORD."""

    def factory(for_shop: Shop, email: str = "owner@acme.test", role: str = "owner") -> str:
        with ctx.sessions() as s, s.begin():
            create_user(
                session=s,
                clock=ctx.clock,
                shop=s.merge(for_shop),
                email=email,
                password=TEST_PASSWORD,
                role=role,
            )
        return email

    return factory


@pytest.fixture
def app_client(ctx: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(ctx)) as client:
        yield client


@pytest.fixture
def api(app_client: TestClient, shop: Shop, make_api_key: Callable[[Shop], str]) -> TestClient:
    """A client authenticated with an API key of `shop`."""
    app_client.headers["Authorization"] = f"Bearer {make_api_key(shop)}"
    return app_client
