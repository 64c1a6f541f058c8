"""create_app: the FastAPI application, wired to an AppContext and assembled from the
capabilities' manifests by careloop.bootstrap."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from fastapi import Depends, FastAPI, Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from careloop import __version__, bootstrap
from careloop.context import AppContext, build_context
from careloop.core.errors import Conflict, NotFound, ValidationFailed
from careloop.web.api import api_router
from careloop.web.asgi import CountAndAllow
from careloop.web.audit import record_changes
from careloop.web.deps import database_turn, get_session
from careloop.web.limits import BodySizeLimit
from careloop.web.security import SecurityHeaders
from careloop.web.ui import staff_router
from careloop.web.ui.errors import (
    error_page,
    install_ui_error_handlers,
    is_ui_path,
    validation_error_page,
)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(ctx: AppContext | None = None) -> FastAPI:
    ctx = ctx or build_context()
    app = FastAPI(
        title="Careloop",
        version=__version__,
        description="After-sales automation: customers, orders, journeys, loyalty, support.",
    )
    app.state.ctx = ctx
    app.dependency_overrides = _NoOverrides()
    bootstrap.assemble()
    app.router.routes.extend(capability_routes())
    bootstrap.check_routes(app.routes)
    _install_error_handlers(app)
    install_ui_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=ctx.secret_key,
        session_cookie="careloop_session",
        same_site="lax",
        https_only=ctx.settings.secure_cookies,
        max_age=14 * 24 * 3600,
    )
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(CountAndAllow, counts=ctx.request_counts)

    return app


@cache
def capability_routes() -> tuple[BaseRoute, ...]:
    """Every capability's routes (API, staff pages, public pages, static files), included
    once per process and shared by every app `create_app` builds.

    The routers are included into a holder app (FastAPI combines prefixes, tags, responses
    and dependencies), then flattened into plain routes (`flatten`) whose dependencies
    (signatures, pydantic fields) are resolved once here: redoing that for every app was
    half of the test suite's CPU time, which builds an app per test. The routes hold no
    per-app state: an endpoint finds the AppContext through `request.app.state.ctx`, and
    the middleware, error handlers, lifespan and OpenAPI schema stay each app's own. The
    one thing an app cannot have is its own `dependency_overrides` (the plain routes ask no
    app for overrides); `_NoOverrides` refuses them loudly. No capability router
    has startup or shutdown handlers (tests/bootstrap/test_app_assembly.py), so including
    them in the holder loses no lifespan work.
    """
    holder = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    holder.include_router(api_router)
    holder.include_router(staff_router())
    # Pages outside the staff UI: ops endpoints, tracking and unsubscribe links, provider
    # callbacks, the customer's survey and loyalty pages.
    for router in bootstrap.public_routers():
        holder.include_router(router)
    holder.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return tuple(flatten(holder.router.routes))


def flatten(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """Each route of `routes`, through included routers, as a plain route with its full path
    and every dependency, tag and response its inclusions give it.

    FastAPI 0.165 keeps an included router as one branch that it walks for every request
    (scope bookkeeping per branch, and the selected branch matched a second time to handle
    it): for ~235 routes that was the largest single cost of an API request
    (docs/decisions/0032-accept-path-profile.md). Plain routes are matched by one pass of
    their regexes, in the same order, so the same route answers. The routes ask no app for
    dependency overrides (`_NoOverrides`)."""
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield _plain_api_route(context)
        elif context._route_context is None:  # not inside an inclusion: already plain
            yield route
        else:
            raise bootstrap.AssemblyError(
                f"an included {type(route).__name__} ({context.path}) cannot be flattened;"
                " mount it on the holder app (careloop.web.app.capability_routes)"
            )


def _plain_api_route(context: RouteContext) -> APIRoute:
    """An APIRoute equal to the inclusion's effective one, but for the audit dependency of a
    route that never uses the request's session (see `_without_idle_audit`)."""
    route = _api_route(context, list(context.dependencies))
    dependencies = _without_idle_audit(route)
    return route if dependencies is None else _api_route(context, dependencies)


def _without_idle_audit(route: APIRoute) -> list[params.Depends] | None:
    """The route's dependencies with `record_changes` replaced by the database turn it took,
    when nothing else in the route asks for the request's session; else None.

    `record_changes` audits what the route changed through the request's session (and
    nothing else): a route that writes through its own transactions (the ingest routes, the
    webhooks) leaves that session empty, so the dependency can never write an entry there,
    yet it opened the session in a worker thread and closed it in another on every request.
    The database turn (`web.deps.database_turn`) it waited for is kept: routes that open
    their own sessions rely on it to take turns at SQLite."""
    audit_at = [i for i, d in enumerate(route.dependencies) if d.dependency is record_changes]
    if not audit_at:
        return None
    own = [d for d in route.dependant.dependencies if d.call is not record_changes]
    if any(_asks_for_session(d) for d in own):
        return None
    dependencies = list(route.dependencies)
    dependencies[audit_at[0]] = Depends(database_turn, scope="function")
    return dependencies


def _asks_for_session(dependant: Dependant) -> bool:
    return dependant.call is get_session or any(
        _asks_for_session(d) for d in dependant.dependencies
    )


def _api_route(context: RouteContext, dependencies: list[params.Depends]) -> APIRoute:
    """An APIRoute with the fields of the inclusion's effective route (fastapi.routing
    `_EffectiveRouteContext.from_api_route` lists the same ones)."""
    return APIRoute(
        context.path or "",
        context.endpoint or _missing_endpoint,
        response_model=context.response_model,
        status_code=context.status_code,
        tags=list(context.tags),
        dependencies=dependencies,
        summary=context.summary,
        description=context.description,
        response_description=context.response_description,
        responses=dict(context.responses),
        deprecated=context.deprecated,
        name=context.name,
        methods=set(context.methods or ()),
        operation_id=context.operation_id,
        response_model_include=context.response_model_include,
        response_model_exclude=context.response_model_exclude,
        response_model_by_alias=context.response_model_by_alias,
        response_model_exclude_unset=context.response_model_exclude_unset,
        response_model_exclude_defaults=context.response_model_exclude_defaults,
        response_model_exclude_none=context.response_model_exclude_none,
        include_in_schema=context.include_in_schema,
        response_class=context.response_class,
        callbacks=context.callbacks,
        openapi_extra=context.openapi_extra,
        generate_unique_id_function=context.generate_unique_id_function,
        strict_content_type=context.strict_content_type,
        max_body_size=context.max_body_size,
    )


def _missing_endpoint() -> NoReturn:
    raise AssertionError("an API route without an endpoint")


class _NoOverrides(dict[Any, Any]):
    """An app's dependency_overrides: always empty (see `capability_routes`)."""

    def __setitem__(self, key: Any, value: Any) -> NoReturn:
        raise TypeError(
            "Careloop apps share their routes (careloop.web.app.capability_routes), so "
            "dependency_overrides cannot apply per app; bind a port double instead "
            "(careloop.core.ports)"
        )

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        self.__setitem__(None, None)

    def setdefault(self, key: Any, default: Any = None) -> NoReturn:
        self.__setitem__(key, default)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ValidationFailed)
    async def _invalid(_request: Request, exc: ValidationFailed) -> JSONResponse:
        detail = [
            {"loc": ["body", *e.field.split(".")], "msg": e.reason, "type": "value_error"}
            for e in exc.errors
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if is_ui_path(request.url.path):
            return error_page(request, 404)
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Conflict)
    async def _conflict(_request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_ui_path(request.url.path):
            return validation_error_page(request, exc)
        # Same shape as FastAPI's default, minus the echoed input (it may be huge or personal).
        detail = [
            {
                "loc": list(err.get("loc", ())),
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)
