"""`careloop import community FILE`: community group memberships and/or UGC entries.

One row per customer fact; a row names a group (a membership), an entry (a photo, story or
minigame entry), or both:

    customer_id (required), group, platform, joined_at, activity,
    entry_key, kind (ugc|minigame, default ugc), url, note

The whole file is validated first (every bad row as file:line: field: reason), then written
in one transaction, or nothing. Re-importing changes nothing: membership is unique and an
entry is stored (and earns its points) once per entry_key. An unknown group is created.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.community.ambassadors import UGC_KINDS, record_ugc
from careloop.community.groups import PLATFORMS, add_member, create_group, record_activity
from careloop.context import AppContext
from careloop.core.errors import Conflict
from careloop.customers.models import Customer
from careloop.db.engine import transaction
from careloop.imports import fields, register_importer
from careloop.imports.csvfile import CsvFile, ErrorLog, Row
from careloop.imports.progress import ByteProgress
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

COLUMNS: Final = (
    "customer_id",
    "group",
    "platform",
    "joined_at",
    "activity",
    "entry_key",
    "kind",
    "url",
    "note",
)
REQUIRED: Final = ("customer_id",)
MAX_ACTIVITY: Final = 10_000
LIMITS: Final = {"group": 200, "entry_key": 200, "url": 500, "note": 2000, "customer_id": 128}


@dataclass(frozen=True)
class CommunityRow:
    customer_id: str
    group: str
    platform: str
    joined_at: datetime | None
    activity: int
    entry_key: str
    kind: str
    url: str
    note: str


def parse_row(line: int, values: Row, log: ErrorLog) -> CommunityRow | None:
    """Pure: one CSV row checked field by field; every problem goes to `log`."""
    row = dict(zip(COLUMNS, values, strict=True))
    before = log.count
    for name, limit in LIMITS.items():
        if len(row[name]) > limit:
            log.add(line, name, f"at most {limit} characters")
    if not row["customer_id"]:
        log.add(line, "customer_id", "is empty")
    if not row["group"] and not row["entry_key"]:
        log.add(line, "group", "a row needs a group (membership) or an entry_key (UGC entry)")
    platform = row["platform"].lower()
    if row["group"] and platform not in PLATFORMS:
        log.add(line, "platform", f"use one of {', '.join(PLATFORMS)} (got {row['platform']!r})")
    joined = None
    if row["joined_at"]:
        try:
            joined = fields.moment(row["joined_at"])
        except ValueError as exc:
            log.add(line, "joined_at", str(exc))
    activity = 0
    if row["activity"]:
        if not row["activity"].isdigit() or int(row["activity"]) > MAX_ACTIVITY:
            log.add(line, "activity", f"a whole number 0-{MAX_ACTIVITY}")
        else:
            activity = int(row["activity"])
    kind = (row["kind"] or "ugc").lower()
    if row["entry_key"] and kind not in UGC_KINDS:
        log.add(line, "kind", f"use one of {', '.join(UGC_KINDS)} (got {row['kind']!r})")
    if row["url"] and not row["url"].startswith(("https://", "http://")):
        log.add(line, "url", "must be an http(s) link")
    if log.count > before:
        return None
    return CommunityRow(
        customer_id=row["customer_id"],
        group=row["group"],
        platform=platform,
        joined_at=joined,
        activity=activity,
        entry_key=row["entry_key"],
        kind=kind,
        url=row["url"],
        note=row["note"],
    )


def _customer_ids(session: Session, shop_id: int, externals: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = sorted(externals)
    for start in range(0, len(wanted), 1000):
        part = wanted[start : start + 1000]
        for ext, cid in session.execute(
            select(Customer.external_id, Customer.id).where(
                Customer.shop_id == shop_id, Customer.external_id.in_(part)
            )
        ):
            found[str(ext)] = int(cid)
    return found


def _write(
    session: Session,
    ctx: AppContext,
    shop: Shop,
    row: CommunityRow,
    customer_id: int,
    groups: dict[tuple[str, str], int],
) -> None:
    if row.group:
        key = (row.platform, row.group)
        if key not in groups:
            groups[key] = create_group(
                session=session, clock=ctx.clock, shop=shop, platform=row.platform, name=row.group
            ).id
        add_member(
            session=session,
            clock=ctx.clock,
            shop=shop,
            group_id=groups[key],
            customer_id=customer_id,
            source="csv",
            joined_at=row.joined_at,
        )
        if row.activity:
            record_activity(
                session=session,
                clock=ctx.clock,
                shop=shop,
                group_id=groups[key],
                customer_id=customer_id,
                count=row.activity,
                source="csv",
            )
    if row.entry_key:
        record_ugc(
            session=session,
            clock=ctx.clock,
            shop=shop,
            customer_id=customer_id,
            kind=row.kind,
            entry_key=row.entry_key,
            url=row.url,
            note=row.note,
            source="csv",
        )


def import_community(
    ctx: AppContext, shop: Shop, path: Path, *, progress: bool = False
) -> ImportSummary:
    """All rows validated first (customers must exist); then one transaction, or nothing."""
    started = time.monotonic()
    file = CsvFile(path)
    log = ErrorLog(file.source)
    summary = ImportSummary(kind="community", source=file.source)
    with ByteProgress(progress) as bar:
        parsed: list[tuple[int, CommunityRow]] = []
        refs: list[tuple[int, str]] = []
        for line, values in file.rows(COLUMNS, REQUIRED, log, bar.task("validating", file.size)):
            summary.rows += 1
            row = parse_row(line, values, log)
            if row is not None:
                parsed.append((line, row))
            if values[0] and len(values[0]) <= LIMITS["customer_id"]:
                refs.append((line, values[0]))
        # SQLite: this read must end before the writing transaction begins.
        with ctx.sessions() as lookup:
            known = _customer_ids(lookup, shop.id, {ext for _, ext in refs})
        for line, ext in refs:
            if ext not in known:
                log.add(line, "customer_id", f"unknown customer {ext!r}")
        log.raise_if_any()
        with transaction(ctx.sessions) as session:
            the_shop = session.merge(shop)
            groups: dict[tuple[str, str], int] = {}
            for line, row in parsed:
                try:
                    _write(session, ctx, the_shop, row, known[row.customer_id], groups)
                except Conflict as exc:
                    # e.g. a post already credited to another customer: the whole file is
                    # rolled back, and the line named.
                    log.add(line, "entry_key", str(exc))
                    log.raise_if_any()
    summary.seconds = time.monotonic() - started
    return summary


register_importer("community", import_community)
