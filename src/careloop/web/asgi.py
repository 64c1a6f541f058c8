"""Plain ASGI middleware for the two things every response passes through: the request
counters (/metrics) and the complete `Allow` header of a 405 (careloop.web.allow).

Written as ASGI callables rather than `@app.middleware("http")` functions: Starlette's
BaseHTTPMiddleware runs the rest of the app in a task group with memory streams per request,
which cost more than the accept path of a webhook itself
(docs/decisions/0027-fast-accept-path.md)."""

from __future__ import annotations

from collections import Counter

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from careloop.web.allow import allowed_methods


class CountAndAllow:
    """Counts each HTTP response by method and status class into `counts`, and rewrites the
    `Allow` header of a 405 from every route of the application (RFC 9110 section 15.5.6)."""

    def __init__(self, app: ASGIApp, counts: Counter[tuple[str, str]]) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                code = int(message["status"])
                self.counts[(str(scope["method"]), f"{code // 100}xx")] += 1
                if code == 405:
                    methods = allowed_methods(scope["app"].router.routes, scope["path"])
                    if methods:
                        MutableHeaders(scope=message)["allow"] = ", ".join(methods)
            await send(message)

        await self.app(scope, receive, counting_send)
