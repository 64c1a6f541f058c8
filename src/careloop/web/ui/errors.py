"""Errors on staff pages as HTML (the API keeps its JSON): 404, 403, and the login redirect."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from careloop.web.ui.deps import LoginRequired
from careloop.web.ui.templating import is_htmx, render

# Paths that are not staff pages; everything else is answered in HTML.
NON_UI_PREFIXES = (
    "/api/",
    "/static/",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
)


def is_ui_path(path: str) -> bool:
    return not path.startswith(NON_UI_PREFIXES)


def error_page(request: Request, status_code: int, detail: str | None = None) -> HTMLResponse:
    """A small standalone page; it never needs the database, so it works when that fails."""
    kind = str(status_code) if status_code in (400, 403, 404) else "generic"
    # Our own 400/403 reasons are shown; a 404 says nothing about what exists elsewhere.
    shown = detail if status_code in (400, 403) else None
    return render(
        request,
        "error.html",
        {"status_code": status_code, "kind": kind, "detail": shown},
        staff=None,
        status_code=status_code,
    )


def validation_error_page(request: Request, exc: RequestValidationError) -> HTMLResponse:
    """A form or link with a missing or malformed field: 400, naming the fields."""
    fields = "; ".join(
        f"{err.get('loc', ('?',))[-1]}: {err.get('msg', '')}" for err in exc.errors()[:5]
    )
    return error_page(request, 400, fields)


def login_redirect(request: Request, next_path: str) -> Response:
    target = "/login?" + urlencode({"next": next_path}) if next_path not in ("", "/") else "/login"
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load instead of swapping a fragment.
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_ui_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc.next_path)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_ui_path(request.url.path) and exc.status_code >= 400:
            return error_page(request, exc.status_code, str(exc.detail) if exc.detail else None)
        return await http_exception_handler(request, exc)
