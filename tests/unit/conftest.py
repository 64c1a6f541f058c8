"""The fast unit tier: callers' own logic against in-memory ports, with no database.

Every test here is marked `unit` (run them alone with `pytest -m unit tests/unit`), and a
test that asks for a database fixture is refused at collection, so the tier stays fast.
`no_database` is a stand-in session that fails on any use: a test passing it proves the
code under test never touched a database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from careloop.core import ports
from careloop.loyalty.rewards_port import FakeRewards
from careloop.support.desk_port import FakeInsights, FakeStaffTasks, FakeSupportDesk

DATABASE_FIXTURES = frozenset({"db_url", "ctx", "session", "make_shop", "shop", "app_client"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/" not in item.nodeid.replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.unit)
        used = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if used:
            raise pytest.UsageError(
                f"{item.nodeid} asks for database fixture(s) {sorted(used)}: the unit tier "
                "runs without a database (put it in the capability's own test folder)"
            )


class NoDatabase:
    """A session that refuses every use."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the unit under test used the database (session.{name})")


@dataclass
class Fakes:
    rewards: FakeRewards
    tasks: FakeStaffTasks
    desk: FakeSupportDesk
    insights: FakeInsights


@pytest.fixture
def no_database() -> Any:
    return NoDatabase()


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    """Every port bound to its in-memory double (the root conftest rebinds the real ones)."""
    bound = Fakes(FakeRewards(), FakeStaffTasks(), FakeSupportDesk(), FakeInsights())
    ports.reset()
    ports.provide(ports.Rewards, bound.rewards)
    ports.provide(ports.StaffTasks, bound.tasks)
    ports.provide(ports.SupportDesk, bound.desk)
    ports.provide(ports.CustomerInsights, bound.insights)
    yield bound
    ports.reset()
