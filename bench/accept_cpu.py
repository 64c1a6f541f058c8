"""CPU per request of the accept path, in-process (not a unit test).

    .venv/bin/python bench/accept_cpu.py [--requests 300] [--profile yappi|cprofile]

Sends `--requests` async API orders (`Prefer: respond-async`) and as many `GET /healthz`
through `httpx.ASGITransport` to `create_app` on a fresh SQLite file, and the same number of
requests to a bare FastAPI app with one route, with the same client: CPU milliseconds per
request (`time.process_time`, client included), so a change to the app can be measured on a
busy machine where wall time says little. With `--profile` it prints the top functions of
the async orders (yappi with the CPU clock sees the thread-pool threads too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _common import fresh_sqlite, uptime


def order_body(n: int) -> bytes:
    return json.dumps(
        {
            "order_id": f"CPU{n:07d}",
            "customer_id": f"C{n % 97}",
            "placed_at": "2026-09-01T02:00:00Z",
            "total": 160_000,
            "currency": "VND",
            "lines": [{"sku": "CF-ARABICA-500", "product_name": "Arabica", "unit_price": 0}],
        }
    ).encode()


async def timed(app: Any, requests: list[tuple[str, str, bytes, dict[str, str]]]) -> str:
    """CPU (and wall) ms per request of sending `requests` one after another to `app`."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        method, path, body, headers = requests[0]
        await client.request(method, path, content=body, headers=headers)  # warm up
        cpu, wall = time.process_time(), time.perf_counter()
        for method, path, body, headers in requests[1:]:
            response = await client.request(method, path, content=body, headers=headers)
            if response.status_code >= 300:
                raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = len(requests) - 1
        return f"{cpu / n * 1000:.2f} ms CPU ({wall / n * 1000:.2f} ms wall)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=("yappi", "cprofile"))
    args = parser.parse_args()

    from fastapi import FastAPI

    from careloop.context import build_context
    from careloop.core.clock import SystemClock
    from careloop.core.settings import Settings
    from careloop.db.engine import make_session_factory, transaction
    from careloop.db.migrate import upgrade
    from careloop.shops.service import create_api_key, create_shop
    from careloop.web.app import create_app

    url = f"sqlite:///{fresh_sqlite('accept-cpu.db')}"
    ctx = build_context(Settings(database_url=url))
    upgrade(ctx.engine)
    with transaction(make_session_factory(ctx.engine)) as session:
        shop = create_shop(
            session=session, clock=SystemClock(), slug=f"cpu-{uuid.uuid4().hex[:6]}", name="CPU"
        )
        key = create_api_key(session=session, clock=SystemClock(), shop=shop)
    app = create_app(ctx)
    bare = FastAPI()

    @bare.get("/healthz")
    def _healthz() -> dict[str, str]:
        return {"status": "ok"}

    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Prefer": "respond-async",
    }
    n = args.requests + 1
    orders = [("POST", "/api/v1/orders", order_body(i), headers) for i in range(n)]
    health = [("GET", "/healthz", b"", {})] * n

    print(f"accept CPU in-process ({n - 1} requests each; {uptime()})")
    print(f"  bare FastAPI /healthz     {asyncio.run(timed(bare, health))}")
    print(f"  Careloop /healthz         {asyncio.run(timed(app, health))}")
    if args.profile == "yappi":
        import yappi

        yappi.set_clock_type("cpu")
        yappi.start()
    elif args.profile == "cprofile":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    print(f"  Careloop async API order  {asyncio.run(timed(app, orders))}")
    if args.profile == "yappi":
        yappi.stop()
        yappi.get_func_stats().sort("ttot").print_all(
            columns={0: ("name", 90), 1: ("ncall", 8), 2: ("tsub", 8), 3: ("ttot", 8)}
        )
    elif args.profile == "cprofile":
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    ctx.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
