"""The loyalty pages: program settings, members, a member's ledger with manual
adjustments, rewards, coupons and referral review."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.context import AppContext
from careloop.customers.models import Customer
from careloop.loyalty.models import PointsEntry, Referral
from careloop.loyalty.service import enable_program
from careloop.shops.models import Shop
from tests.web.helpers import add_customer, csrf_from, sign_in


def _member(ctx: AppContext, shop: Shop, external_id: str = "c1", name: str = "Lan") -> Customer:
    customer = add_customer(ctx, shop, external_id, name=name)
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    return customer


def test_the_owner_turns_the_program_on_and_changes_a_setting(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/loyalty")
    assert "The program is off" in page.text
    on = app_client.post("/loyalty/program", data={"enabled": "1", "csrf_token": csrf_from(page)})
    assert "The program is running" in on.text
    bad = app_client.post(
        "/loyalty/settings",
        data={"name": "points_per_unit", "value": "{oops", "csrf_token": csrf_from(page)},
    )
    assert bad.status_code == 422 and "not valid JSON" in bad.text
    with ctx.sessions() as s:
        assert s.scalars(select(AuditEntry.action)).all() == ["loyalty.program_enabled"]


def test_an_agent_adjusts_points_with_a_reason_and_the_ledger_shows_who(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = _member(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get(f"/loyalty/members/{customer.id}")
    assert page.status_code == 200 and "No points yet." in page.text
    no_reason = app_client.post(
        f"/loyalty/members/{customer.id}/adjust",
        data={"points": "200", "reason": " ", "key": "k1", "csrf_token": csrf_from(page)},
    )
    assert no_reason.status_code == 422
    assert "a manual adjustment needs a reason" in no_reason.text
    done = app_client.post(
        f"/loyalty/members/{customer.id}/adjust",
        data={
            "points": "200",
            "reason": "Sorry for the late parcel",
            "key": "k1",
            "csrf_token": csrf_from(page),
        },
    )
    assert done.status_code == 200
    assert "Sorry for the late parcel" in done.text and "agent@acme.test" in done.text
    again = app_client.post(  # a double submit of the same form adds nothing
        f"/loyalty/members/{customer.id}/adjust",
        data={
            "points": "200",
            "reason": "Sorry for the late parcel",
            "key": "k1",
            "csrf_token": csrf_from(page),
        },
    )
    assert again.status_code == 200
    with ctx.sessions() as s:
        assert s.scalars(select(PointsEntry.points)).all() == [200]
    members = app_client.get("/loyalty/members")
    assert "Lan" in members.text and "200" in members.text


def test_a_viewer_reads_the_loyalty_pages_but_cannot_adjust_points(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    customer = _member(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, role="viewer"), shop)
    for path in (
        "/loyalty",
        "/loyalty/members",
        "/loyalty/rewards",
        "/loyalty/coupons",
        "/loyalty/referrals",
    ):
        assert app_client.get(path).status_code == 200, path
    page = app_client.get(f"/loyalty/members/{customer.id}")
    assert 'data-testid="adjust-form"' not in page.text
    answer = app_client.post(
        f"/loyalty/members/{customer.id}/adjust",
        data={"points": "5", "reason": "x", "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 403
    assert (
        app_client.post(
            "/loyalty/program", data={"enabled": "0", "csrf_token": csrf_from(page)}
        ).status_code
        == 403
    )


def test_another_shops_member_and_referral_are_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("other", name="Other")
    theirs = _member(ctx, other, "x1", "Stranger")
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/loyalty")
    assert app_client.get(f"/loyalty/members/{theirs.id}").status_code == 404
    adjusted = app_client.post(
        f"/loyalty/members/{theirs.id}/adjust",
        data={"points": "5", "reason": "x", "csrf_token": csrf_from(page)},
    )
    assert adjusted.status_code == 404
    with ctx.sessions() as s, s.begin():
        friend = add_customer(ctx, other, "x2", name="Friend")
        s.add(
            Referral(
                shop_id=other.id,
                advocate_id=theirs.id,
                friend_id=friend.id,
                code="ABC",
                status="held",
                hold_reasons=["shared_delivery_address"],
                created_at=ctx.clock.now(),
            )
        )
    with ctx.sessions() as s:
        referral_id = s.scalar(select(Referral.id))
    cancelled = app_client.post(
        f"/loyalty/referrals/{referral_id}/cancel", data={"csrf_token": csrf_from(page)}
    )
    assert cancelled.status_code == 404


def test_an_agent_cancels_a_held_referral(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    advocate = _member(ctx, shop)
    friend = add_customer(ctx, shop, "c2", name="Friend Hoa")
    with ctx.sessions() as s, s.begin():
        s.add(
            Referral(
                shop_id=shop.id,
                advocate_id=advocate.id,
                friend_id=friend.id,
                code="ABC",
                status="held",
                hold_reasons=["shared_delivery_address"],
                created_at=ctx.clock.now(),
            )
        )
    sign_in(app_client, ctx, make_staff(shop, email="agent@acme.test", role="agent"), shop)
    page = app_client.get("/loyalty/referrals")
    assert "Friend Hoa" in page.text and "same delivery address" in page.text
    done = app_client.post("/loyalty/referrals/1/cancel", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 200 and "No referrals yet." in done.text
    with ctx.sessions() as s:
        assert s.scalar(select(Referral.status)) == "cancelled"
        assert s.scalar(select(Referral.reviewed_by)) == "staff:agent@acme.test"
