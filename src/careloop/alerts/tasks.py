"""The worker's staff-alert pass: urgent items and the daily digest, on the clock."""

from __future__ import annotations

from careloop.alerts.service import alert_shops
from careloop.channels.base import Provider
from careloop.channels.models import ChannelSettings
from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.worker import register_task


@register_task("alerts.staff")
def staff_alerts(ctx: AppContext) -> int:
    from careloop.channels.dispatch import default_provider

    def provider_for(row: ChannelSettings) -> Provider:
        # The same providers customer messages use (Zalo tokens refreshed in the database).
        return default_provider(ctx, row)

    with transaction(ctx.sessions) as session:
        return alert_shops(session, ctx.clock, ctx.settings.base_url, provider_for)
