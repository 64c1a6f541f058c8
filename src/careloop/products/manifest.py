"""What products plug in: the products API and staff pages (the table lives in orders)."""

from __future__ import annotations

from careloop.core.manifest import Manifest, NavEntry

MANIFEST = Manifest(
    name="products",
    api_routers=("careloop.products.api:router",),
    staff_pages=("careloop.products.ui",),
    nav=(NavEntry("products", "Products", "Sản phẩm", "/products", "viewer", 12),),
    catalogue_domain="products",
)
