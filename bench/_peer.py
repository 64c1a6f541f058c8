"""The peer limit of bench/load.py: a bare ASGI endpoint under uvicorn, run the way
`careloop serve` runs Careloop (same uvicorn, same HTTP parser and event loop, the same
access log line per request), that reads each request's body and answers 202 with a small
JSON body, doing nothing else. What it sustains at the same concurrency with the same client
is what this machine's HTTP stack can do at all; Careloop's figure is printed against it.

    .venv/bin/python bench/_peer.py --port 8123
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

BODY = b'{"status":"accepted"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 202, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    from uvicorn.config import LOGGING_CONFIG

    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", log_config=LOGGING_CONFIG)


if __name__ == "__main__":
    main()
