"""The community outbox's claim on PostgreSQL: a transaction-scoped row lock is the whole
lease (docs/decisions/0026, section "The community outbox").

A batch is decided and written in the transaction that locked it, and what it hands on (a
`messages` row) is sent later by channels' dispatch under the one queue's lease and fence.
So two workers must get disjoint batches without waiting, and a worker that dies mid-batch
must leave its rows due for the next one, with nothing half-written: PostgreSQL's
`SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL documentation, SELECT, "The Locking
Clause": "With SKIP LOCKED, any selected rows that cannot be immediately locked are
skipped") and the rollback of the dead worker's transaction give exactly that.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careloop.community.models import CommunitySend
from careloop.community.outbox import SendSpec, claim_due, queue_sends
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.conftest import PG_URL

from .factories import make_customer

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CARELOOP_TEST_DATABASE_URL)"),
]


def _queue_four(ctx: AppContext, shop: Shop) -> None:
    people = [make_customer(ctx, shop, f"Q{i}", with_order=False) for i in range(4)]
    with ctx.sessions() as s, s.begin():
        queue_sends(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            source="campaign",
            ref_id=1,
            template_key="community.campaign",
            kind="marketing",
            sends=[SendSpec(p.id, f"camp:1:{p.id}", {}) for p in people],
        )


def test_two_workers_claim_disjoint_outbox_batches_without_waiting(
    ctx: AppContext, shop: Shop
) -> None:
    _queue_four(ctx, shop)
    with ctx.sessions() as first, ctx.sessions() as second, first.begin(), second.begin():
        mine = {row.id for row in claim_due(first, ctx.clock.now(), 2)}
        theirs = {row.id for row in claim_due(second, ctx.clock.now(), 10)}
        assert len(mine) == 2 and len(theirs) == 2
        assert not mine & theirs


def test_a_worker_that_dies_mid_batch_leaves_its_outbox_rows_due_for_the_next(
    ctx: AppContext, shop: Shop
) -> None:
    _queue_four(ctx, shop)
    with ctx.sessions() as dying:
        dying.begin()
        claimed = claim_due(dying, ctx.clock.now(), 10)
        claimed_ids = sorted(row.id for row in claimed)
        for row in claimed:
            row.status = "sent"  # half of a decision, never committed
        dying.flush()
        dying.rollback()  # the worker's connection is gone: PostgreSQL rolls it back
    with ctx.sessions() as next_worker, next_worker.begin():
        again = claim_due(next_worker, ctx.clock.now(), 10)
        assert len(claimed_ids) == 4
        assert sorted(r.id for r in again) == claimed_ids
        assert {r.status for r in again} == {"pending"}
    with ctx.sessions() as s:
        assert set(s.scalars(select(CommunitySend.status))) == {"pending"}
