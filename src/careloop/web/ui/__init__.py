"""The staff UI: server-rendered Jinja2 + HTMX pages.

Each page module exposes `router` (and registers its nav entry); the capabilities' manifests
name their page modules, and careloop.bootstrap lists them in mounting order. Every route
here is CSRF-checked for unsafe methods by the router-level dependency.

The router is built when the app asks for it (`staff_router()`), never on import: page
modules import helpers of this package (`careloop.web.ui.format`, …), and building the pages
while one of them is half-imported would import it again."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends

from careloop import bootstrap
from careloop.web.audit import record_changes
from careloop.web.security import csrf_protect


def page_modules() -> list[str]:
    """The staff page modules, in mounting order."""
    return bootstrap.staff_page_modules()


@cache
def staff_router() -> APIRouter:
    """Every staff page, CSRF first; record_changes audits every staff change a route did
    not audit itself."""
    router = APIRouter(
        include_in_schema=False,
        dependencies=[Depends(csrf_protect), Depends(record_changes, scope="function")],
    )
    for page_router in bootstrap.staff_routers():
        router.include_router(page_router)
    return router
