"""Hypothesis-made CSV files: the importer either imports or refuses the whole file, never
crashes and never leaves half a file behind."""

from __future__ import annotations

import csv
import io
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.export import CUSTOMER_COLUMNS
from careloop.customers.models import Consent, Customer, TimelineEvent
from careloop.imports import run_import
from careloop.orders.export import ORDER_COLUMNS
from careloop.orders.models import Order, OrderLine, Product
from careloop.shops.models import Shop

# The columns the importers know: the export format, plus the optional ones only imports read.
COLUMNS = {
    "customers": list(CUSTOMER_COLUMNS),
    "orders": [*ORDER_COLUMNS, "paid_at", "customer_name", "email", "phone"],
}
# Plausible values next to hostile ones, so some files import and some are refused.
PLAUSIBLE = st.sampled_from(
    [
        "",
        "C-1",
        "C-2",
        "A-1",
        "A-2",
        "2025-05-01T09:00:00+07:00",
        "2025-05-03",
        "2025-02-30",
        "450000",
        "-1",
        "1e400",
        "NaN",
        "12.345",
        "delivered",
        "paid",
        "placed",
        "VND",
        "USD",
        "vi",
        "en",
        "Asia/Ho_Chi_Minh",
        "Mars/Olympus",
        "email",
        "sms",
        "zalo",
        "true",
        "no",
        "lan@example.vn",
        "not-an-email",
        "0912 345 678",
        "+84 90 000",
        "Nguyễn Thị Lan",
        "<script>alert(1)</script>",
        "=cmd|' /C calc'!A0",
        "9" * 40,
    ]
)
CELL = st.one_of(PLAUSIBLE, st.text(max_size=30))
ROWS = st.integers(min_value=0, max_value=6)


@st.composite
def csv_files(draw: st.DrawFn, kind: str) -> bytes:
    known = COLUMNS[kind]
    header = draw(st.lists(st.sampled_from([*known, "extra", ""]), min_size=1, max_size=14))
    if draw(st.booleans()):
        header = known[:4] + header  # mostly the required columns, in front
    rows = [
        [draw(CELL) for _ in range(len(header) + draw(st.integers(-1, 1)))]
        for _ in range(draw(ROWS))
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1-garbage"]))
    if encoding == "latin-1-garbage":
        return text.encode("utf-8", "replace") + b"\xff\xfe\x00bad"
    return text.encode(encoding, "replace")


def snapshot(ctx: AppContext) -> dict[str, int]:
    with ctx.sessions() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Customer, Consent, Order, OrderLine, Product, TimelineEvent)
        }


FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("kind", ["customers", "orders"])
def test_a_generated_csv_file_imports_whole_or_not_at_all(
    ctx: AppContext, shop: Shop, tmp_path: Path, kind: str
) -> None:
    names = count()

    @FUZZ
    @given(content=csv_files(kind))
    def check(content: bytes) -> None:
        path = tmp_path / f"{kind}-{next(names)}.csv"
        path.write_bytes(content)
        before = snapshot(ctx)
        try:
            run_import(ctx, shop, kind, path)
        except ValidationFailed as exc:
            assert exc.errors, "a refusal names at least one problem"
            assert snapshot(ctx) == before, "a refused file changed the database"

    check()


def test_a_file_whose_last_row_is_bad_imports_nothing(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    good = "\n".join(f"C-{i},Khách {i},k{i}@example.vn" for i in range(50))
    path.write_text(f"customer_id,name,email\n{good}\nC-51,Bad,not-an-email\n", encoding="utf-8")
    before = snapshot(ctx)

    with pytest.raises(ValidationFailed) as refused:
        run_import(ctx, shop, "customers", path)

    assert snapshot(ctx) == before
    assert any("email" in str(e) for e in refused.value.errors)
