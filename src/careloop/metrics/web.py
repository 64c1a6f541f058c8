"""Snapshot figures for staff pages: read them, and refresh stale ones after the response."""

from __future__ import annotations

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.metrics.snapshots import Figures, read_figures, refresh_quietly
from careloop.shops.models import Shop


def page_figures(
    *, background: BackgroundTasks, session: Session, ctx: AppContext, shop: Shop, key: str
) -> Figures:
    """The figures `key` for a page; when they are behind, newer ones are computed after
    the response is sent (the worker does it too), never while the viewer waits."""
    figures = read_figures(session=session, clock=ctx.clock, shop=shop, key=key)
    if figures.refreshing:
        background.add_task(refresh_quietly, ctx.sessions, ctx.clock, shop.id, key)
    return figures
