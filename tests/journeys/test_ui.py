from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.context import AppContext
from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.models import Journey
from careloop.journeys.service import save_journey
from careloop.journeys.shipped import RECOMMENDED
from careloop.shops.models import Shop
from tests.web.helpers import csrf_from, sign_in

GOLDEN = PLAYBOOKS / "golden_hours.yaml"


def load_golden_hours(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        save_journey(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            text=GOLDEN.read_text(encoding="utf-8"),
            source_name="golden_hours.yaml",
        )


def test_the_owner_sees_the_journey_and_activates_then_pauses_it(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    load_golden_hours(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    listing = app_client.get("/journeys")
    assert "Golden Hours 0-3-7" in listing.text and ">draft<" in listing.text
    page = app_client.get("/journeys/golden_hours")
    assert 'data-testid="funnel"' in page.text and "thank_you" in page.text
    active = app_client.post(
        "/journeys/golden_hours/activate", data={"csrf_token": csrf_from(page), "anyway": "1"}
    )
    assert 'data-testid="journey-status">active<' in active.text
    paused = app_client.post("/journeys/golden_hours/pause", data={"csrf_token": csrf_from(page)})
    assert 'data-testid="journey-status">paused<' in paused.text


def test_the_editor_shows_the_loaders_errors_with_line_numbers(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/journeys/new")
    bad = (
        "key: broken\nname: Broken\ntrigger:\n  event: order.delivered\nsteps:\n"
        "  - id: a\n    send: {template: x}\n    wait: {duration: 1d}\n"
    )
    check = app_client.post("/journeys/validate", data={"text": bad, "csrf_token": csrf_from(page)})
    assert 'data-testid="journey-error"' in check.text and "line " in check.text
    saved = app_client.post("/journeys", data={"text": bad, "csrf_token": csrf_from(page)})
    assert saved.status_code == 422 and "line " in saved.text
    with ctx.sessions() as s:
        assert s.scalars(select(Journey)).all() == []


def test_a_valid_draft_previews_its_steps_and_saves_as_a_version(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/journeys/new")
    text = GOLDEN.read_text(encoding="utf-8")
    check = app_client.post(
        "/journeys/validate", data={"text": text, "csrf_token": csrf_from(page)}
    )
    assert 'data-testid="journey-preview"' in check.text and "usage_guide" in check.text
    saved = app_client.post("/journeys", data={"text": text, "csrf_token": csrf_from(page)})
    assert saved.status_code == 200 and "golden_hours · v1" in saved.text


def test_simulating_90_days_shows_the_step_table(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    load_golden_hours(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get("/journeys/golden_hours")
    result = app_client.post(
        "/journeys/golden_hours/simulate",
        data={"csrf_token": csrf_from(page)},
        headers={"HX-Request": "true"},
    )
    assert result.status_code == 200
    assert 'data-testid="simulation"' in result.text and "nothing was sent" in result.text
    assert "thank_you" in result.text


def test_agents_and_viewers_cannot_change_journeys(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    load_golden_hours(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    page = app_client.get("/journeys/golden_hours")
    assert page.status_code == 200 and 'data-testid="activate"' not in page.text
    token = csrf_from(page)
    assert (
        app_client.post("/journeys/golden_hours/activate", data={"csrf_token": token}).status_code
        == 403
    )
    sign_in(app_client, ctx, make_staff(shop, email="a@acme.test", role="agent"), shop)
    assert (
        app_client.post("/journeys/golden_hours/pause", data={"csrf_token": token}).status_code
        == 403
    )


def test_another_shops_journey_is_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    load_golden_hours(ctx, shop)
    other = make_shop("other")
    sign_in(app_client, ctx, make_staff(other, email="owner@other.test"), other)
    token = csrf_from(app_client.get("/journeys"))
    assert app_client.get("/journeys/golden_hours").status_code == 404
    for action in ("activate", "pause", "simulate"):
        answer = app_client.post(f"/journeys/golden_hours/{action}", data={"csrf_token": token})
        assert answer.status_code == 404


def _active_keys(ctx: AppContext) -> set[str]:
    with ctx.sessions() as s:
        return set(s.scalars(select(Journey.key).where(Journey.status == "active")))


def test_a_new_shop_turns_on_a_shipped_journey_with_one_click_and_no_shell_command(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    listing = app_client.get("/journeys")
    assert "careloop journeys" not in listing.text
    assert 'data-testid="shipped-golden_hours"' in listing.text
    done = app_client.post("/journeys/install/birthday", data={"csrf_token": csrf_from(listing)})
    assert done.status_code == 200 and "Turned on: Birthday." in done.text
    assert 'data-testid="shipped-birthday"' not in done.text
    assert _active_keys(ctx) == {"birthday"}


def test_turn_on_all_recommended_installs_each_recommended_journey_once(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    listing = app_client.get("/journeys")
    token = {"csrf_token": csrf_from(listing)}
    app_client.post("/journeys/install/golden_hours", data=token)
    done = app_client.post("/journeys/install-recommended", data=token)
    assert done.status_code == 200 and 'data-testid="turn-on-recommended"' not in done.text
    assert _active_keys(ctx) == set(RECOMMENDED)
    with ctx.sessions() as s:
        assert len(s.scalars(select(Journey).where(Journey.key == "golden_hours")).all()) == 1


def test_a_viewer_cannot_turn_on_a_shipped_journey(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    listing = app_client.get("/journeys")
    answer = app_client.post("/journeys/install/birthday", data={"csrf_token": csrf_from(listing)})
    assert answer.status_code == 403 and _active_keys(ctx) == set()
