"""Templates are read once per transaction and providers outlive a worker pass; neither may
serve stale wording or a dead connection."""

from __future__ import annotations

from aiosmtpd.controller import Controller
from sqlalchemy import select

from careloop.channels.models import Message, MessageTemplate
from careloop.channels.service import enqueue_message
from careloop.channels.tasks import dispatch as worker_dispatch
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox, free_port
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, message


def _override(ctx: AppContext, shop: Shop, text: str) -> None:
    with ctx.sessions() as s, s.begin():
        row = s.scalar(
            select(MessageTemplate).where(
                MessageTemplate.shop_id == shop.id, MessageTemplate.template_key == "shop.note"
            )
        )
        if row is None:
            row = MessageTemplate(
                shop_id=shop.id,
                template_key="shop.note",
                channel="email",
                locale="vi",
                subject="Chào {{ customer.first_name }}",
                body_html="",
                data={},
                updated_at=ctx.clock.now(),
            )
            s.add(row)
        row.body_text = text
        row.updated_at = ctx.clock.now()


def _smtp(ctx: AppContext, shop: Shop, port: int) -> None:
    configure(
        ctx,
        shop,
        "email",
        host="127.0.0.1",
        port=port,
        security="none",
        from_address="care@acme.test",
    )


def test_an_edited_template_is_what_the_next_email_says(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    _override(ctx, shop, "Bản cũ cho {{ customer.first_name }}")
    enqueue(ctx, shop, customer.id, template_key="shop.note", channels=["email"], key="a")
    dispatch(ctx)

    _override(ctx, shop, "Bản mới cho {{ customer.first_name }}")
    enqueue(ctx, shop, customer.id, template_key="shop.note", channels=["email"], key="b")
    dispatch(ctx)

    texts = [str(mail.get_body(preferencelist=("plain",)).get_content()) for mail in inbox.messages]  # type: ignore[union-attr]
    assert [t.strip() for t in texts] == ["Bản cũ cho Mai", "Bản mới cho Mai"]


def test_a_template_edited_in_the_same_transaction_renders_its_new_wording(
    ctx: AppContext, shop: Shop
) -> None:
    customer_id = make_customer(ctx, shop).id
    _override(ctx, shop, "Một")
    with ctx.sessions() as s, s.begin():
        customer = s.get_one(Customer, customer_id)
        first = enqueue_message(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=customer,
            channels=["email"],
            template_key="shop.note",
            kind="transactional",
            context={},
            idempotency_key="one",
        )
        row = s.scalars(select(MessageTemplate)).one()
        row.body_text = "Hai"
        second = enqueue_message(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=customer,
            channels=["email"],
            template_key="shop.note",
            kind="transactional",
            context={},
            idempotency_key="two",
        )
        assert first is not None and second is not None
        assert (first.body_text, second.body_text) == ("Một", "Hai")


def test_the_worker_reconnects_when_the_smtp_server_dropped_its_idle_connection(
    ctx: AppContext, shop: Shop
) -> None:
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    first = enqueue(ctx, shop, customer.id, channels=["email"], key="first")
    assert worker_dispatch(ctx) == 1
    # The server restarts between two passes: the connection the worker kept is dead.
    server.stop()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        second = enqueue(ctx, shop, customer.id, channels=["email"], key="second")
        assert worker_dispatch(ctx) == 1
    finally:
        server.stop()

    assert len(inbox.messages) == 2
    assert message(ctx, first).status == "sent"
    assert message(ctx, second).status == "sent"  # not maybe_sent: nothing had left


def test_a_pass_claims_messages_in_batches_and_sends_each_once(
    ctx: AppContext, shop: Shop, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    _smtp(ctx, shop, port)
    customer = make_customer(ctx, shop)
    ids = [enqueue(ctx, shop, customer.id, channels=["email"], key=f"k{n}") for n in range(23)]

    assert dispatch(ctx) == 23

    assert len(inbox.messages) == 23
    with ctx.sessions() as s:
        statuses = set(s.scalars(select(Message.status).where(Message.id.in_(ids))))
    assert statuses == {"sent"}
