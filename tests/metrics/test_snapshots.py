"""Staff pages show stored figure snapshots: a big shop's pages never compute while the
owner waits; stale figures are shown with their as-of time and refreshed in the background
or by the worker; settings changes and other shops never get someone else's figures."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.metrics import snapshots
from careloop.metrics.figures import OVERVIEW
from careloop.metrics.models import MetricSnapshot
from careloop.metrics.tasks import refresh_snapshots
from careloop.shops.models import Shop
from careloop.web.app import create_app
from tests.web.helpers import add_order, sign_in


@pytest.fixture
def first_order(ctx: AppContext, shop: Shop, clock: VirtualClock) -> None:
    add_order(ctx, shop, "A", "A-1", "100", placed_at=clock.now() - timedelta(days=1))


@pytest.fixture
def owner(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
    first_order: None,
) -> TestClient:
    """Signed in as the owner, having seen the overview once (with one order)."""
    overview = sign_in(app_client, ctx, make_staff(shop), shop)
    assert overview.status_code == 200  # the home page is requested when read
    return app_client


@pytest.fixture
def big_shop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shop counts as too big to recompute its figures during a request."""
    monkeypatch.setattr(snapshots, "SYNC_MAX_ORDERS", -1)


def orders_shown(page: str) -> int:
    found = re.search(r'data-testid="stat-orders".*?stat-value">([\d.,]+)<', page, re.S)
    assert found is not None, "no orders stat on the page"
    return int(found.group(1).replace(",", "").replace(".", ""))


def snapshot_of(ctx: AppContext, shop: Shop, key: str = OVERVIEW) -> MetricSnapshot | None:
    with ctx.sessions() as s:
        return s.scalars(
            select(MetricSnapshot).where(
                MetricSnapshot.shop_id == shop.id, MetricSnapshot.key == key
            )
        ).one_or_none()


def test_a_small_shop_sees_a_new_order_on_the_next_view(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    assert orders_shown(owner.get("/").text) == 1
    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))
    assert orders_shown(owner.get("/").text) == 2


def test_a_big_shop_is_shown_its_snapshot_without_computing_until_it_is_a_minute_behind(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    # Signing in showed the overview: the first view computed (there was no snapshot).
    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))

    page = owner.get("/").text

    assert orders_shown(page) == 1
    assert 'data-testid="computed-at"' in page
    assert 'data-testid="figures-refreshing"' not in page
    stored = snapshot_of(ctx, shop)
    assert stored is not None and stored.refresh_requested_at is None


def test_a_stale_snapshot_is_shown_at_once_and_refreshed_after_the_response(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))
    clock.advance(snapshots.MIN_REFRESH_GAP)

    stale = owner.get("/").text

    assert orders_shown(stale) == 1
    assert 'data-testid="figures-refreshing"' in stale
    # The test client runs the after-response refresh before it returns.
    fresh = owner.get("/").text
    assert orders_shown(fresh) == 2
    stored = snapshot_of(ctx, shop)
    assert stored is not None
    assert stored.computed_at == clock.now()
    assert stored.refresh_requested_at is None and stored.claimed_until is None


def test_the_worker_refreshes_figures_in_use_once_they_pass_their_freshness_window(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    assert refresh_snapshots(ctx) == 0  # fresh: nothing to do

    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))
    clock.advance(snapshots.FRESH_FOR)
    assert refresh_snapshots(ctx) == 1

    stored = snapshot_of(ctx, shop)
    assert stored is not None
    assert stored.payload["counts"]["orders"] == 2
    assert stored.computed_at == stored.data_as_of == clock.now()
    assert stored.compute_ms >= 0
    assert refresh_snapshots(ctx) == 0


def test_the_worker_leaves_figures_nobody_looked_at_for_a_day_alone(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    clock.advance(timedelta(days=2))
    assert refresh_snapshots(ctx) == 0


def test_a_settings_change_is_never_served_from_a_snapshot_of_the_old_settings(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))
    with ctx.sessions() as s, s.begin():
        row = s.get(Shop, shop.id)
        assert row is not None
        row.settings = {**(row.settings or {}), "kpi_targets": {"nps": 70}}

    assert orders_shown(owner.get("/").text) == 2


def test_a_time_zone_change_recomputes_the_monthly_review(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    owner.get("/reports?month=2026-10")
    before = snapshot_of(ctx, shop, "review:2026-10")
    with ctx.sessions() as s, s.begin():
        row = s.get(Shop, shop.id)
        assert row is not None
        row.timezone = "Asia/Shanghai"
    clock.advance(timedelta(seconds=1))

    owner.get("/reports?month=2026-10")

    after = snapshot_of(ctx, shop, "review:2026-10")
    assert before is not None and after is not None
    assert after.fingerprint != before.fingerprint
    assert after.computed_at == clock.now()


def test_the_owner_can_refresh_figures_now(
    owner: TestClient, ctx: AppContext, shop: Shop, clock: VirtualClock, big_shop: None
) -> None:
    page = owner.get("/").text
    assert 'data-testid="figures-refresh"' in page
    add_order(ctx, shop, "B", "B-1", "100", placed_at=clock.now() - timedelta(hours=1))
    assert orders_shown(owner.get("/").text) == 1

    done = owner.post(
        "/figures/refresh",
        data={"key": "overview", "next": "/", "csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )

    assert done.status_code == 303
    assert done.headers["location"] == "/"
    assert orders_shown(owner.get("/").text) == 2


def test_refresh_now_needs_the_csrf_token_and_a_known_figure(owner: TestClient) -> None:
    no_token = owner.post("/figures/refresh", data={"key": "overview"}, follow_redirects=False)
    assert no_token.status_code == 403
    unknown = owner.post(
        "/figures/refresh",
        data={"key": "nonsense", "csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )
    assert unknown.status_code == 422
    assert "nonsense" in unknown.text
    elsewhere = owner.post(
        "/figures/refresh",
        data={"key": "overview", "next": "//evil.example/", "csrf_token": "test-csrf-token"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/"


def test_a_shop_never_sees_another_shops_snapshot(
    owner: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
    clock: VirtualClock,
) -> None:
    add_order(ctx, shop, "A", "A-2", "100", placed_at=clock.now() - timedelta(hours=2))
    assert orders_shown(owner.get("/").text) == 2
    other = make_shop("other", name="Other Shop")
    with TestClient(create_app(ctx)) as other_client:
        sign_in(other_client, ctx, make_staff(other, email="owner@other.test"), other)
        assert orders_shown(other_client.get("/").text) == 0
        other_client.post(
            "/figures/refresh",
            data={"key": "overview", "csrf_token": "test-csrf-token"},
            follow_redirects=False,
        )

    mine, theirs = snapshot_of(ctx, shop), snapshot_of(ctx, other)
    assert mine is not None and theirs is not None
    assert mine.payload["counts"]["orders"] == 2
    assert theirs.payload["counts"]["orders"] == 0
    assert mine.refresh_requested_at is None
