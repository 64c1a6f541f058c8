from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.db.engine import make_engine, make_session_factory
from careloop.loyalty.coupons import CouponRejected, issue_coupon, redeem_coupon
from careloop.loyalty.models import Coupon, CouponRedemption
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer

PROCESSES = 20


_start: Any = None


def _keep(start: object) -> None:
    global _start
    _start = start


def redeem_in_process(url: str, shop_id: int, code: str, n: int) -> str:
    """One competing client in its own process with its own connection."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = VirtualClock(datetime(2026, 11, 2, 4, 0, tzinfo=UTC))
    _start.wait()  # all 20 go at once
    try:
        with sessions() as s, s.begin():
            shop = s.get(Shop, shop_id)
            assert shop is not None
            redeem_coupon(
                session=s,
                clock=clock,
                shop=shop,
                code=code,
                customer=None,
                order_ref=f"O-{n}",
                source="api",
            )
        return "won"
    except CouponRejected:
        return "lost"
    finally:
        engine.dispose()


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("CARELOOP_TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_twenty_processes_redeeming_one_single_use_coupon_succeed_exactly_once(
    ctx: AppContext, shop: Shop, db_url: str
) -> None:
    make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        code = issue_coupon(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=None,
            percent_off=50,
            reason="launch",
            idempotency_key="shared-once",
        ).code
    # fork: the children start with everything imported (spawning 20 interpreters costs
    # minutes on a busy 2-core machine); the parent's pooled connections are closed first
    # so no child inherits a live one.
    ctx.engine.dispose()
    forked = multiprocessing.get_context("fork")
    start = forked.Barrier(PROCESSES)
    with forked.Pool(PROCESSES, initializer=_keep, initargs=(start,)) as pool:
        results = pool.starmap(
            redeem_in_process, [(db_url, shop.id, code, n) for n in range(PROCESSES)]
        )
    assert sorted(results).count("won") == 1
    assert results.count("lost") == PROCESSES - 1
    with ctx.sessions() as s:
        assert s.scalar(select(Coupon.used_count).where(Coupon.code == code)) == 1
        assert s.scalar(select(func.count()).select_from(CouponRedemption)) == 1
