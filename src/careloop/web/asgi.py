"""Plain ASGI middleware for the two things every response passes through: the request
counters (/metrics) and the complete `Allow` header of a 405 (careloop.web.allow).

Written as ASGI callables rather than `@app.middleware("http")` functions: Starlette's
BaseHTTPMiddleware runs the rest of the app in a task group with memory streams per request,
which cost more than the accept path of a webhook itself
(docs/decisions/0027-fast-accept-path.md)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import cast

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from careloop.context import AppContext
from careloop.web.allow import allowed_methods
from careloop.web.deps import database_turn


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


# A fast accept handler: (context, scope, path match, body) -> the response, or None when
# the request is not the plain case it answers (the application then answers it).
FastHandler = Callable[[AppContext, Scope, re.Match[str], bytes], Awaitable[Response | None]]
_FAST_ACCEPT: list[tuple[str, re.Pattern[str], FastHandler]] = []


def register_fast_accept(method: str, path: str, handler: FastHandler) -> None:
    """Answer `method` requests whose path matches the regular expression `path` with
    `handler` before the application's router (see FastAccept). The route itself stays in the
    application, which answers whatever the handler leaves (and documents it in OpenAPI)."""
    entry = (method, re.compile(path), handler)
    if entry not in _FAST_ACCEPT:
        _FAST_ACCEPT.append(entry)


class FastAccept:
    """The accept path of an ingest request without the framework's per-request work.

    A FastAPI route pays for solving its dependencies (and the API router's audit
    dependency) and for matching its path against every route of the application: about 5
    of the 6 ms of CPU an accepted order took (docs/decisions/0027 "Measured"). A handler
    registered here does the same key or signature check and inbox append, in the same
    database turn, and answers the same status and body; whatever it does not answer
    itself (a missing key, a body the schema refuses, an unknown shop) goes on to the
    application with the body replayed, so every refusal is the route's own (401, 404,
    422 naming the field). Placed inside the body-size limit, the counters and the
    security headers, so those still apply (docs/decisions/0029-batched-apply.md)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        found = _fast_handler(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        handler, match = found
        body = await _read_body(receive)
        response = await handler(scope["app"].state.ctx, scope, match, body)
        if response is None:
            await self.app(scope, _replay(body, receive), send)
        else:
            await response(scope, receive, send)


def _fast_handler(scope: Scope) -> tuple[FastHandler, re.Match[str]] | None:
    for method, pattern, handler in _FAST_ACCEPT:
        match = pattern.fullmatch(scope["path"])
        if match is not None and method == scope["method"]:
            return handler, match
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


@asynccontextmanager
async def database_turn_of(ctx: AppContext) -> AsyncIterator[None]:
    """The request's turn for a database session, as the routes' DatabaseTurn takes it."""
    turn = cast(AsyncGenerator[None, None], database_turn(ctx))
    await anext(turn)
    try:
        yield
    finally:
        await turn.aclose()  # gives the turn back at once, whatever happened inside


def bearer_key(scope: Scope) -> str | None:
    """The API key of `Authorization: Bearer <key>`, or None."""
    scheme, _, key = Headers(scope=scope).get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def json_body_type(scope: Scope) -> bool:
    """Whether FastAPI reads this body as JSON (no content type, or application/json)."""
    content_type = Headers(scope=scope).get("content-type")
    return content_type is None or content_type.split(";")[0].strip().lower() == "application/json"
