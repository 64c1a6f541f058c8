"""Operational endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from sqlalchemy import text

from careloop.web.deps import Ctx

router = APIRouter(tags=["ops"])
STARTED = time.time()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(ctx: Ctx, response: Response) -> dict[str, str]:
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not ready"
        response.status_code = 503
        return {"status": "unavailable", "database": type(exc).__name__}
    return {"status": "ready"}


@router.get("/metrics")
def metrics(ctx: Ctx) -> Response:
    counts = ctx.request_counts
    lines = [
        "# HELP careloop_uptime_seconds Seconds since the process started.",
        "# TYPE careloop_uptime_seconds gauge",
        f"careloop_uptime_seconds {time.time() - STARTED:.0f}",
        "# HELP careloop_http_requests_total HTTP requests by method and status class.",
        "# TYPE careloop_http_requests_total counter",
    ]
    for (method, status_class), n in sorted(counts.items()):
        lines.append(
            f'careloop_http_requests_total{{method="{method}",status="{status_class}"}} {n}'
        )
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
