"""`careloop feedback themes|reviews|respond|survey-set|surveys|review-settings`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from careloop.cli_kit import _, cli_error_text, lang, num
from careloop.core.console import make_console

app = typer.Typer(help="Survey answers, reviews and feedback themes.")
console = make_console()
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]


def _day(raw: str | None, default: datetime) -> datetime:
    if raw is None:
        return default
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        print(_("cli.feedback.not_iso", value=repr(raw)), file=sys.stderr)
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
    from careloop.cli_kit import app_context, load_shop
    from careloop.feedback.insights import shop_themes

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    now = ctx.clock.now()
    start, end = _day(from_, now - timedelta(days=90)), _day(to, now)
    columns = ("theme", "kind", "count", "by_month", "examples")
    table = Table(*(_(f"cli.themes.col.{c}") for c in columns))
    vi = lang() == "vi"
    with ctx.sessions() as session:
        for theme in shop_themes(session, the_shop.id, start, end):
            shown = "\n".join(
                f"{phrase}: {item.text[:70]}" for item, phrase in theme.matches[:examples]
            )
            trend = " ".join(f"{m}:{n}" for m, n in theme.by_month().items())
            table.add_row(
                theme.rule.label_vi if vi else theme.rule.label_en,
                _(f"cli.themes.polarity.{theme.rule.polarity}") if vi else theme.rule.polarity,
                num(theme.count),
                trend,
                shown,
            )
    console.print(table)


@app.command("reviews")
def reviews(shop: ShopOpt, limit: int = 30) -> None:
    """Latest reviews, with the reply deadline of the negative ones."""
    from sqlalchemy import select

    from careloop.cli_kit import app_context, load_shop
    from careloop.feedback.models import Review

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    columns = ("review", "platform", "rating", "posted", "reply_by", "replied", "text")
    table = Table(*(_(f"cli.reviews.col.{c}") for c in columns))
    vi = lang() == "vi"

    def when(moment: datetime) -> str:
        return f"{moment:%H:%M %d/%m/%Y}" if vi else moment.isoformat(timespec="minutes")

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
                when(r.posted_at),
                when(r.respond_by) if r.respond_by else "",
                _("cli.yes") if r.responded_at else "",
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
    from careloop.cli_kit import app_context, load_shop
    from careloop.core.errors import CareloopError
    from careloop.feedback.service import respond_to_review

    ctx = app_context()
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
        print(cli_error_text(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    console.print(_("cli.reviews.responded", id=review_id), highlight=False)


@app.command("survey-set")
def survey_set(
    file: Annotated[str, typer.Argument(help="A survey definition (YAML or JSON).")],
    shop: ShopOpt,
) -> None:
    """Create or replace a survey with custom questions; a bad field is named, nothing saved."""
    from pathlib import Path

    import yaml

    from careloop.cli_kit import app_context, load_shop
    from careloop.core.errors import CareloopError
    from careloop.feedback.survey_store import save_survey

    try:
        data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        print(f"{file}: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    if not isinstance(data, dict):
        print(_("cli.surveys.not_mapping", file=file), file=sys.stderr)
        raise typer.Exit(1)
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with ctx.sessions() as session, session.begin():
            row, created = save_survey(
                session=session, clock=ctx.clock, shop=session.merge(the_shop), data=data
            )
            key, count = row.key, len(row.questions)
    except CareloopError as exc:
        print(f"{file}: {cli_error_text(exc)}", file=sys.stderr)
        raise typer.Exit(1) from None
    done = _("cli.surveys.created") if created else _("cli.surveys.updated")
    console.print(_("cli.surveys.saved", key=key, done=done, n=num(count)), highlight=False)


@app.command("surveys")
def surveys_list(shop: ShopOpt) -> None:
    """The shop's surveys and, per question, the results so far."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.feedback.results import survey_results
    from careloop.feedback.survey_store import list_surveys

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        for row in list_surveys(session, the_shop.id):
            results = survey_results(session, row)
            state = _("cli.surveys.active") if row.active else _("cli.surveys.inactive")
            console.print(f"[bold]{row.key}[/bold] ({row.kind}, {state}): {row.name}")
            columns = ("question", "type", "answered", "results")
            table = Table(*(_(f"cli.surveys.col.{c}") for c in columns))
            for s in results.questions:
                shown = ", ".join(f"{label}: {n}" for label, n in s.counts) or " | ".join(
                    t[:40] for t in s.texts[:3]
                )
                if s.mean is not None:
                    shown += " " + _("cli.surveys.mean", mean=num(s.mean, 2))
                table.add_row(s.question.text.in_(lang()), s.question.type, num(s.answered), shown)
            console.print(table)


@app.command("review-settings")
def review_settings_cmd(
    shop: ShopOpt,
    mode: Annotated[
        str | None, typer.Option("--mode", help="per_order or per_product review requests.")
    ] = None,
    product_review_url: Annotated[
        str | None,
        typer.Option(help='Link template with {sku} to a product\'s review page ("" removes).'),
    ] = None,
    review_url: Annotated[
        list[str] | None,
        typer.Option(help="platform=https://... the shop's review page (repeatable)."),
    ] = None,
) -> None:
    """Show the review settings, or change them; a wrong value is named and nothing saved."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.core.errors import CareloopError
    from careloop.feedback import review_settings

    changes: dict[str, object] = {}
    if mode is not None:
        changes["review_requests"] = mode
    if product_review_url is not None:
        changes["product_review_url"] = product_review_url
    if review_url:
        pages: dict[str, str] = {}
        for item in review_url:
            platform, sep, link = item.partition("=")
            if not sep or not platform.strip():
                print(_("cli.reviews.url_form", item=repr(item)), file=sys.stderr)
                raise typer.Exit(1)
            pages[platform.strip()] = link.strip()
        changes["review_urls"] = pages
    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with ctx.sessions() as session, session.begin():
            stored = session.merge(the_shop)
            if changes:
                review_settings.set_review_settings(
                    session=session,
                    clock=ctx.clock,
                    shop=stored,
                    changes=changes,
                    actor="cli",
                )
            shown = {"review_requests": "per_order", **review_settings.current(stored)}
    except CareloopError as exc:
        print(cli_error_text(exc), file=sys.stderr)
        raise typer.Exit(1) from None
    for key, value in shown.items():
        console.print(f"{key}: {value}")
