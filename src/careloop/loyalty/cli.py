"""`careloop loyalty ...`: program settings, point adjustments, coupons, referral review."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from careloop.cli_kit import _, cli_error_text, lang, num, problem_text
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.db.engine import transaction

loyalty_app = typer.Typer(help="Loyalty program: settings, points, coupons, referrals.")
ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
ActorOpt = Annotated[str, typer.Option("--by", help="Staff email recorded as the actor.")]


def _fail(exc: CareloopError) -> typer.Exit:
    from careloop.cli_kit import fail

    if isinstance(exc, ValidationFailed):
        return fail("; ".join(problem_text(e) for e in exc.errors))
    return fail(cli_error_text(exc))


@loyalty_app.command("enable")
def enable(shop: ShopOpt, by: ActorOpt = "cli") -> None:
    """Start the program; tiers are backfilled from the order history."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.loyalty.service import enable_program

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with transaction(ctx.sessions) as session:
        count = enable_program(
            session=session, clock=ctx.clock, shop=session.merge(the_shop), actor=by
        )
    print(_("cli.loyalty.enabled", shop=shop, n=num(count)))


@loyalty_app.command("settings")
def settings(
    shop: ShopOpt,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="KEY=JSON, e.g. grant_on='\"paid\"'.")
    ] = None,
    by: ActorOpt = "cli",
) -> None:
    """Show the effective settings, or change some with --set KEY=VALUE."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.loyalty.admin import program_settings
    from careloop.loyalty.service import update_settings

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    changes: dict[str, object] = {}
    for item in set_ or []:
        key, _sep, raw = item.partition("=")
        try:
            changes[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            changes[key.strip()] = raw
    try:
        with transaction(ctx.sessions) as session:
            if changes:
                update_settings(
                    session=session,
                    clock=ctx.clock,
                    shop=session.merge(the_shop),
                    changes=changes,
                    actor=by,
                )
            data = program_settings(session, ctx.clock, session.merge(the_shop))
    except CareloopError as exc:
        raise _fail(exc) from None
    print(json.dumps(data, default=str, ensure_ascii=False, indent=2))


@loyalty_app.command("adjust")
def adjust(
    shop: ShopOpt,
    customer_id: str,
    points: int,
    reason: Annotated[str, typer.Option(help="Why (required, kept in the ledger).")],
    by: Annotated[str, typer.Option("--by", help="Staff email making the adjustment.")],
) -> None:
    """Add (positive) or remove (negative) points by hand, with a reason."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.customers.service import get_customer
    from careloop.loyalty import points as ledger_points

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            customer = get_customer(session, session.merge(the_shop), customer_id)
            ledger_points.adjust(
                session=session,
                clock=ctx.clock,
                shop_id=the_shop.id,
                customer_id=customer.id,
                points=points,
                reason=reason,
                actor=by,
            )
            balance = ledger_points.points_balance(
                session=session, shop_id=the_shop.id, customer_id=customer.id
            )
    except CareloopError as exc:
        raise _fail(exc) from None
    sign = "+" if points >= 0 else "-"
    print(
        _(
            "cli.loyalty.adjusted",
            id=customer_id,
            points=sign + num(abs(points)),
            balance=num(balance),
        )
    )


@loyalty_app.command("coupon")
def coupon(
    shop: ShopOpt,
    reason: Annotated[str, typer.Option(help="Why the coupon is issued.")],
    customer_id: Annotated[str | None, typer.Option(help="Omit for a shareable code.")] = None,
    percent: Annotated[int | None, typer.Option(help="Percent off.")] = None,
    amount: Annotated[int | None, typer.Option(help="Amount off, in major units.")] = None,
    free_shipping: bool = False,
    days: Annotated[int, typer.Option(help="Valid for this many days (0: no end).")] = 30,
    uses: Annotated[int | None, typer.Option(help="Maximum uses (omit: 1).")] = 1,
    min_order: Annotated[int, typer.Option(help="Minimum order, major units.")] = 0,
    by: ActorOpt = "cli",
) -> None:
    """Issue a coupon and print its code."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.core.ids import human_code
    from careloop.core.money import to_minor
    from careloop.customers.service import get_customer
    from careloop.loyalty.coupons import issue_coupon

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    try:
        with transaction(ctx.sessions) as session:
            merged = session.merge(the_shop)
            owner = get_customer(session, merged, customer_id) if customer_id else None
            issued = issue_coupon(
                session=session,
                clock=ctx.clock,
                shop=merged,
                customer=owner,
                percent_off=percent,
                amount_off_minor=to_minor(amount, merged.currency) if amount else None,
                free_shipping=free_shipping,
                valid_days=days,
                max_uses=uses,
                min_order_minor=to_minor(min_order, merged.currency),
                reason=f"{reason} (by {by})",
                idempotency_key=f"staff:{human_code(16)}",
                source="staff",
            )
    except CareloopError as exc:
        raise _fail(exc) from None
    print(issued.code)


@loyalty_app.command("referrals")
def referrals(
    shop: ShopOpt, status: Annotated[str | None, typer.Option(help="held, pending...")] = "held"
) -> None:
    """List referrals (default: those held for review)."""
    from careloop.cli_kit import app_context, load_shop
    from careloop.loyalty.referrals import referrals_of

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    with ctx.sessions() as session:
        for r in referrals_of(session, the_shop.id, status):
            reasons = ",".join(r.hold_reasons)
            print(f"{r.id}\t{r.status}\t{r.advocate_id}->{r.friend_id}\t#{r.order_ref}\t{reasons}")


def _review(shop: str, referral_id: int, by: str, approve: bool) -> None:
    from careloop.cli_kit import app_context, load_shop
    from careloop.loyalty.referrals import approve_referral, cancel_referral

    ctx = app_context()
    the_shop = load_shop(ctx, shop)
    action = approve_referral if approve else cancel_referral
    try:
        with transaction(ctx.sessions) as session:
            referral = action(
                session=session,
                clock=ctx.clock,
                shop=session.merge(the_shop),
                referral_id=referral_id,
                actor=by,
            )
    except CareloopError as exc:
        raise _fail(exc) from None
    status = referral.status if lang() != "vi" else _(f"referral.status.{referral.status}")
    print(_("cli.loyalty.referral_now", id=referral_id, status=status))


@loyalty_app.command("approve")
def approve(
    shop: ShopOpt, referral_id: int, by: Annotated[str, typer.Option("--by")] = "cli"
) -> None:
    """Approve a held referral (rewards follow)."""
    _review(shop, referral_id, by, approve=True)


@loyalty_app.command("cancel")
def cancel(
    shop: ShopOpt, referral_id: int, by: Annotated[str, typer.Option("--by")] = "cli"
) -> None:
    """Cancel a referral (no rewards)."""
    _review(shop, referral_id, by, approve=False)
