"""Error answers every /api/v1 route can give, declared once so the OpenAPI spec lists them.

They come from the app-wide handlers (NotFound -> 404, Conflict -> 409), the API key check
(401) and the request parser (400 for a body that is not even text); 422 is FastAPI's own.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorMessage(BaseModel):
    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorMessage, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The body could not be read (not valid UTF-8 or not parseable)"),
    401: _error("Missing, invalid or revoked API key (or webhook signature)"),
    404: _error("No such resource in this shop"),
    409: _error("Conflicts with what is stored"),
    413: _error("Request body too large"),
}
