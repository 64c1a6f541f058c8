"""Finding a shop's customers by what staff type, a page at a time, with a capped count.

A query narrows to customers whose search key (customers/search_key.py) contains one of
its patterns. On SQLite the trigram index (customers/search_index.py) finds them and hands
them over newest first, so a page stops after its rows whatever the shop's size; patterns
shorter than a trigram, and PostgreSQL (where the GIN index serves LIKE), use LIKE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import BigInteger, ColumnElement, Select, String, column, func, or_, select, table
from sqlalchemy.orm import InstrumentedAttribute, Session

from careloop.customers.models import Customer
from careloop.customers.search_index import FTS_TABLE
from careloop.customers.search_key import query_patterns

# Counting every match of a broad query ("nguyen" in a shop of 100,000) costs more than the
# page itself: past this many the page says "1,000+".
COUNT_CAP: Final = 1000
TRIGRAM: Final = 3

# What a page is sorted by, newest first: customers.id, or the index's own row order.
SortKey = InstrumentedAttribute[int] | ColumnElement[int]

_FTS = table(FTS_TABLE, column("rowid", BigInteger), column("search_key", String))


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    total: int  # how many match; a lower bound when `capped`
    capped: bool  # the count stopped at the cap: more than `total` match
    has_next: bool


def live_customers(shop_id: int) -> Select[Customer]:
    """The shop's customers, erased ones left out."""
    return select(Customer).where(Customer.shop_id == shop_id, Customer.erased_at.is_(None))


def match_query(
    session: Session, stmt: Select[Customer], shop_id: int, query: str
) -> tuple[Select[Customer], SortKey]:
    """`stmt` narrowed to customers matching `query`, and the column to sort by (newest
    first) that lets the database walk the index in order; an empty query narrows nothing."""
    query = query.strip()
    patterns = query_patterns(query) if query else []
    if not patterns:
        if not query:
            return stmt, Customer.id
        return stmt.where(Customer.external_id == query), Customer.id
    if session.get_bind().dialect.name != "sqlite" or min(map(len, patterns)) < TRIGRAM:
        return stmt.where(like_clause(query, patterns)), Customer.id
    match = _FTS.c.search_key.op("MATCH")(fts_query(patterns))
    exact = session.scalar(
        select(Customer.id).where(Customer.shop_id == shop_id, Customer.external_id == query)
    )
    if exact is not None:
        # Typed an id: that customer, plus any whose key contains it (few, for an id).
        hits = select(_FTS.c.rowid).where(match)
        return stmt.where(or_(Customer.id == exact, Customer.id.in_(hits))), Customer.id
    joined = stmt.join(_FTS, _FTS.c.rowid == Customer.id).where(match)
    return joined, _FTS.c.rowid


def like_clause(query: str, patterns: list[str]) -> ColumnElement[bool]:
    clauses = [Customer.search_key.contains(p, autoescape=True) for p in patterns]
    return or_(*clauses, Customer.external_id == query)


def fts_query(patterns: list[str]) -> str:
    """An FTS5 query matching keys that contain any pattern: each one a quoted phrase, which
    the trigram tokenizer reads as "contains this substring" (quotes doubled inside)."""
    return " OR ".join('"' + p.replace('"', '""') + '"' for p in patterns)


def page_of(
    session: Session,
    stmt: Select[Customer],
    order: SortKey,
    *,
    limit: int,
    offset: int = 0,
    count_cap: int | None = COUNT_CAP,
) -> CustomerPage:
    """One page of `stmt`, newest first, with how many match in all: counted up to
    `count_cap` (None: exactly). One row past the page tells whether there is a next one."""
    rows = list(session.scalars(stmt.order_by(order.desc()).limit(limit + 1).offset(offset)))
    has_next = len(rows) > limit
    if offset == 0 and not has_next:
        return CustomerPage(rows, len(rows), False, False)
    ids = stmt.with_only_columns(Customer.id).order_by(None)
    if count_cap is not None:
        ids = ids.limit(count_cap + 1)
        if session.get_bind().dialect.name == "sqlite":
            # Sorted like the page, SQLite walks the same way: from the index's matches,
            # stopping at the cap, not probing the index once per customer of the shop.
            ids = ids.order_by(order.desc())
    total = int(session.scalar(select(func.count()).select_from(ids.subquery())) or 0)
    capped = count_cap is not None and total > count_cap
    shown = total if count_cap is None else min(total, count_cap)
    return CustomerPage(rows[:limit], shown, capped, has_next)


def search_customers(
    session: Session,
    shop_id: int,
    query: str = "",
    *,
    limit: int = 50,
    offset: int = 0,
    count_cap: int | None = COUNT_CAP,
) -> CustomerPage:
    """Customers whose name, email, phone or id matches `query`, newest first."""
    stmt, order = match_query(session, live_customers(shop_id), shop_id, query)
    return page_of(session, stmt, order, limit=limit, offset=offset, count_cap=count_cap)
