"""The segments page: the 5x5 RFM grid (recency by frequency) with customer counts, and
each segment with its care strategy; every cell and segment links to the filtered
customers list."""

from __future__ import annotations

import re
from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.segments.clv_service import MIN_CUSTOMERS, MIN_REPEAT_BUYERS
from careloop.segments.clv_view import clv_overview
from careloop.segments.models import CustomerSegment
from careloop.segments.rfm import SEGMENTS, segment_for
from careloop.segments.service import segment_counts
from careloop.web.deps import SessionDep
from careloop.web.i18n import t
from careloop.web.ui.deps import CurrentStaff
from careloop.web.ui.format import format_money_local, format_number, format_percent
from careloop.web.ui.templating import render

router = APIRouter()


SCORES = (1, 2, 3, 4, 5)
# The CLV fit's notes are stored in English (segment runs keep them); the page words the
# known ones for its reader and shows any other as stored.
_TOO_LITTLE = re.compile(r"Too little data for a CLV model: (\d+) customers, (\d+) repeat buyers")
_KNOWN_NOTES = {
    "The purchase model did not settle": "segments.clv.note.unsettled",
    "The spend model is unstable": "segments.clv.note.unstable_spend",
}


def clv_note_text(note: str, locale: str) -> str:
    """A stored CLV note in the reader's language, with its figures in local format."""
    found = _TOO_LITTLE.match(note)
    if found:
        return t(
            "segments.clv.note.too_little",
            locale,
            customers=format_number(int(found[1]), locale),
            repeaters=format_number(int(found[2]), locale),
            min_customers=format_number(MIN_CUSTOMERS, locale),
            min_repeaters=format_number(MIN_REPEAT_BUYERS, locale),
        )
    for start, key in _KNOWN_NOTES.items():
        if note.startswith(start):
            return t(key, locale)
    return note


def grid_counts(session: Session, shop_id: int) -> dict[tuple[int, int], int]:
    return {
        cell: sum(by_segment.values())
        for cell, by_segment in grid_segments(session, shop_id).items()
    }


def grid_segments(session: Session, shop_id: int) -> dict[tuple[int, int], dict[str, int]]:
    """Per (R, F) cell, customers per segment: M also decides the segment, so one cell
    can hold more than one."""
    rows = session.execute(
        select(
            CustomerSegment.r_score, CustomerSegment.f_score, CustomerSegment.segment, func.count()
        )
        .where(CustomerSegment.shop_id == shop_id)
        .group_by(CustomerSegment.r_score, CustomerSegment.f_score, CustomerSegment.segment)
    ).all()
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for r, f, segment, n in rows:
        found[(int(r), int(f))][str(segment)] = int(n)
    return found


def cell_segment(r: int, f: int, by_segment: dict[str, int]) -> str:
    """The segment most of a cell's customers are in (for an empty cell: the one a
    customer with M equal to F would be in)."""
    if not by_segment:
        return segment_for(r, f, f)
    return max(sorted(by_segment), key=lambda key: by_segment[key])


def heat_class(count: int, peak: int) -> str:
    """heat-0 (empty) .. heat-4 (the fullest cell), for shading without inline styles."""
    if count <= 0 or peak <= 0:
        return "heat-0"
    return f"heat-{min(4, 1 + (4 * count - 1) // peak)}"


def _minor(value: float | None) -> int | None:
    return None if value is None else round(value)


@router.get("/segments", response_class=HTMLResponse)
def segments_page(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    cells = grid_segments(session, staff.shop.id)
    counts = {cell: sum(by.values()) for cell, by in cells.items()}
    peak = max(counts.values(), default=0)
    clv = clv_overview(session=session, shop=staff.shop)
    currency, lang = staff.shop.currency, staff.locale
    rows = [
        {
            "r": r,
            "cells": [
                {
                    "f": f,
                    "count": counts.get((r, f), 0),
                    "count_text": format_number(counts.get((r, f), 0), lang),
                    "segment": SEGMENTS[cell_segment(r, f, cells.get((r, f), {}))],
                    "heat": heat_class(counts.get((r, f), 0), peak),
                }
                for f in SCORES
            ],
        }
        for r in reversed(SCORES)
    ]
    return render(
        request,
        "segments/page.html",
        {
            "rows": rows,
            "scores": SCORES,
            "segments": SEGMENTS,
            "segment_counts": {
                key: format_number(n, lang)
                for key, n in segment_counts(session=session, shop_id=staff.shop.id).items()
            },
            "clv": clv,
            "clv_figures": {
                "historical": format_money_local(_minor(clv.historical_mean_minor), currency, lang),
                "predicted": format_money_local(_minor(clv.predicted_mean_minor), currency, lang),
                "alive": format_percent(clv.p_alive_mean, lang, digits=0),
                "notes": [clv_note_text(note, lang) for note in clv.notes],
            },
            "empty": not counts,
        },
        staff=staff,
    )
