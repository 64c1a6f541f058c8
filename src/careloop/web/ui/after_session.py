"""A response whose body is produced after the route has returned, that is after the
request's database session was committed and its database turn given back.

For work that needs the database only to gather its inputs and then runs on them for a
while (a template preview): on SQLite every request with a session takes the one turn,
so rendering inside the route would make every other shop's request wait for it."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class AfterSession(Response):
    """`produce` runs in a worker thread when the response is sent; its response is sent."""

    def __init__(self, produce: Callable[[], Response]) -> None:
        super().__init__(status_code=200, media_type="text/html")
        self._produce = produce

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await run_in_threadpool(self._produce)
        await response(scope, receive, send)
