"""`careloop import responses|reviews FILE`: survey answers and public reviews from CSV.
Validated whole (every bad row as file:line: field: reason), then written in one
transaction; re-importing a file changes nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.customers.identity import customer_by_id
from careloop.db.engine import transaction
from careloop.feedback import rules
from careloop.feedback.schemas import ReviewIn
from careloop.feedback.service import record_response, record_review
from careloop.imports import fields, register_importer
from careloop.imports.csvfile import CsvFile, ErrorLog, Row
from careloop.imports.progress import ByteProgress
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

RESPONSE_COLUMNS: Final = ("customer_id", "kind", "score", "answered_at", "comment", "order_id")
RESPONSE_REQUIRED: Final = ("customer_id", "kind", "score", "answered_at")
REVIEW_COLUMNS: Final = (
    "review_id",
    "customer_id",
    "platform",
    "rating",
    "text",
    "url",
    "posted_at",
    "sku",
)
REVIEW_REQUIRED: Final = ("review_id", "platform", "rating", "posted_at")

Parsed = dict[str, Any]


def _response_row(line: int, values: Row, log: ErrorLog) -> Parsed | None:
    row = dict(zip(RESPONSE_COLUMNS, values, strict=True))
    ok = True
    kind = row["kind"].lower()
    try:
        score = int(row["score"])
    except ValueError:
        log.add(line, "score", f"not a whole number: {row['score']!r}")
        score, ok = 0, False
    if ok and (problem := rules.check_score(kind, score)) is not None:
        log.add(line, "kind" if kind not in rules.SCALES else "score", problem)
        ok = False
    try:
        answered = fields.moment(row["answered_at"])
    except ValueError as exc:
        log.add(line, "answered_at", str(exc))
        ok = False
    if not ok:
        return None
    return {**row, "kind": kind, "score": score, "answered_at": answered}


def _review_row(line: int, values: Row, log: ErrorLog) -> Parsed | None:
    row = {k: v for k, v in zip(REVIEW_COLUMNS, values, strict=True) if v}
    row["platform"] = row.get("platform", "").lower()
    try:
        return ReviewIn.model_validate(row).model_dump()
    except ValidationError as exc:
        for err in exc.errors():
            log.add(line, ".".join(str(p) for p in err["loc"]) or "row", err["msg"])
        return None


def _run(
    ctx: AppContext,
    shop: Shop,
    path: Path,
    progress: bool,
    kind: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    parse: Callable[[int, Row, ErrorLog], Parsed | None],
    write: Callable[[Session, AppContext, Shop, int, Parsed], None],
) -> ImportSummary:
    started = time.monotonic()
    file = CsvFile(path)
    log = ErrorLog(file.source)
    summary = ImportSummary(kind=kind, source=file.source)
    with ByteProgress(progress) as bar:
        known: dict[str, bool] = {}
        # SQLite: this read must end before the writing transaction begins.
        with ctx.sessions() as lookup:
            for line, values in file.rows(
                columns, required, log, bar.task("validating", file.size)
            ):
                summary.rows += 1
                parse(line, values, log)
                external = values[columns.index("customer_id")]
                if external and not _exists(lookup, shop.id, external, known):
                    log.add(line, "customer_id", f"unknown customer {external!r}")
        log.raise_if_any()
        with transaction(ctx.sessions) as session:
            the_shop = session.merge(shop)
            for line, values in file.rows(columns, required, log, bar.task("importing", file.size)):
                parsed = parse(line, values, log)
                if parsed is None:
                    break  # the file changed since it was validated
                write(session, ctx, the_shop, line, parsed)
            log.raise_if_any()
    summary.seconds = time.monotonic() - started
    return summary


def _exists(session: Session, shop_id: int, external: str, known: dict[str, bool]) -> bool:
    if external not in known:
        # The customer's own id or any id linked to them (customers/identity.py).
        known[external] = customer_by_id(session, shop_id, external) is not None
    return known[external]


def _write_response(session: Session, ctx: AppContext, shop: Shop, line: int, row: Parsed) -> None:
    customer = customer_by_id(session, shop.id, row["customer_id"])
    assert customer is not None
    customer_id = customer.id
    # The same answer imported twice is one answer: its key is what it says, not its line.
    identity = f"{row['customer_id']}|{row['kind']}|{row['answered_at'].isoformat()}"
    record_response(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer_id=customer_id,
        kind=row["kind"],
        score=row["score"],
        response_key="import:" + hashlib.sha256(identity.encode()).hexdigest()[:40],
        source="import",
        answered_at=row["answered_at"],
        comment=row["comment"],
        order_external_id=row["order_id"] or None,
    )


def _write_review(session: Session, ctx: AppContext, shop: Shop, line: int, row: Parsed) -> None:
    record_review(
        session=session, clock=ctx.clock, shop=shop, data=ReviewIn(**row), source="import"
    )


def import_responses(ctx: AppContext, shop: Shop, path: Path, *, progress: bool) -> ImportSummary:
    return _run(
        ctx, shop, path, progress, "responses", RESPONSE_COLUMNS, RESPONSE_REQUIRED,
        _response_row, _write_response,
    )  # fmt: skip


def import_reviews(ctx: AppContext, shop: Shop, path: Path, *, progress: bool) -> ImportSummary:
    return _run(
        ctx, shop, path, progress, "reviews", REVIEW_COLUMNS, REVIEW_REQUIRED,
        _review_row, _write_review,
    )  # fmt: skip


register_importer("responses", import_responses)
register_importer("reviews", import_reviews)
