"""Page numbers from query strings: 1 to MAX_PAGE, else a 422 naming `page` (a page number
of 1e20 once reached the database as an OFFSET it cannot hold: a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError

MAX_PAGE = 100_000

Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE}")]


def page_out_of_range(name: str = "page") -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "loc": ("query", name),
                "msg": f"Input should be less than or equal to {MAX_PAGE}",
                "type": "less_than_equal",
            }
        ]
    )
