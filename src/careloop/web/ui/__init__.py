"""The staff UI: server-rendered Jinja2 + HTMX pages.

Each page module exposes `router` (and registers its nav entry); the capabilities' manifests
name their page modules, and careloop.bootstrap lists them in mounting order (PAGE_MODULES).
Every route here is CSRF-checked for unsafe methods by the router-level dependency."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from careloop import bootstrap
from careloop.web.audit import record_changes
from careloop.web.security import csrf_protect

PAGE_MODULES: list[str] = bootstrap.staff_page_modules()

# CSRF first; record_changes audits every staff change a route did not audit itself.
ui_router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(csrf_protect), Depends(record_changes, scope="function")],
)

for _router in bootstrap.staff_routers():
    ui_router.include_router(_router)
