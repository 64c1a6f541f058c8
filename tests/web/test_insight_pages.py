"""The overview dashboard, the segments page with the customer filters, the monthly review
and the CSV import page, through the staff UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.segments.service import recompute_segments
from careloop.shops.models import Shop
from tests.web.helpers import add_customer, add_order, csrf_from, sign_in


def _shop_with_orders(ctx: AppContext, shop: Shop) -> None:
    now = ctx.clock.now()
    add_customer(ctx, shop, "c1", name="Lan Nguyen", email="lan@example.com", tags=["vip"])
    add_customer(ctx, shop, "c2", name="Minh Tran", email="minh@example.com")
    add_order(ctx, shop, "c1", "o1", "400000", placed_at=now - timedelta(days=70))
    add_order(ctx, shop, "c1", "o2", "250000", placed_at=now - timedelta(days=5))
    add_order(ctx, shop, "c2", "o3", "100000", placed_at=now - timedelta(days=200))
    with ctx.sessions() as s, s.begin():
        recompute_segments(session=s, clock=ctx.clock, shop=s.merge(shop), with_clv=False)


def test_the_overview_shows_kpi_tiles_against_targets_and_the_charts(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _shop_with_orders(ctx, shop)
    page = sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    assert page.status_code == 200
    assert 'data-testid="kpi-nps"' in page.text and "Target ≥ 50" in page.text
    assert "Repeat purchase rate" in page.text
    assert 'data-chart="chart-revenue"' in page.text and "Returning customers" in page.text
    assert 'data-testid="cohort-heatmap"' in page.text
    assert "Recent activity" in page.text
    assert "<script>" not in page.text  # charts are JSON, never inline code


def test_the_overview_of_an_empty_shop_says_what_to_do(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop), shop, locale="vi")
    assert page.status_code == 200
    assert "Chưa có dữ liệu." in page.text
    assert "30 ngày qua so với mục tiêu" in page.text


def test_the_rfm_grid_counts_customers_and_a_cell_opens_them_in_the_customers_list(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _shop_with_orders(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    page = app_client.get("/segments")
    assert page.status_code == 200
    assert 'data-testid="rfm-grid"' in page.text
    assert "Provide ultimate VIP privileges" in page.text  # Champions' care strategy
    with ctx.sessions() as s:
        from careloop.segments.models import CustomerSegment

        lan = s.scalars(select(CustomerSegment)).all()
        row = next(r for r in lan if r.frequency == 2)
    cell = app_client.get(f"/customers?r={row.r_score}&f={row.f_score}")
    assert "Lan Nguyen" in cell.text and "Minh Tran" not in cell.text
    by_segment = app_client.get(f"/customers?segment={row.segment}")
    assert "Lan Nguyen" in by_segment.text and "Minh Tran" not in by_segment.text


def test_the_customers_list_filters_by_tag_and_consent(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _shop_with_orders(ctx, shop)
    add_customer(ctx, shop, "c3", name="Hoa Le", accepts_marketing=True)
    sign_in(app_client, ctx, make_staff(shop), shop)
    tagged = app_client.get("/customers?tag=VIP")
    assert "Lan Nguyen" in tagged.text and "Minh Tran" not in tagged.text
    granted = app_client.get("/customers?consent=email:granted")
    assert "Hoa Le" in granted.text and "Lan Nguyen" not in granted.text
    nobody = app_client.get("/customers?tier=gold")
    assert "No customers match these filters" in nobody.text


def test_the_monthly_review_is_shown_for_a_chosen_month_and_printable(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    _shop_with_orders(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    month = ctx.clock.now().strftime("%Y-%m")
    page = app_client.get(f"/reports?month={month}")
    assert page.status_code == 200
    assert f"After-sales review: Acme Coffee · {ctx.clock.now():%B %Y}" in page.text
    assert "KPIs against last month and targets" in page.text
    printable = app_client.get(f"/reports/print?month={month}")
    assert printable.text.startswith("<!doctype html>") and "@media print" in printable.text
    bad = app_client.get("/reports?month=2026-13")
    assert bad.status_code == 422 and "month: not a YYYY-MM month" in bad.text


def test_an_agent_imports_customers_from_a_csv_upload(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop, role="agent"), shop)
    csv = b"customer_id,name,email\nk1,Thu Pham,thu@example.com\nk2,Bao Vo,bao@example.com\n"
    done = app_client.post(
        "/import",
        data={"kind": "customers", "csrf_token": csrf_from(page)},
        files={"file": ("shop-customers.csv", csv, "text/csv")},
    )
    assert done.status_code == 200, done.text
    assert "Imported 2 row(s) (Customers) from shop-customers.csv" in done.text
    with ctx.sessions() as s:
        assert s.scalar(select(Customer.name).where(Customer.external_id == "k2")) == "Bao Vo"
        assert s.scalars(select(AuditEntry.action)).all() == ["import.completed"]


def test_a_bad_csv_shows_the_validation_report_by_line_and_imports_nothing(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop), shop)
    csv = b"customer_id,name,email\nk1,Thu,thu@example.com\nk2,Bao,not-an-email\n"
    answer = app_client.post(
        "/import",
        data={"kind": "customers", "csrf_token": csrf_from(page)},
        files={"file": ("bad.csv", csv, "text/csv")},
    )
    assert answer.status_code == 422
    assert "bad.csv, line 3, field email:" in answer.text
    assert "/tmp" not in answer.text and "careloop-import-" not in answer.text
    with ctx.sessions() as s:
        assert s.scalar(select(Customer.id)) is None
    no_file = app_client.post("/import", data={"kind": "customers", "csrf_token": csrf_from(page)})
    assert no_file.status_code == 422 and "choose a CSV file" in no_file.text


def test_a_viewer_cannot_import(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    page = sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    answer = app_client.post(
        "/import",
        data={"kind": "customers", "csrf_token": csrf_from(page)},
        files={"file": ("c.csv", b"customer_id\nk1\n", "text/csv")},
    )
    assert answer.status_code == 403
