"""A shop's own care data reaches its customers: products imported by CSV give a tea buyer
and a water-filter buyer each their own Day 3 guide and replenishment date, sent through a
real SMTP server; a product the catalogue knows nothing about gets the general guide."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from careloop.channels.tasks import dispatch
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.imports import run_import
from careloop.journeys import tasks
from careloop.shops.models import Shop
from tests.channels.conftest import Inbox
from tests.channels.helpers import configure
from tests.journeys.factories import install_playbook, run_journeys

TEA_GUIDE_VI = "Tráng ấm bằng nước sôi, pha 5 g trà với 150 ml nước 90°C, hãm 40 giây."
TEA_GUIDE_EN = "Rinse the pot, brew 5 g with 150 ml of water at 90°C for 40 seconds."
FILTER_GUIDE_VI = "Xả nước 5 phút trước lần dùng đầu; thay lõi lọc thô mỗi 6 tháng."
FILTER_GUIDE_EN = (
    "Run the tap for 5 minutes before first use; change the sediment cartridge every 6 months."
)
PRODUCTS_CSV = (
    "\ufeffsku,name,category,price,usage_days,warranty_months,maintenance_interval_days,"
    "care_guide_vi,care_guide_en,care_guide_url_en,related_skus\n"
    f'OOLONG-200,Trà Ô Long 200g,tea,"185.000",30,,,"{TEA_GUIDE_VI}","{TEA_GUIDE_EN}",,TEA-CUP\n'
    f'FILTER-RO,Máy lọc nước RO,water filter,"5.990.000",180,12,90,"{FILTER_GUIDE_VI}",'
    f'"{FILTER_GUIDE_EN}",https://acme.test/guides/ro,FILTER-CORE\n'
)
# Phrases of the old one-size-fits-all guide that are wrong for tea (issue 18).
WRONG_FOR_TEA = ("clean it gently", "Vệ sinh nhẹ nhàng", "Clean it gently")


def _smtp(ctx: AppContext, shop: Shop, port: int) -> None:
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none",
        from_address="hello@acme.test", from_name="Acme",
    )  # fmt: skip


def _customer(api: TestClient, ref: str, name: str, email: str, locale: str) -> None:
    body = {"customer_id": ref, "name": name, "email": email, "locale": locale}
    assert api.post("/api/v1/customers", json=body).status_code == 200


def _delivered_order(api: TestClient, clock: VirtualClock, ref: str, customer: str, sku: str):  # type: ignore[no-untyped-def]
    now = clock.now()
    body = {
        "order_id": ref,
        "customer_id": customer,
        "placed_at": (now - timedelta(days=2)).isoformat(),
        "delivered_at": now.isoformat(),
        "status": "delivered",
        "total": "185000",
        "lines": [{"sku": sku, "product_name": sku, "quantity": 1, "unit_price": "185000"}],
    }
    response = api.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text


def _mails_to(inbox: Inbox, address: str, subject_part: str = "") -> list[str]:
    found = []
    for mail in inbox.messages:
        if address in str(mail["To"]) and subject_part in str(mail["Subject"]):
            body = mail.get_body(preferencelist=("plain",))
            assert body is not None
            found.append(f"{mail['Subject']}\n{body.get_content()}")
    return found


def _until(ctx: AppContext, clock: VirtualClock, moment: datetime) -> None:
    """Move the clock to `moment`, letting scans, journeys and sends run on the way."""
    while clock.now() < moment:
        clock.set(min(moment, clock.now() + timedelta(hours=6)))
        tasks.scan_dates(ctx)
        run_journeys(ctx)
        dispatch(ctx)


def _shop_with_catalogue(ctx: AppContext, shop: Shop, tmp_path: Path, port: int) -> None:
    _smtp(ctx, shop, port)
    csv = tmp_path / "products.csv"
    csv.write_text(PRODUCTS_CSV, encoding="utf-8")
    summary = run_import(ctx, shop, "products", csv)
    assert (summary.products_new, summary.products_updated) == (2, 0)
    install_playbook(ctx, shop, "golden_hours.yaml")
    install_playbook(ctx, shop, "replenishment.yaml")


def test_a_tea_and_a_water_filter_buyer_get_their_own_guide_and_replenishment_dates(
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    api: TestClient,
    mailbox: tuple[Inbox, int],
    tmp_path: Path,
) -> None:
    inbox, port = mailbox
    _shop_with_catalogue(ctx, shop, tmp_path, port)
    _customer(api, "C-LAN", "Nguyễn Thị Lan", "lan@example.vn", "vi")
    _customer(api, "C-MAI", "Mai Tran", "mai@example.com", "en")
    start = clock.now()  # Monday 2 November 2026, 10:00 in Ho Chi Minh City
    _delivered_order(api, clock, "O-TEA", "C-LAN", "OOLONG-200")
    _delivered_order(api, clock, "O-RO", "C-MAI", "FILTER-RO")

    _until(ctx, clock, start + timedelta(days=3, hours=2))
    [tea_guide] = _mails_to(inbox, "lan@example.vn", "Hướng dẫn dùng")
    assert "Trà Ô Long 200g" in tea_guide and TEA_GUIDE_VI in tea_guide
    assert not any(wrong in tea_guide for wrong in WRONG_FOR_TEA)
    [filter_guide] = _mails_to(inbox, "mai@example.com", "How to enjoy")
    assert FILTER_GUIDE_EN in filter_guide and "https://acme.test/guides/ro" in filter_guide
    assert TEA_GUIDE_EN not in filter_guide

    # Tea lasts 30 days from delivery (2 Dec); the reminder comes 14 days before.
    _until(ctx, clock, start + timedelta(days=17))
    [tea_reminder] = _mails_to(inbox, "lan@example.vn", "sắp hết")
    assert "khoảng 02/12/2026" in tea_reminder and "30 ngày" in tea_reminder
    assert _mails_to(inbox, "mai@example.com", "Running low") == []

    # The filter's cartridge lasts 180 days: it runs out on 1 May 2027.
    _until(ctx, clock, start + timedelta(days=167))
    [filter_reminder] = _mails_to(inbox, "mai@example.com", "Running low")
    assert "around 1 May 2027" in filter_reminder and "180 days" in filter_reminder
    assert len(_mails_to(inbox, "lan@example.vn", "sắp hết")) == 1


def test_a_product_without_care_data_gets_the_general_guide_that_claims_nothing(
    ctx: AppContext,
    shop: Shop,
    clock: VirtualClock,
    api: TestClient,
    mailbox: tuple[Inbox, int],
    tmp_path: Path,
) -> None:
    inbox, port = mailbox
    _shop_with_catalogue(ctx, shop, tmp_path, port)
    _customer(api, "C-BINH", "Trần Văn Bình", "binh@example.vn", "vi")
    start = clock.now()
    _delivered_order(api, clock, "O-MUG", "C-BINH", "MUG-1")

    _until(ctx, clock, start + timedelta(days=3, hours=2))
    [guide] = _mails_to(inbox, "binh@example.vn", "Hướng dẫn dùng")
    assert "Cảm ơn bạn đã chọn MUG-1" in guide
    assert "trả lời email này, chúng tôi sẽ hướng dẫn cụ thể" in guide
    assert not any(wrong in guide for wrong in WRONG_FOR_TEA)
    assert "ánh nắng" not in guide and TEA_GUIDE_VI not in guide
