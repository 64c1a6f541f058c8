"""The app's router holds plain routes (careloop.web.app.flatten), so a request is matched
by one pass of their regexes instead of FastAPI 0.165's walk through included routers
(docs/decisions/0032-accept-path-profile.md); what the inclusions gave each route stays."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

from careloop import bootstrap
from careloop.context import AppContext
from careloop.web.api import api_router
from careloop.web.app import capability_routes, create_app
from careloop.web.audit import record_changes
from careloop.web.deps import database_turn
from careloop.web.ui import staff_router


def _included_app() -> FastAPI:
    """The same routers, included the FastAPI way (as create_app did before flattening)."""
    bootstrap.assemble()
    app = FastAPI(title="Careloop", version="x", description="x")
    app.include_router(api_router)
    app.include_router(staff_router())
    for router in bootstrap.public_routers():
        app.include_router(router)
    return app


def test_every_route_is_plain_and_the_api_comes_first() -> None:
    routes = capability_routes()
    assert all(isinstance(r, (APIRoute, Mount)) for r in routes)
    paths = [r.path for r in routes]
    api = [i for i, p in enumerate(paths) if p.startswith("/api/v1/")]
    assert api == list(range(len(api))), "API routes are matched first"


def test_the_openapi_document_describes_the_same_operations_as_the_included_routers(
    ctx: AppContext,
) -> None:
    flat = create_app(ctx).openapi()
    included = _included_app().openapi()
    assert flat["paths"] == included["paths"]  # operations, ids, parameters, responses
    assert flat["components"] == included["components"]


def test_only_routes_that_never_use_the_request_session_lose_the_audit_dependency() -> None:
    def calls(route: APIRoute) -> set[Any]:
        return {d.dependency for d in route.dependencies}

    by_key = {
        (method, r.path): r
        for r in capability_routes()
        if isinstance(r, APIRoute)
        for method in r.methods
    }
    for key in [
        ("POST", "/api/v1/orders"),
        ("POST", "/api/v1/orders/{order_id}/status"),
        ("POST", "/api/v1/webhooks/{platform}/{shop}"),
    ]:
        assert record_changes not in calls(by_key[key]) and database_turn in calls(by_key[key])
    # A route that changes data through the request's session is still audited.
    assert record_changes in calls(by_key[("POST", "/api/v1/events")])
    assert record_changes in calls(by_key[("POST", "/settings/api-keys/{key_id}/revoke")])
