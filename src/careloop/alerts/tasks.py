"""The worker's staff-alert pass: urgent items and the daily digest, on the clock."""

from __future__ import annotations

from careloop.alerts.service import alert_shops
from careloop.context import AppContext
from careloop.db.engine import transaction


def staff_alerts(ctx: AppContext) -> int:
    with transaction(ctx.sessions) as session:
        return alert_shops(session, ctx.clock, ctx.settings.base_url)
