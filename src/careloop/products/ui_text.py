"""Staff-facing words of the Products page, in Vietnamese and English: labels, the platform
tag/metafield convention, and field errors written for a shop owner."""

from __future__ import annotations

from typing import Any, Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Products",
        "subtitle": "Each product's care data: what the usage guide, replenishment, warranty, "
        "maintenance and cross-sell messages say about it. A product with none gets a general "
        "message that claims nothing about it.",
        "search": "Search by sku, name or category",
        "search_button": "Search",
        "new": "Add a product",
        "count": "{count} product(s)",
        "empty": "No product yet. Products appear here as orders arrive; add their care data "
        "here, by CSV on the Import page, or with tags on your shop platform.",
        "edit": "Edit",
        "save": "Save",
        "saved": "Saved.",
        "errors": "Please correct the fields marked below; nothing was saved.",
        "care": "Care data",
        "none": "not set",
        "variant_of": "variant of",
        "convention_title": "Filled from your shop platform",
        "convention": "Shopify and Haravan send product tags and metafields with each product "
        "update. Careloop reads these tags: usage:30d (lasts 30 days), warranty:12m (12 "
        "months), maintenance:90d (service every 90 days), category:tea, related:SKU1|SKU2. "
        "Or metafields in the namespace careloop with the keys usage_days, warranty_months, "
        "maintenance_interval_days, category, care_guide_vi, care_guide_en, care_guide_url_vi, "
        "care_guide_url_en and related_skus. What you set here is kept until the platform "
        "sends a new value.",
        "sku": "SKU",
        "name": "Name",
        "category": "Category",
        "parent_sku": "Variant of (parent sku)",
        "price": "Price",
        "usage_days": "Lasts (days, for replenishment)",
        "warranty_months": "Warranty (months)",
        "maintenance_interval_days": "Maintenance every (days)",
        "care_guide_vi": "Care guide (Vietnamese)",
        "care_guide_en": "Care guide (English)",
        "care_guide_url_vi": "Guide link (Vietnamese)",
        "care_guide_url_en": "Guide link (English)",
        "related_skus": "Goes well with (skus, comma-separated)",
        "err.required": "{field}: required",
        "err.number": "{field}: must be a whole number",
        "err.min": "{field}: must be at least {limit}",
        "err.max": "{field}: must be at most {limit}",
        "err.long": "{field}: too long (at most {limit} characters)",
        "err.url": "{field}: must be a web address starting with https://",
        "err.self": "{field}: a product cannot point to itself",
        "err.exists": "{field}: another product already has this sku",
        "err.price": "{field}: not an amount (e.g. 1.250.000)",
        "err.other": "{field}: {reason}",
    },
    "vi": {
        "title": "Sản phẩm",
        "subtitle": "Dữ liệu chăm sóc của từng sản phẩm: nội dung hướng dẫn sử dụng, nhắc mua "
        "lại, bảo hành, bảo dưỡng và gợi ý mua kèm. Sản phẩm chưa có dữ liệu sẽ nhận tin chung, "
        "không nói gì sai về sản phẩm.",
        "search": "Tìm theo mã, tên hoặc nhóm",
        "search_button": "Tìm",
        "new": "Thêm sản phẩm",
        "count": "{count} sản phẩm",
        "empty": "Chưa có sản phẩm. Sản phẩm xuất hiện khi có đơn hàng; thêm dữ liệu chăm sóc "
        "tại đây, bằng CSV ở trang Nhập dữ liệu, hoặc bằng thẻ (tag) trên nền tảng bán hàng.",
        "edit": "Sửa",
        "save": "Lưu",
        "saved": "Đã lưu.",
        "errors": "Vui lòng sửa các ô được đánh dấu bên dưới; chưa lưu gì.",
        "care": "Dữ liệu chăm sóc",
        "none": "chưa đặt",
        "variant_of": "biến thể của",
        "convention_title": "Lấy từ nền tảng bán hàng",
        "convention": "Shopify và Haravan gửi thẻ (tag) và metafield của sản phẩm mỗi khi sản "
        "phẩm thay đổi. Careloop đọc các thẻ: usage:30d (dùng được 30 ngày), warranty:12m (bảo "
        "hành 12 tháng), maintenance:90d (bảo dưỡng mỗi 90 ngày), category:tra, "
        "related:MA1|MA2. Hoặc metafield trong namespace careloop với các khóa usage_days, "
        "warranty_months, maintenance_interval_days, category, care_guide_vi, care_guide_en, "
        "care_guide_url_vi, care_guide_url_en và related_skus. Giá trị bạn đặt tại đây được "
        "giữ đến khi nền tảng gửi giá trị mới.",
        "sku": "Mã sản phẩm (SKU)",
        "name": "Tên",
        "category": "Nhóm sản phẩm",
        "parent_sku": "Biến thể của (mã sản phẩm gốc)",
        "price": "Giá",
        "usage_days": "Dùng hết sau (ngày, để nhắc mua lại)",
        "warranty_months": "Bảo hành (tháng)",
        "maintenance_interval_days": "Bảo dưỡng mỗi (ngày)",
        "care_guide_vi": "Hướng dẫn sử dụng, bảo quản (tiếng Việt)",
        "care_guide_en": "Hướng dẫn sử dụng, bảo quản (tiếng Anh)",
        "care_guide_url_vi": "Liên kết hướng dẫn (tiếng Việt)",
        "care_guide_url_en": "Liên kết hướng dẫn (tiếng Anh)",
        "related_skus": "Mua kèm (mã sản phẩm, cách nhau bằng dấu phẩy)",
        "err.required": "{field}: bắt buộc",
        "err.number": "{field}: phải là số nguyên",
        "err.min": "{field}: phải từ {limit} trở lên",
        "err.max": "{field}: tối đa {limit}",
        "err.long": "{field}: quá dài (tối đa {limit} ký tự)",
        "err.url": "{field}: phải là địa chỉ web bắt đầu bằng https://",
        "err.self": "{field}: sản phẩm không thể trỏ tới chính nó",
        "err.exists": "{field}: đã có sản phẩm khác dùng mã này",
        "err.price": "{field}: không phải số tiền (ví dụ 1.250.000)",
        "err.other": "{field}: {reason}",
    },
}


def texts(locale: str) -> dict[str, str]:
    return TEXTS["vi" if locale == "vi" else "en"]


def field_error(locale: str, field: str, error: dict[str, Any]) -> str:
    """A pydantic error on `field` in the staff member's language, naming the field."""
    t = texts(locale)
    label = t.get(field, field)
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("missing", "string_too_short"):
        return t["err.required"].format(field=label)
    if kind in ("int_parsing", "int_from_float"):
        return t["err.number"].format(field=label)
    if kind in ("greater_than_equal", "greater_than"):
        return t["err.min"].format(field=label, limit=ctx.get("ge", ctx.get("gt", "")))
    if kind in ("less_than_equal", "less_than", "too_long"):
        limit = ctx.get("le", ctx.get("lt", ctx.get("max_length", "")))
        return t["err.max"].format(field=label, limit=limit)
    if kind == "string_too_long":
        return t["err.long"].format(field=label, limit=ctx.get("max_length", ""))
    if "web address" in message:
        return t["err.url"].format(field=label)
    if "itself" in message or "own parent" in message:
        return t["err.self"].format(field=label)
    if kind.startswith("decimal") or kind == "finite_number":
        return t["err.price"].format(field=label)
    return t["err.other"].format(field=label, reason=message)
