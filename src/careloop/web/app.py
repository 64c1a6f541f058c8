"""create_app: the FastAPI application, wired to an AppContext and assembled from the
capabilities' manifests by careloop.bootstrap."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from careloop import __version__, bootstrap
from careloop.context import AppContext, build_context
from careloop.core.errors import Conflict, NotFound, ValidationFailed
from careloop.web.api import api_router
from careloop.web.asgi import CountAndAllow
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

    FastAPI resolves an included route's dependencies (signatures, pydantic fields) the
    first time a request is matched against it, and keeps the result on the inclusion. An
    inclusion per app would redo that work for every app: in the test suite, which builds
    an app per test, it was half of all CPU time. The routes hold no per-app state: an
    endpoint finds the AppContext through `request.app.state.ctx`, and the middleware,
    error handlers, lifespan and OpenAPI schema stay each app's own. The one thing an app
    cannot have is its own `dependency_overrides` (the shared inclusions ask the holder
    app below, which has none); `_NoOverrides` refuses them loudly. No capability router
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
    return tuple(holder.router.routes)


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
