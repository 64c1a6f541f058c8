"""The `Allow` header of a 405 names every method the path supports (RFC 9110 §15.5.6).

Starlette answers 405 from the first route whose path matched, so a path served by two
routers (GET in one, DELETE in another) would list only one router's methods. This
middleware recomputes the header from all routes of the application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import Request, Response
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> list[str]:
    """Every method of every route (included routers too) whose path matches `path`, sorted."""
    methods: set[str] = set()
    for route in iter_route_contexts(routes):
        if route.path and route.methods and compile_path(route.path)[0].match(path):
            methods |= set(route.methods)
    return sorted(methods)


async def complete_allow_header(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    if response.status_code == 405:
        methods = allowed_methods(request.app.router.routes, request.url.path)
        if methods:
            response.headers["allow"] = ", ".join(methods)
    return response
