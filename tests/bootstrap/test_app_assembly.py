"""create_app builds each app around one shared set of capability routes
(careloop.web.app.capability_routes): what each app keeps its own, and what it cannot have."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from careloop import bootstrap
from careloop.context import AppContext
from careloop.web.api import api_router
from careloop.web.app import capability_routes, create_app
from careloop.web.ui import staff_router


def test_no_capability_router_has_startup_or_shutdown_work() -> None:
    """The shared routes are included in a holder app, not in each app: a router's startup
    or shutdown handlers would not run with the app that serves it."""
    bootstrap.assemble()
    routers: list[APIRouter] = [api_router, staff_router(), *bootstrap.public_routers()]
    pending = list(routers)
    while pending:
        router = pending.pop()
        assert not router.on_startup and not router.on_shutdown, router
        pending.extend(r.original_router for r in router.routes if hasattr(r, "original_router"))


def test_two_apps_share_the_routes_but_each_answers_with_its_own_context(
    ctx: AppContext,
) -> None:
    quiet = replace(ctx, settings=ctx.settings.model_copy(update={"max_body_bytes": 10}))
    first, second = create_app(ctx), create_app(quiet)

    shared = {id(route) for route in capability_routes()}
    assert shared <= {id(r) for r in first.routes} & {id(r) for r in second.routes}
    assert first.state.ctx is ctx and second.state.ctx is quiet
    with TestClient(first) as one, TestClient(second) as two:
        assert one.post("/api/v1/customers", content=b"x" * 100).status_code == 401
        assert two.post("/api/v1/customers", content=b"x" * 100).status_code == 413


def test_a_router_included_in_one_app_is_not_in_the_next(ctx: AppContext) -> None:
    extra = APIRouter()
    extra.add_api_route("/only-here", lambda: {"here": True}, methods=["GET"])
    first = create_app(ctx)
    first.include_router(extra)

    with TestClient(first) as one, TestClient(create_app(ctx)) as two:
        assert one.get("/only-here").json() == {"here": True}
        assert two.get("/only-here").status_code == 404


def test_dependency_overrides_are_refused_naming_why(ctx: AppContext) -> None:
    app = create_app(ctx)
    with pytest.raises(TypeError, match="share their routes"):
        app.dependency_overrides[staff_router] = lambda: None
    with pytest.raises(TypeError, match="share their routes"):
        app.dependency_overrides.update({staff_router: lambda: None})
    assert app.dependency_overrides == {}
