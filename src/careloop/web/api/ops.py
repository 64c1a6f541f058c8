"""Operational endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import time
from datetime import datetime
from functools import lru_cache

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import Connection, column, func, inspect, select, table
from sqlalchemy import text as sql

from careloop.context import AppContext
from careloop.db.base import UTCDateTime
from careloop.web.deps import Ctx

router = APIRouter(tags=["ops"])
# Wall time for the uptime gauge only; business time comes from ctx.clock.
STARTED = time.monotonic()
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
# Journey enrollments a worker should pick up (journeys.models.RUNNABLE).
RUNNABLE_ENROLLMENTS = ("active", "waiting")

_enrollments = table("journey_enrollments", column("status"), column("due_at", UTCDateTime()))
_messages = table(
    "messages", column("status"), column("channel"), column("next_attempt_at", UTCDateTime())
)


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions `careloop init` upgrades to (read once from the migration scripts)."""
    from alembic.script import ScriptDirectory

    from careloop.db.migrate import MIGRATIONS

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def applied_revisions(conn: Connection) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    return frozenset(MigrationContext.configure(conn).get_current_heads())


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (it does not look at the database)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": "Database unreachable or schema not at the newest revision"}},
)
def readyz(ctx: Ctx, response: Response) -> dict[str, str]:
    """Ready to serve: the database answers and its schema is at the newest migration."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(sql("SELECT 1"))
            applied = applied_revisions(conn)
    except Exception as exc:  # any database failure means "not ready"
        response.status_code = 503
        return {"status": "unavailable", "database": type(exc).__name__}
    missing = migration_heads() - applied
    if missing:
        response.status_code = 503
        return {
            "status": "migrations pending",
            "database": "ok",
            "detail": f"run `careloop init` (missing {', '.join(sorted(missing))})",
        }
    return {"status": "ready", "database": "ok"}


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {PROMETHEUS: {"schema": {"type": "string"}}}}},
)
def metrics(ctx: Ctx) -> Response:
    """Prometheus text format: requests, due-step lag, queue depth, send failures."""
    lines = [
        *_gauge("careloop_uptime_seconds", "Seconds since the process started.", "gauge"),
        f"careloop_uptime_seconds {time.monotonic() - STARTED:.0f}",
        *_gauge(
            "careloop_http_requests_total",
            "HTTP requests served by this process, by method and status class.",
            "counter",
        ),
    ]
    for (method, status_class), n in sorted(ctx.request_counts.items()):
        lines.append(
            f'careloop_http_requests_total{{method="{method}",status="{status_class}"}} {n}'
        )
    try:
        lines += _work_metrics(ctx)
        up = 1
    except Exception:  # metrics must answer even when the database does not
        up = 0
    lines += [*_gauge("careloop_database_up", "1 if the database answered.", "gauge")]
    lines.append(f"careloop_database_up {up}")
    return Response("\n".join(lines) + "\n", media_type=PROMETHEUS)


def _gauge(name: str, help_text: str, kind: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _work_metrics(ctx: AppContext) -> list[str]:
    """Due-step lag and queue depth from the journeys and channels tables, where they exist."""
    now = ctx.clock.now()
    lines: list[str] = []
    with ctx.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if "journey_enrollments" in tables:
            lines += _journey_metrics(conn, now)
        if "messages" in tables:
            lines += _message_metrics(conn, now)
    return lines


def _journey_metrics(conn: Connection, now: datetime) -> list[str]:
    due = _enrollments.c.status.in_(RUNNABLE_ENROLLMENTS) & (_enrollments.c.due_at <= now)
    count, oldest = conn.execute(
        select(func.count(), func.min(_enrollments.c.due_at)).where(due)
    ).one()
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return [
        *_gauge("careloop_journey_steps_due", "Journey steps due now and not yet run.", "gauge"),
        f"careloop_journey_steps_due {count}",
        *_gauge(
            "careloop_journey_due_lag_seconds",
            "How long the oldest due journey step has been waiting.",
            "gauge",
        ),
        f"careloop_journey_due_lag_seconds {lag:.0f}",
    ]


def _message_metrics(conn: Connection, now: datetime) -> list[str]:
    m = _messages.c
    queued = conn.execute(select(func.count()).where(m.status == "queued")).scalar_one()
    due = conn.execute(
        select(func.count()).where(
            m.status == "queued", (m.next_attempt_at <= now) | m.next_attempt_at.is_(None)
        )
    ).scalar_one()
    failed = conn.execute(
        select(m.channel, func.count()).where(m.status == "failed").group_by(m.channel)
    ).all()
    lines = [
        *_gauge("careloop_messages_queued", "Messages waiting to be sent.", "gauge"),
        f"careloop_messages_queued {queued}",
        *_gauge("careloop_messages_due", "Queued messages whose send time has come.", "gauge"),
        f"careloop_messages_due {due}",
        *_gauge(
            "careloop_messages_failed_total",
            "Messages that failed on every channel, by the last channel tried.",
            "counter",
        ),
    ]
    for channel, n in sorted(failed, key=lambda row: str(row[0])):
        lines.append(f'careloop_messages_failed_total{{channel="{channel or "none"}"}} {n}')
    return lines
