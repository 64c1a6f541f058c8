"""In the browser: an owner imports the catalogue on the Import page (a bad file is refused
line by line in Vietnamese, then the fixed one goes in), finds a product on the Products
page and edits its care guide; a bad value is named in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from careloop.shops.models import Shop

HEADER = "sku,name,category,usage_days,warranty_months,care_guide_vi\n"
BAD = HEADER + "OOLONG-200,Trà Ô Long,tea,ba mươi,,Pha 90°C\n"
GOOD = HEADER + (
    "OOLONG-200,Trà Ô Long,tea,30,,Pha 5 g trà với nước 90°C\n"
    "FILTER-RO,Máy lọc nước RO,water filter,180,12,Thay lõi lọc thô mỗi 6 tháng\n"
)


def _upload(page: Page, path: Path) -> None:
    page.goto("/import")
    page.locator("select[name=kind]").select_option("products")
    page.locator("input[name=file]").set_input_files(str(path))
    page.locator("form[action='/import'] button[type=submit]").click()


def test_an_owner_imports_products_then_edits_a_care_guide_in_vietnamese(
    page: Page,
    shop: Shop,
    make_staff: Callable[..., str],
    log_in: Callable[..., Page],
    tmp_path: Path,
) -> None:
    log_in(make_staff(shop), locale="vi")
    bad = tmp_path / "san-pham.csv"
    bad.write_text("\ufeff" + BAD, encoding="utf-8")
    _upload(page, bad)
    expect(page.get_by_text("dòng 2, cột usage_days", exact=False)).to_be_visible()

    good = tmp_path / "san-pham-da-sua.csv"
    good.write_text("\ufeff" + GOOD, encoding="utf-8")
    _upload(page, good)
    expect(page.get_by_test_id("import-summary")).to_contain_text("sản phẩm: 2 mới")

    page.get_by_role("link", name="Sản phẩm", exact=True).click()
    page.locator("#product-search").fill("lọc")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_test_id("product-FILTER-RO")).to_be_visible()
    expect(page.get_by_test_id("product-OOLONG-200")).to_have_count(0)
    page.get_by_test_id("product-FILTER-RO").get_by_role("link", name="Sửa").click()

    page.locator("input[name=warranty_months]").fill("mười hai")
    page.locator("form[data-testid=product-form] button[type=submit]").click()
    expect(page.get_by_text("Bảo hành (tháng): phải là số nguyên")).to_be_visible()

    page.locator("input[name=warranty_months]").fill("24")
    page.locator("textarea[name=care_guide_en]").fill(
        "Change the sediment cartridge every 6 months."
    )
    page.locator("form[data-testid=product-form] button[type=submit]").click()
    expect(page.get_by_test_id("product-saved")).to_be_visible()
    expect(page.locator("input[name=warranty_months]")).to_have_value("24")
