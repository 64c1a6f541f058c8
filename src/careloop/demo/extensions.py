"""Other capabilities' demo data, added after the core shop (customers, orders) is in.

To add yours, write `src/careloop/<cap>/demo.py` with

    def seed_demo(*, ctx, session, shop, rng: random.Random, now: datetime) -> None: ...

and name it in your capability's manifest: `demo_seeder="careloop.<cap>.demo:seed_demo"`
(careloop.bootstrap gathers them, in capability order, into DEMO_MODULES).
Each runs in its own transaction with its own `random.Random`, derived from the demo seed
and the module name, so adding one module does not change the data of another. A module
that fails is rolled back and reported; the rest of the demo shop stays. Timeline events
a module records are marked dispatched afterwards, like the core history.
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from careloop import bootstrap
from careloop.customers.models import TimelineEvent
from careloop.db.engine import transaction
from careloop.shops.models import Shop

if TYPE_CHECKING:
    from careloop.context import AppContext

# Module names; each module's `seed_demo` is the seeder.
DEMO_MODULES: list[str] = [ref.partition(":")[0] for ref in bootstrap.demo_seeders()]


class DemoSeeder(Protocol):
    def __call__(
        self,
        *,
        ctx: AppContext,
        session: Session,
        shop: Shop,
        rng: random.Random,
        now: datetime,
    ) -> None: ...


@dataclass(frozen=True)
class ExtensionResult:
    module: str
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def module_rng(seed: int, module: str) -> random.Random:
    """A generator of its own per module: str seeds hash with SHA-512, stable across runs."""
    return random.Random(f"careloop-demo:{seed}:{module}")


def mark_history_dispatched(session: Session, *, shop_id: int, now: datetime) -> None:
    """Demo events are history: journeys must not fire on them when the shop starts."""
    session.execute(
        update(TimelineEvent)
        .where(TimelineEvent.shop_id == shop_id, TimelineEvent.history.is_(False))
        .values(history=True)
    )


def run_extensions(
    ctx: AppContext,
    *,
    shop_id: int,
    seed: int,
    now: datetime,
    modules: Sequence[str] | None = None,
) -> list[ExtensionResult]:
    """Call each module's `seed_demo` in its own transaction, in list order."""
    results = []
    for name in DEMO_MODULES if modules is None else modules:
        started = time.perf_counter()
        error = None
        try:
            seeder: DemoSeeder = bootstrap.resolve(f"{name}:seed_demo")
            with transaction(ctx.sessions) as session:
                shop = session.get(Shop, shop_id)
                assert shop is not None
                seeder(ctx=ctx, session=session, shop=shop, rng=module_rng(seed, name), now=now)
                mark_history_dispatched(session, shop_id=shop_id, now=now)
        except Exception as exc:  # one module's bug must not sink the whole demo
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            error = f"{type(exc).__name__}: {exc}{where}"
        results.append(ExtensionResult(name, time.perf_counter() - started, error))
    return results
