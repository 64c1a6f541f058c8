"""Messages rendered and delivered per second through Careloop's channels, against the raw
receive rate of the same local servers in the same run (the limit).

    .venv/bin/python bench/channels.py [--n 300]

SMTP: an aiosmtpd server; raw = smtplib sending pre-built mails on one connection.
HTTP: a local eSMS-shaped JSON endpoint; raw = httpx posting the same body on one client.
Careloop = enqueue (render the template for the customer) + dispatch (claim, sign links,
send, record status and timeline) on a SQLite database."""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import socket
import tempfile
import threading
import time
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from careloop.channels.dispatch import dispatch_due
from careloop.channels.service import enqueue_message
from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.core.clock import SystemClock
from careloop.core.settings import Settings
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.db.engine import make_engine
from careloop.db.migrate import upgrade
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.shops.service import create_shop


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_http() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The headers and the body are two writes: with Nagle on, the body waits for the
        # client's delayed ACK (~40 ms a request), which measured the kernel, not the limit.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            data = json.dumps({"CodeResult": "100", "SMSID": body.get("RequestId", "")}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def raw_smtp(port: int, n: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for i in range(n):
            msg = EmailMessage()
            msg["Subject"] = f"Cảm ơn bạn {i}"
            msg["From"] = "hello@acme.test"
            msg["To"] = f"c{i}@example.com"
            msg.set_content("Xin chào")
            msg.add_alternative("<p>Xin chào</p>", subtype="html")
            conn.send_message(msg)
    return n / (time.perf_counter() - start)


def raw_http(base: str, n: int) -> float:
    url = f"{base}/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    start = time.perf_counter()
    with httpx.Client() as client:
        for i in range(n):
            client.post(
                url, json={"Phone": "84901234567", "Content": "Xin chào", "RequestId": str(i)}
            )
    return n / (time.perf_counter() - start)


def setup(n: int, port: int, http_base: str) -> AppContext:
    path = Path(tempfile.mkdtemp()) / "bench.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    ctx = AppContext(
        settings=Settings(database_url=url, secret_key="bench"), clock=SystemClock(), engine=engine
    )
    with ctx.sessions() as s, s.begin():
        for slug, channel, provider, values in (
            (
                "mail",
                "email",
                None,
                {
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "from_address": "hello@acme.test",
                },
            ),
            ("text", "sms", "esms", {"api_key": "k", "secret_key": "s", "base_url": http_base}),
        ):
            shop = create_shop(session=s, clock=ctx.clock, slug=slug, name=f"Shop {slug}")
            set_channel_settings(
                session=s,
                clock=ctx.clock,
                shop=shop,
                channel=channel,
                provider=provider,
                values=values,
            )
            for i in range(n):
                upsert_order(
                    session=s,
                    clock=ctx.clock,
                    shop=shop,
                    data=OrderIn(
                        order_id=f"O{i}",
                        customer_id=f"C{i}",
                        placed_at=ctx.clock.now(),
                        total=Decimal(180000),
                        lines=[
                            OrderLineIn(
                                sku="CF", product_name="Cà phê 500g", unit_price=Decimal(180000)
                            )
                        ],
                    ),
                )
                upsert_customer(
                    session=s,
                    clock=ctx.clock,
                    shop=shop,
                    data=CustomerIn(
                        customer_id=f"C{i}",
                        name=f"Nguyễn Văn {i}",
                        email=f"c{i}@example.com",
                        phone="+84901234567",
                        locale="vi",
                    ),
                )
    return ctx


def careloop_rate(ctx: AppContext, slug: str, channel: str, n: int) -> float:
    from sqlalchemy import select

    from careloop.customers.models import Customer
    from careloop.shops.models import Shop

    start = time.perf_counter()
    with ctx.sessions() as s, s.begin():
        shop = s.scalars(select(Shop).where(Shop.slug == slug)).one()
        for customer in s.scalars(select(Customer).where(Customer.shop_id == shop.id)):
            enqueue_message(
                session=s,
                clock=ctx.clock,
                shop=shop,
                customer=customer,
                channels=[channel],
                template_key="golden_hours.usage_guide",
                kind="transactional",
                context={},
                idempotency_key=f"bench:{customer.id}",
            )
    done = 0
    while done < n:
        handled = dispatch_due(ctx, limit=100)
        if handled == 0:
            break
        done += handled
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    n = parser.parse_args().n
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    server, base = start_http()
    try:
        ctx = setup(n, port, base)
        smtp_raw = raw_smtp(port, n)
        smtp_ours = careloop_rate(ctx, "mail", "email", n)
        http_raw = raw_http(base, n)
        http_ours = careloop_rate(ctx, "text", "sms", n)
    finally:
        controller.stop()
        server.shutdown()
    print(f"channels (sqlite, n={n}, {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f})")
    print(f"{'target':<22}{'raw msg/s':>12}{'careloop msg/s':>16}{'ratio':>8}")
    for name, raw, ours in (
        ("SMTP (aiosmtpd)", smtp_raw, smtp_ours),
        ("HTTP (eSMS-shaped)", http_raw, http_ours),
    ):
        print(f"{name:<22}{raw:>12.0f}{ours:>16.0f}{ours / raw:>8.2f}")


if __name__ == "__main__":
    main()
