from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.audit.models import AuditEntry
from careloop.community.groups import create_group
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

from .factories import make_customer


def _group(ctx: AppContext, shop: Shop, name: str = "VIP Zalo") -> int:
    with ctx.sessions() as s, s.begin():
        group = create_group(
            session=s, clock=ctx.clock, shop=s.merge(shop), platform="zalo", name=name
        )
        return group.id


def _community_events(ctx: AppContext, customer_id: int) -> list[str]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(TimelineEvent.type)
                .where(
                    TimelineEvent.customer_id == customer_id, TimelineEvent.type.like("community.%")
                )
                .order_by(TimelineEvent.id)
            )
        )


def _audit_actions(ctx: AppContext, shop: Shop) -> list[str]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.shop_id == shop.id, AuditEntry.action.like("community.member_%"))
                .order_by(AuditEntry.id)
            )
        )


def test_an_agent_finds_a_customer_by_phone_adds_them_and_removes_them_again(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    mai = make_customer(ctx, shop, "A", name="Nguyễn Thị Mai", phone="+84901234567")
    make_customer(ctx, shop, "B", name="Trần Văn Bình", phone="+84907654321")
    gid = _group(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, "agent@acme.test", "agent"), shop)

    found = app_client.get(f"/community/groups/{gid}", params={"q": "0901 234 567"})
    assert found.status_code == 200
    assert "Nguyễn Thị Mai" in found.text and "Trần Văn Bình" not in found.text
    added = app_client.post(
        f"/community/groups/{gid}/members",
        data={"customer_id": str(mai.id), "csrf_token": csrf_from(found)},
    )
    assert added.status_code == 200 and str(added.url).endswith(f"/community/groups/{gid}")
    assert "1 members" in added.text and f'data-testid="remove-{mai.id}"' in added.text
    again = app_client.get(f"/community/groups/{gid}", params={"q": "mai"})
    assert "Already a member" in again.text

    clock.advance(timedelta(days=1))
    removed = app_client.post(
        f"/community/groups/{gid}/members/{mai.id}/remove", data={"csrf_token": csrf_from(again)}
    )
    assert removed.status_code == 200 and "0 members" in removed.text
    assert "Remove this customer from the group?" in added.text  # the browser asks first
    assert _community_events(ctx, mai.id) == ["community.joined", "community.left"]
    assert _audit_actions(ctx, shop) == ["community.member_added", "community.member_removed"]


def test_a_customer_is_added_to_a_group_from_their_own_page(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    mai = make_customer(ctx, shop, "A")
    gid = _group(ctx, shop, "Phin lovers")
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/customers/{mai.id}")
    assert 'data-testid="add-to-group"' in page.text

    joined = app_client.post(
        f"/community/customers/{mai.id}/groups",
        data={"group_id": str(gid), "csrf_token": csrf_from(page)},
    )

    assert str(joined.url).endswith(f"/customers/{mai.id}")
    assert 'data-testid="customer-groups"' in joined.text and "Zalo · Phin lovers" in joined.text
    assert _community_events(ctx, mai.id) == ["community.joined"]


def test_a_viewer_sees_the_members_but_cannot_add_or_remove_anyone(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    mai = make_customer(ctx, shop, "A")
    gid = _group(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, "viewer@acme.test", "viewer"), shop)
    page = app_client.get(f"/community/groups/{gid}")
    assert page.status_code == 200 and 'data-testid="add-member"' not in page.text

    refused = app_client.post(
        f"/community/groups/{gid}/members",
        data={"customer_id": str(mai.id), "csrf_token": csrf_from(page)},
    )

    assert refused.status_code == 403
    assert _community_events(ctx, mai.id) == [] and _audit_actions(ctx, shop) == []


def test_another_shops_customer_or_group_is_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[[str], Shop],
    make_staff: Callable[..., str],
) -> None:
    other = make_shop("bravo")
    stranger = make_customer(ctx, other, "Z")
    their_group = _group(ctx, other)
    gid = _group(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/community/groups/{gid}")
    token = csrf_from(page)

    assert app_client.get(f"/community/groups/{their_group}").status_code == 404
    added = app_client.post(
        f"/community/groups/{gid}/members",
        data={"customer_id": str(stranger.id), "csrf_token": token},
    )
    assert added.status_code == 404
    assert _community_events(ctx, stranger.id) == []
