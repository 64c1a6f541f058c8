"""A worker that dies or stalls mid-dispatch: what the next worker does with its message."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.channels.dispatch import LEASE_ENV, claim_one, lease_seconds
from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders, Inbox
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, history, message

ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"


def _smtp(ctx: AppContext, shop: Shop, port: int) -> None:
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none", from_address="a@b.test"
    )


def _die_after(ctx: AppContext, status: str) -> None:
    """A worker claims the due message and dies; `status` is how far it got."""
    with ctx.sessions() as s, s.begin():
        claimed = claim_one(s, now=ctx.clock.now(), owner="doomed")
        assert claimed is not None
        claimed[0].status = status


def test_a_message_claimed_by_a_worker_that_died_before_sending_is_sent_once_later(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["email"], kind="transactional")
    _die_after(ctx, "claimed")

    assert dispatch(ctx) == 0  # still leased to the dead worker
    ctx.clock.advance(timedelta(seconds=lease_seconds() + 1))  # type: ignore[attr-defined]
    assert dispatch(ctx) == 1
    assert len(inbox.messages) == 1 and message(ctx, message_id).status == "sent"


def test_an_email_in_flight_when_its_worker_died_is_not_resent_but_flagged_for_staff(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["email", "sms"], kind="transactional")
    _die_after(ctx, "sending")

    ctx.clock.advance(timedelta(seconds=lease_seconds() + 1))  # type: ignore[attr-defined]
    dispatch(ctx)
    ctx.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    assert dispatch(ctx) == 0

    assert inbox.messages == []
    flagged = message(ctx, message_id)
    assert (flagged.status, flagged.channel, flagged.next_attempt_at) == (
        "maybe_sent",
        "email",
        None,
    )
    assert history(ctx, message_id)[-1][0] == "maybe_sent"
    with ctx.sessions() as s:
        event = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "message.maybe_sent")
        ).one()
    assert event.customer_id == customer.id and event.payload["message_id"] == message_id


def test_an_sms_in_flight_when_its_worker_died_is_resent_with_the_same_request_id(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    fake, base = providers
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", base_url=base, allow_private=True
    )
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms"], kind="transactional")
    _die_after(ctx, "sending")

    ctx.clock.advance(timedelta(seconds=lease_seconds() + 1))  # type: ignore[attr-defined]
    dispatch(ctx)

    (request,) = [r for r in fake.requests if r.path == ESMS_PATH]
    sent = message(ctx, message_id)
    assert json.loads(request.body)["RequestId"] == sent.dedup_id and sent.status == "sent"


def test_the_channel_lease_comes_from_the_environment(
    ctx: AppContext, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = make_customer(ctx, shop)
    enqueue(ctx, shop, customer.id, channels=["email"], kind="transactional")
    monkeypatch.setenv(LEASE_ENV, "7")
    with ctx.sessions() as s, s.begin():
        claimed = claim_one(s, now=ctx.clock.now(), owner="w")
        assert claimed is not None
        assert claimed[0].lease_until == ctx.clock.now() + timedelta(seconds=7)
    monkeypatch.setenv(LEASE_ENV, "soon")
    with pytest.raises(ValidationFailed) as caught:
        lease_seconds()
    assert LEASE_ENV in str(caught.value.errors[0].field)


def test_claims_take_one_message_at_a_time(ctx: AppContext, shop: Shop) -> None:
    for n in range(3):
        customer = make_customer(ctx, shop, f"C{n}", email=f"c{n}@example.com")
        enqueue(ctx, shop, customer.id, channels=["email"], kind="transactional", key=f"k{n}")
    with ctx.sessions() as s, s.begin():
        claimed = claim_one(s, now=ctx.clock.now(), owner="w")
        assert claimed is not None
    with ctx.sessions() as s:
        statuses = sorted(s.scalars(select(Message.status)))
    assert statuses == ["claimed", "queued", "queued"]
