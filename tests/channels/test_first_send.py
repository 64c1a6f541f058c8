"""The first message of a brand-new SQLite database goes out from `careloop worker --once`
alone (issue 23 item 4): the installation's signing secret used to be created on a second
connection while the dispatch transaction held SQLite's only write lock, so the first
dispatch waited out the busy timeout ("database is locked") on every pass."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.settings import Settings
from careloop.db.engine import make_engine
from careloop.db.migrate import upgrade
from careloop.db.secrets import InstanceSecret
from careloop.shops.service import create_shop
from tests.channels.conftest import Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, enqueue
from tests.cli_runner import careloop


def test_the_first_message_of_a_fresh_sqlite_database_goes_out_from_worker_once_alone(
    tmp_path: Path, clock: VirtualClock, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    ctx = AppContext(settings=Settings(database_url=db_url), clock=clock, engine=engine)
    with ctx.sessions() as s, s.begin():
        shop = create_shop(session=s, clock=clock, slug="first", name="First Shop")
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none", from_address="hi@f.test"
    )
    customer = make_customer(ctx, shop)
    enqueue(ctx, shop, customer.id, channels=["email"])
    with ctx.sessions() as s:
        assert s.scalar(select(InstanceSecret)) is None  # nothing has created it yet
    engine.dispose()

    worker = careloop(db_url, "worker", "--once", clock=clock)

    assert worker.returncode == 0, worker.stderr
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "mai@example.com"
