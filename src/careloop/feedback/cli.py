"""`careloop feedback themes|reviews|respond`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Survey answers, reviews and feedback themes.")
console = Console()
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]


def _day(raw: str | None, default: datetime) -> datetime:
    if raw is None:
        return default
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        print(f"not an ISO date: {raw!r}", file=sys.stderr)
        raise typer.Exit(1) from None


@app.command("themes")
def themes(
    shop: ShopOpt,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start date (default: 90 days ago).")
    ] = None,
    to: Annotated[str | None, typer.Option(help="End date, exclusive (default: now).")] = None,
    examples: Annotated[int, typer.Option(help="Matching texts shown per theme.")] = 2,
) -> None:
    """Recurring complaints and praises, each with the texts that matched it."""
    from careloop.cli import _ctx, load_shop
    from careloop.feedback.insights import shop_themes

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    now = ctx.clock.now()
    start, end = _day(from_, now - timedelta(days=90)), _day(to, now)
    table = Table("theme", "kind", "count", "by month", "examples (phrase: text)")
    with ctx.sessions() as session:
        for theme in shop_themes(session, the_shop.id, start, end):
            shown = "\n".join(
                f"{phrase}: {item.text[:70]}" for item, phrase in theme.matches[:examples]
            )
            trend = " ".join(f"{m}:{n}" for m, n in theme.by_month().items())
            table.add_row(theme.rule.label_en, theme.rule.polarity, str(theme.count), trend, shown)
    console.print(table)


@app.command("reviews")
def reviews(shop: ShopOpt, limit: int = 30) -> None:
    """Latest reviews, with the reply deadline of the negative ones."""
    from sqlalchemy import select

    from careloop.cli import _ctx, load_shop
    from careloop.feedback.models import Review

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    table = Table("review", "platform", "rating", "posted", "reply by", "replied", "text")
    with ctx.sessions() as session:
        rows = session.scalars(
            select(Review)
            .where(Review.shop_id == the_shop.id)
            .order_by(Review.posted_at.desc())
            .limit(limit)
        )
        for r in rows:
            table.add_row(
                r.review_id,
                r.platform,
                "★" * r.rating,
                r.posted_at.isoformat(timespec="minutes"),
                r.respond_by.isoformat(timespec="minutes") if r.respond_by else "",
                "yes" if r.responded_at else "",
                r.text[:60],
            )
    console.print(table)


@app.command("respond")
def respond(
    review_id: str,
    shop: ShopOpt,
    text: Annotated[str, typer.Option(help="The public reply that was posted.")],
) -> None:
    """Record the public reply posted to a review (and when)."""
    from careloop.cli import _ctx, load_shop
    from careloop.core.errors import CareloopError
    from careloop.feedback.service import respond_to_review

    ctx = _ctx()
    the_shop = load_shop(ctx, shop)
    try:
        with ctx.sessions() as session, session.begin():
            respond_to_review(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                review_id=review_id,
                text=text,
                staff_id=None,
            )
    except CareloopError as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    console.print(f"reply to review {review_id} recorded")
