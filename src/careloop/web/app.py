"""create_app: the FastAPI application, wired to an AppContext and assembled from the
capabilities' manifests by careloop.bootstrap."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

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
    bootstrap.assemble()
    app.include_router(api_router)
    app.include_router(staff_router())
    # Pages outside the staff UI: ops endpoints, tracking and unsubscribe links, provider
    # callbacks, the customer's survey and loyalty pages.
    for router in bootstrap.public_routers():
        app.include_router(router)
    bootstrap.check_routes(app.routes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
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
