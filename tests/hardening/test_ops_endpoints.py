"""/healthz, /readyz, Prometheus /metrics and structured JSON logs."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import IO

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.core.settings import Settings
from careloop.db.engine import make_engine
from careloop.logging import JsonFormatter
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.web.helpers import add_customer


def metric_lines(client: TestClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_metrics_count_requests_by_method_and_status_class(app_client: TestClient) -> None:
    app_client.get("/healthz")
    app_client.get("/api/v1/customers/nobody")  # 401: no key

    metrics = metric_lines(app_client)

    assert metrics['careloop_http_requests_total{method="GET",status="2xx"}'] >= 1
    assert metrics['careloop_http_requests_total{method="GET",status="4xx"}'] >= 1
    assert metrics["careloop_database_up"] == 1


def test_metrics_show_due_step_lag_queue_depth_and_failures_by_channel(
    ctx: AppContext, clock: VirtualClock, shop: Shop, app_client: TestClient
) -> None:
    from careloop.journeys.models import Journey, JourneyEnrollment
    from tests.channels.helpers import enqueue

    customer = add_customer(ctx, shop, "C1", email="lan@example.vn", accepts_marketing=True)
    now = clock.now()
    with ctx.sessions() as s, s.begin():
        journey = Journey(
            shop_id=shop.id,
            key="welcome",
            version=1,
            status="active",
            name="Welcome",
            definition={},
            source_text="",
            source_name="test",
            created_at=now,
            updated_at=now,
        )
        s.add(journey)
        s.flush()
        for minutes_late, status in ((90, "waiting"), (5, "active"), (-60, "waiting")):
            s.add(
                JourneyEnrollment(
                    shop_id=shop.id,
                    journey_id=journey.id,
                    journey_key="welcome",
                    customer_id=customer.id,
                    trigger_key=f"t{minutes_late}",
                    status=status,
                    step_id="s1",
                    due_at=now - timedelta(minutes=minutes_late),
                    context={},
                    fence=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    order = {"order": {"number": "#1", "items_text": "Arabica", "total": "100.000 ₫"}}
    for key in ("a", "b"):
        last = enqueue(
            ctx, shop, customer.id, channels=["email"], kind="transactional", key=key, context=order
        )
    with ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE messages SET status = 'failed', channel = 'email' WHERE id = :id"),
            {"id": last},
        )

    metrics = metric_lines(app_client)

    assert metrics["careloop_journey_steps_due"] == 2
    assert metrics["careloop_journey_due_lag_seconds"] == 90 * 60
    assert metrics["careloop_messages_queued"] == 1
    assert metrics['careloop_messages_failed_total{channel="email"}'] == 1


def test_readyz_is_ready_when_the_database_answers_at_the_newest_migration(
    app_client: TestClient,
) -> None:
    response = app_client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_is_503_when_migrations_are_pending(ctx: AppContext, app_client: TestClient) -> None:
    with ctx.engine.begin() as conn:
        heads = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": heads[0]})
    try:
        response = app_client.get("/readyz")
    finally:
        with ctx.engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": heads[0]})

    assert response.status_code == 503
    assert response.json()["status"] == "migrations pending"
    assert "careloop init" in response.json()["detail"]


def test_readyz_is_503_and_metrics_still_answer_when_the_database_is_unreachable(
    tmp_path: object, clock: VirtualClock
) -> None:
    url = "sqlite:////nonexistent-dir/careloop.db"
    ctx = AppContext(
        settings=Settings(database_url=url, secret_key="x"), clock=clock, engine=make_engine(url)
    )
    with TestClient(create_app(ctx)) as client:
        ready = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
        metrics = metric_lines(client)

    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert metrics["careloop_database_up"] == 0


def test_the_json_formatter_writes_one_object_per_line_with_extra_fields() -> None:
    record = logging.LogRecord(
        "careloop.worker", logging.WARNING, "x.py", 1, "sent %s", ("m1",), None
    )
    record.shop_id = 7

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "warning"
    assert entry["logger"] == "careloop.worker"
    assert entry["message"] == "sent m1"
    assert entry["shop_id"] == 7
    assert entry["time"].endswith("+00:00")


def test_the_json_formatter_includes_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "careloop", logging.ERROR, "x.py", 1, "failed", None, sys.exc_info()
        )
    entry = json.loads(JsonFormatter().format(record))

    assert "ValueError: boom" in entry["exception"]


def test_careloop_serve_logs_json_lines_when_asked(db_url: str) -> None:
    """The real `careloop serve` process. It is waited for by its own "Uvicorn running"
    log line (uvicorn logs it once the socket listens), not by polling /healthz: on a busy
    machine a poll loop's bound ran out, and its requests took CPU from the starting server
    (its start alone took over two minutes on a loaded 2-core machine)."""
    port = free_port()
    env = {**os.environ, "CARELOOP_DATABASE_URL": db_url, "CARELOOP_LOG_FORMAT": "json"}
    server = subprocess.Popen(
        [sys.executable, "-m", "careloop.cli", "serve", "--no-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Only a bound for a server that never starts (it is killed, its stderr ends and the
    # test fails below), not part of the wait.
    watchdog = threading.Timer(STARTUP_BOUND_SECONDS, server.kill)
    watchdog.start()
    try:
        assert server.stderr is not None
        started = list(_lines_until_running(server.stderr))
        assert started and "Uvicorn running" in started[-1], "".join(started)[-2000:]
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=60).status_code == 200
    finally:
        watchdog.cancel()
        server.terminate()
        _out, rest = server.communicate(timeout=60)
    err = "".join(started) + rest
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert access and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any("/healthz" in e["message"] for e in access)


STARTUP_BOUND_SECONDS = 600


def _lines_until_running(stream: IO[str]) -> Iterator[str]:
    """The server's log lines up to and including uvicorn's "running" line (or to its end,
    if it exits first)."""
    for line in stream:
        yield line
        if line.startswith("{") and "Uvicorn running" in line:
            return


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
