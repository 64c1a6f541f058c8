"""Campaign preview speed: audience resolution plus one contact-policy decision per customer,
against a raw SELECT of the same customers in the same run. Then the nightly ambassador rule
(contribution counts over a year of timeline, naming the top 20 with their codes) against a
raw GROUP BY of the same events.

    .venv/bin/python bench/community.py [--customers 100000]   (CARELOOP_DATABASE_URL to use
    PostgreSQL; default a fresh SQLite file in bench/out/)

Half the customers are Champions, a third have a recent marketing message (so caps are
counted), some have opted out; one in ten has community contributions (UGC, reviews, events
attended, group activity) on the timeline. Prints customers/s for both and the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import fresh_sqlite, rate, stopwatch
from sqlalchemy import func, insert, select

from careloop.channels.models import Message
from careloop.community.audience import parse_audience, resolve_audience
from careloop.community.contact import forecast
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.settings import Settings
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.db.engine import make_engine, transaction
from careloop.db.migrate import upgrade
from careloop.segments.models import CustomerSegment
from careloop.shops.service import create_shop

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _rows(shop_id: int, n: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    customers, segments, consents, messages = [], [], [], []
    for i in range(1, n + 1):
        customers.append(
            {
                "id": i,
                "shop_id": shop_id,
                "external_id": f"C{i}",
                "name": f"Customer {i}",
                "email": f"c{i}@example.com",
                "phone": f"+8490{i:07d}",
                "tags": [],
                "referral_code": f"R{i:08d}",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        seg = "champions" if i % 2 else rng.choice(["loyal", "at_risk", "lost"])
        segments.append(
            {
                "shop_id": shop_id,
                "customer_id": i,
                "segment": seg,
                "r_score": 5,
                "f_score": 5,
                "m_score": 5,
                "recency_days": 3,
                "frequency": 3,
                "monetary_minor": 1,
                "entered_at": NOW,
                "computed_at": NOW,
            }
        )
        if i % 7 == 0:
            consents.append(
                {
                    "shop_id": shop_id,
                    "customer_id": i,
                    "channel": "sms",
                    "state": "denied",
                    "changed_at": NOW,
                    "source": "bench",
                }
            )
        if i % 3 == 0:
            messages.append(
                {
                    "shop_id": shop_id,
                    "customer_id": i,
                    "channel": "sms",
                    "kind": "marketing",
                    "template_key": "cross_sell.suggestion",
                    "locale": "vi",
                    "subject": "",
                    "body_text": "",
                    "body_html": "",
                    "rendered": {},
                    "idempotency_key": f"b:{i}",
                    "status": "sent",
                    "dedup_id": secrets.token_hex(16),
                    "attempts": 1,
                    "fence": 0,
                    "channel_chain": ["sms"],
                    "chain_index": 0,
                    "created_at": NOW - timedelta(days=rng.randint(0, 20)),
                }
            )
    return {
        "customers": customers,
        "segments": segments,
        "consents": consents,
        "messages": messages,
        "timeline": _contributions(shop_id, n, rng),
    }


CONTRIBUTIONS = ("ugc.recorded", "review.posted", "event.attended", "community.activity")


def _contributions(shop_id: int, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """One customer in ten contributed 1-6 times over the last year."""
    rows = []
    for i in range(10, n + 1, 10):
        for _ in range(rng.randint(1, 6)):
            at = NOW - timedelta(days=rng.uniform(0, 360))
            rows.append(
                {
                    "shop_id": shop_id,
                    "customer_id": i,
                    "type": rng.choice(CONTRIBUTIONS),
                    "occurred_at": at,
                    "recorded_at": at,
                    "source": "bench",
                    "payload": {},
                    "summary": "",
                    "history": True,
                }
            )
    return rows


def seed(ctx: AppContext, n: int) -> int:
    rng = random.Random(7)
    with transaction(ctx.sessions) as s:
        shop = create_shop(session=s, clock=ctx.clock, slug="bench")
        shop_id = shop.id
    rows = _rows(shop_id, n, rng)
    with ctx.engine.begin() as conn:
        for table, key in (
            (Customer.__table__, "customers"),
            (CustomerSegment.__table__, "segments"),
            (Consent.__table__, "consents"),
            (Message.__table__, "messages"),
            (TimelineEvent.__table__, "timeline"),
        ):
            data = rows[key]
            for start in range(0, len(data), 5000):
                conn.execute(insert(table), data[start : start + 5000])  # type: ignore[arg-type]
    return shop_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("CARELOOP_DATABASE_URL") or f"sqlite:///{fresh_sqlite('community.db')}"
    engine = make_engine(url)
    upgrade(engine)
    ctx = AppContext(settings=Settings(database_url=url), clock=VirtualClock(NOW), engine=engine)
    with stopwatch() as w:
        shop_id = seed(ctx, args.customers)
    print(f"seeded {args.customers:,} customers in {w.seconds:.1f} s")

    audience = parse_audience({"segments": ["champions", "loyal"]})
    with ctx.sessions() as s, stopwatch() as raw:
        ids = [
            int(cid)
            for (cid,) in s.execute(
                select(Customer.id)
                .join(CustomerSegment, CustomerSegment.customer_id == Customer.id)
                .where(
                    Customer.shop_id == shop_id,
                    CustomerSegment.segment.in_(["champions", "loyal"]),
                )
            )
        ]
    with ctx.sessions() as s, stopwatch() as full:
        from careloop.shops.models import Shop

        shop = s.get(Shop, shop_id)
        assert shop is not None
        resolved = resolve_audience(session=s, shop_id=shop_id, audience=audience)
        result = forecast(s, shop, resolved, "marketing", NOW)
    assert len(resolved) == len(ids), (len(resolved), len(ids))
    print(f"audience: {len(resolved):,} customers; forecast {result.as_json()}")
    print(f"raw SELECT of the audience        {rate(len(ids), raw.seconds)}  ({raw.seconds:.2f} s)")
    print(
        f"resolve + policy decision each    {rate(len(resolved), full.seconds)}"
        f"  ({full.seconds:.2f} s)"
    )
    print(f"ratio (preview time / raw SELECT time): {full.seconds / raw.seconds:.1f}x")
    ambassador_rule(ctx, shop_id)


def ambassador_rule(ctx: AppContext, shop_id: int) -> None:
    from careloop.community.ambassadors import refresh_ambassadors
    from careloop.shops.models import Shop

    with ctx.sessions() as s, stopwatch() as raw:
        counted = s.execute(
            select(TimelineEvent.customer_id, TimelineEvent.type, func.count())
            .where(TimelineEvent.shop_id == shop_id, TimelineEvent.type.in_(CONTRIBUTIONS))
            .group_by(TimelineEvent.customer_id, TimelineEvent.type)
        ).all()
    with transaction(ctx.sessions) as s, stopwatch() as rule:
        shop = s.get(Shop, shop_id)
        assert shop is not None
        result = refresh_ambassadors(session=s, clock=ctx.clock, shop=shop)
    print(f"ambassador rule: {len(counted):,} (customer, kind) counts; {len(result.named)} named")
    print(f"raw GROUP BY of contributions      ({raw.seconds:.2f} s)")
    print(f"rule: counts, score, name the top  ({rule.seconds:.2f} s)")
    print(f"ratio (rule time / raw GROUP BY time): {rule.seconds / max(raw.seconds, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
