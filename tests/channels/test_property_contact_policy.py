"""Whatever the journeys and events, no marketing message reaches an opted-out channel or
goes over a cap."""

from __future__ import annotations

import itertools
from datetime import timedelta

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careloop.channels.models import Message
from careloop.channels.policy import (
    CUSTOMER_FREQUENCIES,
    ContactPolicy,
    Recipient,
    Sent,
    decide,
    zone,
)
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from careloop.shops.service import create_shop
from tests.conftest import START
from tests.journeys.conftest import World, add_templates

CHANNELS = ["email", "sms", "zalo"]
KINDS = ["marketing", "service", "transactional"]
EVENTS = ["order.delivered", "survey.answered", "app.visited"]
POLICY = ContactPolicy()
WINDOW = timedelta(days=POLICY.window_days)
_slugs = itertools.count()

consents = st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(["granted", "denied"]))
send_step = st.fixed_dictionaries(
    {
        "send": st.fixed_dictionaries(
            {
                "channels": st.one_of(
                    st.just("preferred"),
                    st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True),
                ),
                "template": st.just("test.note"),
                "kind": st.sampled_from(KINDS),
            }
        )
    }
)
wait_step = st.builds(lambda h: {"wait": {"duration": f"{h}h"}}, st.integers(0, 72))
journey = st.fixed_dictionaries(
    {
        "trigger": st.fixed_dictionaries({"event": st.sampled_from(EVENTS)}),
        "steps": st.lists(st.one_of(send_step, send_step, wait_step), min_size=1, max_size=6),
    }
)
event = st.tuples(st.sampled_from(EVENTS), st.integers(0, 24 * 20))


def check(messages: list[Message], denied: set[str], timezone: str) -> None:
    tz = zone(timezone)
    delivered = [m for m in messages if m.status not in ("suppressed", "deferred", "failed")]
    for m in delivered:
        if m.kind != "marketing":
            continue
        assert not denied & set(m.channel_chain), (m.channel_chain, denied)
        earlier = [o for o in delivered if o.id < m.id and o.kind in ("marketing", "service")]
        in_window = [o for o in earlier if o.created_at > m.created_at - WINDOW]
        assert len(in_window) < POLICY.max_per_window
        day = m.created_at.astimezone(tz).date()
        assert not [o for o in earlier if o.created_at.astimezone(tz).date() == day]


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    journeys=st.lists(journey, min_size=1, max_size=3),
    events=st.lists(event, min_size=1, max_size=6),
    consent=consents,
    preferred=st.sampled_from([None, *CHANNELS]),
    timezone=st.sampled_from(["Asia/Ho_Chi_Minh", "Europe/Paris", "America/New_York"]),
)
def test_no_marketing_message_reaches_an_opted_out_channel_or_exceeds_a_cap(
    ctx: AppContext,
    journeys: list[dict],  # type: ignore[type-arg]
    events: list[tuple[str, int]],
    consent: dict[str, str],
    preferred: str | None,
    timezone: str,
) -> None:
    clock = VirtualClock(START)
    ctx.clock = clock
    with ctx.sessions() as s, s.begin():
        shop: Shop = create_shop(session=s, clock=clock, slug=f"prop-{next(_slugs)}")
    add_templates(ctx, shop)
    world = World(ctx=ctx, clock=clock, shop=shop)
    for i, definition in enumerate(journeys):
        steps = [{"id": f"s{n}", **step} for n, step in enumerate(definition["steps"])]
        text = yaml.safe_dump({"key": f"j{i}", "name": f"J{i}", **definition, "steps": steps})
        world.install(text=text)
    customer = world.customer(
        "c1", consents=consent, preferred_channel=preferred, timezone=timezone
    )
    for type_, hour in sorted(events, key=lambda e: e[1]):
        world.run_until(START + timedelta(hours=hour))
        world.event(customer, type_, {"kind": "nps", "score": 9})
    world.run_until(START + timedelta(days=21))
    with ctx.sessions() as s:
        messages = list(s.query(Message).filter(Message.shop_id == shop.id).order_by(Message.id))
    check(messages, {c for c, v in consent.items() if v == "denied"}, timezone)


@settings(max_examples=300, deadline=None)
@given(
    requests=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 60 * 24 * 45), st.booleans()),
        max_size=40,
    ),
    consent=consents,
    timezone=st.sampled_from(["Asia/Ho_Chi_Minh", "Europe/Paris", "Pacific/Auckland"]),
    frequency=st.sampled_from(sorted(CUSTOMER_FREQUENCIES)),
)
def test_the_pure_policy_never_lets_marketing_past_consent_or_caps(
    requests: list[tuple[str, int, bool]], consent: dict[str, str], timezone: str, frequency: str
) -> None:
    who = Recipient(
        timezone=timezone, reachable=frozenset(CHANNELS), consents=consent, frequency=frequency
    )
    chosen = CUSTOMER_FREQUENCIES[frequency]
    history: list[Sent] = []
    denied = {c for c, v in consent.items() if v == "denied"}
    tz = zone(timezone)
    for kind, minute, preferred in sorted(requests, key=lambda r: r[1]):
        now = START + timedelta(minutes=minute)
        decision = decide(
            kind=kind,
            requested=["preferred"] if preferred else CHANNELS,
            recipient=who,
            history=history,
            policy=POLICY,
            now=now,
        )
        if decision.action != "send":
            assert decision.rule
            continue
        if kind == "marketing":
            assert frequency != "important"  # who asked for only what matters gets no promos
            assert not denied & set(decision.channels)
            counted = [h for h in history if h.kind != "transactional"]
            assert len([h for h in counted if h.at > now - WINDOW]) < POLICY.max_per_window
            assert not [
                h for h in counted if h.at.astimezone(tz).date() == now.astimezone(tz).date()
            ]
            local = now.astimezone(tz).time()
            assert not (local.hour >= 21 or local.hour < 8)
            if chosen is not None:
                # The customer's own "how often" is never exceeded either.
                most, days = chosen
                assert len([h for h in counted if h.at > now - timedelta(days=days)]) < most
        history.append(Sent(now, kind))
