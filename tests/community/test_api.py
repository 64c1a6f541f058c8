from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from tests.community.factories import make_customer, messages, run_worker
from tests.conftest import ShopFactory


def _campaign_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Phin tips",
        "purpose": "value",
        "audience": {"segments": ["champions"]},
        "subject": "Three phin tips",
        "body": "Warm the filter first.",
    }
    return body | overrides


def test_a_campaign_is_created_previewed_scheduled_and_sent_over_the_api(
    ctx: AppContext, shop: Shop, api: TestClient
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B", segment="at_risk")

    created = api.post("/api/v1/campaigns", json=_campaign_body())
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.json()["status"] == "draft"

    preview = api.get(f"/api/v1/campaigns/{cid}/preview").json()
    assert preview["total"] == 1 and preview["send"] == 1

    scheduled = api.post(f"/api/v1/campaigns/{cid}/schedule")
    assert scheduled.json()["status"] == "scheduled"
    run_worker(ctx)
    assert len(messages(ctx)) == 1
    assert api.get(f"/api/v1/campaigns/{cid}").json()["sends"] == {"sent": 1}
    assert [c["id"] for c in api.get("/api/v1/campaigns").json()] == [cid]


def test_a_campaign_cancelled_before_its_time_sends_nothing(
    ctx: AppContext, clock: VirtualClock, shop: Shop, api: TestClient
) -> None:
    make_customer(ctx, shop, "A")
    cid = api.post("/api/v1/campaigns", json=_campaign_body()).json()["id"]
    later = (clock.now() + timedelta(days=2)).isoformat()
    api.post(f"/api/v1/campaigns/{cid}/schedule", json={"send_at": later})

    cancelled = api.post(f"/api/v1/campaigns/{cid}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    clock.advance(timedelta(days=3))
    run_worker(ctx)
    assert messages(ctx) == []
    again = api.post(f"/api/v1/campaigns/{cid}/schedule")
    assert again.status_code == 409


def test_a_bad_campaign_body_names_the_field(api: TestClient) -> None:
    response = api.post("/api/v1/campaigns", json=_campaign_body(audience={"segments": ["vip"]}))
    assert response.status_code == 422
    assert any("segments" in d["loc"] for d in response.json()["detail"])
    assert api.get("/api/v1/campaigns").json() == []


def test_an_event_fills_up_and_puts_the_next_rsvp_on_the_waitlist_over_the_api(
    ctx: AppContext, clock: VirtualClock, shop: Shop, api: TestClient
) -> None:
    for ext in ("A", "B"):
        make_customer(ctx, shop, ext)
    starts = (clock.now() + timedelta(days=5)).isoformat()
    created = api.post(
        "/api/v1/community-events", json={"title": "Latte art", "starts_at": starts, "capacity": 1}
    )
    assert created.status_code == 201, created.text
    event = created.json()

    first = api.post(f"/api/v1/community-events/{event['id']}/rsvps/A").json()
    second = api.post(f"/api/v1/community-events/{event['id']}/rsvps/B").json()
    assert (first["status"], second["status"]) == ("going", "waitlist")
    checked = api.post(f"/api/v1/community-events/{event['id']}/checkins/A").json()
    assert checked["checked_in_at"] is not None
    shown = api.get(f"/api/v1/community-events/{event['id']}").json()
    assert (shown["going"], shown["waitlist"], shown["checked_in"]) == (1, 1, 1)
    assert api.post(f"/api/v1/community-events/{event['id']}/rsvps/NOPE").status_code == 404


def test_group_members_are_added_and_removed_over_the_api(
    ctx: AppContext, shop: Shop, api: TestClient
) -> None:
    from careloop.community.groups import create_group

    make_customer(ctx, shop, "A")
    with ctx.sessions() as s, s.begin():
        gid = create_group(
            session=s, clock=ctx.clock, shop=s.merge(shop), platform="zalo", name="VIP"
        ).id

    assert api.put(f"/api/v1/groups/{gid}/members/A").json()["member"] is True
    assert api.put(f"/api/v1/groups/{gid}/members/A").status_code == 200
    assert api.get("/api/v1/groups").json()[0]["members"] == 1
    assert api.delete(f"/api/v1/groups/{gid}/members/A").json()["member"] is False
    assert api.get("/api/v1/groups").json()[0]["members"] == 0


def test_launches_ugc_and_ambassadors_over_the_api(
    ctx: AppContext, clock: VirtualClock, shop: Shop, api: TestClient
) -> None:
    make_customer(ctx, shop, "A")
    launch = api.post(
        "/api/v1/launches",
        json={
            "sku": "PHIN-2",
            "name": "Phin 2",
            "early_at": (clock.now() + timedelta(days=1)).isoformat(),
            "public_at": (clock.now() + timedelta(days=8)).isoformat(),
        },
    )
    assert launch.status_code == 201, launch.text
    assert api.get("/api/v1/launches").json()[0]["segments"] == ["champions", "loyal"]

    body = {"customer_id": "A", "entry_key": "https://fb.example/p/1", "note": "latte"}
    first, again = api.post("/api/v1/ugc", json=body).json(), api.post("/api/v1/ugc", json=body)
    assert first["created"] is True and first["points"] == 50
    assert again.json()["created"] is False
    assert api.get("/api/v1/ambassadors").json() == []


def test_a_post_already_credited_to_one_customer_is_refused_for_another_naming_entry_key(
    ctx: AppContext, shop: Shop, api: TestClient
) -> None:
    make_customer(ctx, shop, "A")
    make_customer(ctx, shop, "B")
    body = {"customer_id": "A", "entry_key": "https://fb.example/p/9", "kind": "ugc"}
    assert api.post("/api/v1/ugc", json=body).json()["created"] is True

    stolen = api.post("/api/v1/ugc", json=body | {"customer_id": "B"})

    assert stolen.status_code == 409
    assert "entry_key" in stolen.json()["detail"]
    assert api.post("/api/v1/ugc", json=body).json()["customer_id"] == "A"


def test_another_shops_key_gets_404_on_this_shops_event_and_group(
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    api: TestClient,
    make_shop: ShopFactory,
    make_api_key: Callable[[Shop], str],
) -> None:
    make_customer(ctx, shop, "A")
    starts = (clock.now() + timedelta(days=5)).isoformat()
    event = api.post(
        "/api/v1/community-events", json={"title": "T", "starts_at": starts, "capacity": 3}
    )
    eid = event.json()["id"]
    other = make_shop("bravo")
    headers = {"Authorization": f"Bearer {make_api_key(other)}"}
    assert api.post(f"/api/v1/community-events/{eid}/rsvps/A", headers=headers).status_code == 404
    assert api.get(f"/api/v1/community-events/{eid}", headers=headers).status_code == 404
    assert api.get("/api/v1/community-events", headers=headers).json() == []
