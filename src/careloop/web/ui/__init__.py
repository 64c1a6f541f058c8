"""The staff UI: server-rendered Jinja2 + HTMX pages."""

from __future__ import annotations

from fastapi import APIRouter

ui_router = APIRouter(include_in_schema=False)
