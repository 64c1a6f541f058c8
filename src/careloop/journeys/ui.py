"""Journey pages: the shop's journeys with status and per-step funnel, activate / pause,
a YAML editor that validates (errors with line numbers) and previews, and the 90-day
simulation table."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response

from careloop.audit.service import audit
from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import FieldError, ValidationFailed
from careloop.journeys.activation import CATCH_UP_CHOICES, preview_activation
from careloop.journeys.loader import parse
from careloop.journeys.models import Journey
from careloop.journeys.schema import JourneyDef
from careloop.journeys.service import (
    activate_journey,
    definition_of,
    describe_trigger,
    get_journey,
    list_journeys,
    pause_journey,
    save_journey,
    template_check,
    wording_check,
)
from careloop.journeys.shipped import RECOMMENDED, catalogue, install_shipped
from careloop.journeys.simulate import simulate
from careloop.journeys.simulation_text import worded_enrollments, worded_rows
from careloop.journeys.step_labels import step_title
from careloop.journeys.timing import (
    allowed_channels,
    check,
    message_steps,
    rewrite,
)
from careloop.journeys.timing_form import (
    changes_of,
    loader_errors,
    setup_hint,
    shown_values,
    submitted_values,
    worded,
)
from careloop.journeys.wording import journey_title, trigger_text
from careloop.metrics.extras import FUNNEL_STAGES, OUTCOME_STAGES
from careloop.metrics.figures import JOURNEYS_FUNNEL
from careloop.metrics.web import page_figures
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import (
    CurrentStaff,
    OwnerStaff,
    StaffContext,
    current_staff,
    require_role,
)
from careloop.web.ui.templating import render

router = APIRouter()

SIMULATE_DAYS = 90
FUNNEL_COLUMNS = (*FUNNEL_STAGES, "converted", *OUTCOME_STAGES)
NEW_JOURNEY = """key: my_journey
name: My journey
trigger:
  event: order.delivered
steps:
  - id: thank_you
    send:
      template: golden_hours.thank_you
      channels: [zalo, sms]
      kind: transactional
"""

TEXTS = catalogue_texts("journeys.ui.texts")


def _texts(locale: str) -> dict[str, str]:
    return TEXTS["vi" if locale == "vi" else "en"]


def _funnel(
    session: SessionDep, staff: StaffContext, ctx: Ctx, background: BackgroundTasks
) -> tuple[dict[str, dict[str, Any]], datetime, bool]:
    """(journey key -> step key -> {stage: count}, as of when, newer figures on their way).

    The funnel reads every message event of the last 90 days (over 100,000 rows for a busy
    shop), so both journey pages show the shop's stored snapshot, refreshed in the
    background, and say when it was computed."""
    figures = page_figures(
        background=background, session=session, ctx=ctx, shop=staff.shop, key=JOURNEYS_FUNNEL
    )
    return figures.payload["journeys"], figures.as_of, figures.refreshing


@router.get("/journeys")
def journeys_page(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
    turned_on: str = "",
) -> Response:
    funnel, computed_at, refreshing = _funnel(session, staff, ctx, background)
    journeys = list_journeys(session, staff.shop)
    active = {j.key for j in journeys if j.status == "active"}
    texts = _texts(staff.locale)
    installed = [j.title(staff.locale) for j in catalogue() if j.key in set(turned_on.split(","))]
    return render(
        request,
        "journeys/list.html",
        {
            "t": _texts(staff.locale),
            "journeys": journeys,
            "shipped": [j for j in catalogue() if j.key not in active],
            "recommended_left": [k for k in RECOMMENDED if k not in active],
            "notice": texts["installed"].format(names=", ".join(installed)) if installed else "",
            "funnel": funnel,
            "computed_at": computed_at,
            "refreshing": refreshing,
            "figures_key": JOURNEYS_FUNNEL,
            "columns": FUNNEL_COLUMNS,
            "titles": {j.key: journey_title(j.key, j.name, staff.locale) for j in journeys},
            "triggers": {
                j.key: trigger_text(
                    definition_of(get_journey(session, staff.shop, j.key)), staff.locale
                )
                for j in journeys
            },
            "step_titles": {
                j.key: _step_titles(
                    definition_of(get_journey(session, staff.shop, j.key)), staff.locale
                )
                for j in journeys
            },
        },
        staff=staff,
    )


def _step_summary(jdef: JourneyDef, locale: str) -> list[dict[str, str]]:
    """Each step with its title in the staff's language ("Chờ đến ngày 3", "Gửi Zalo: …")."""
    steps = []
    for step in jdef.steps:
        data = step.model_dump(mode="json", by_alias=True, exclude_none=True)
        kind = next((k for k in data if k not in ("id", "next", "enabled")), "")
        steps.append({"id": step.id, "kind": kind, "title": step_title(step, locale)})
    return steps


def _step_titles(jdef: JourneyDef | None, locale: str) -> dict[str, str]:
    return {step.id: step_title(step, locale) for step in jdef.steps} if jdef else {}


def _detail(
    request: Request,
    staff: StaffContext,
    session: SessionDep,
    ctx: Ctx,
    key: str | None,
    *,
    text: str | None = None,
    errors: list[FieldError] | None = None,
    report: dict[str, Any] | None = None,
    status_code: int = 200,
    background: BackgroundTasks | None = None,
    catch_up_days: int = 0,
    confirm_unready: bool = False,
    timing: dict[str, Any] | None = None,
) -> Response:
    journey = get_journey(session, staff.shop, key) if key else None
    activation = None
    if journey is not None:
        activation = preview_activation(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            jdef=definition_of(journey),
            catch_up_days=catch_up_days if catch_up_days in CATCH_UP_CHOICES else 0,
        )
    jdef = definition_of(journey) if journey else None
    steps = _step_summary(jdef, staff.locale) if jdef else []
    summary = next((j for j in list_journeys(session, staff.shop) if j.key == key), None)
    funnel, computed_at, refreshing = _funnel(session, staff, ctx, background or BackgroundTasks())
    return render(
        request,
        "journeys/detail.html",
        {
            "t": _texts(staff.locale),
            "journey": journey,
            "summary": summary,
            "steps": steps,
            # Every step in words beside its id ("Chờ đến ngày 3" for wait_day_3).
            "step_titles": _step_titles(jdef, staff.locale),
            "funnel": funnel.get(key or "", {}),
            "computed_at": computed_at,
            "refreshing": refreshing,
            "figures_key": JOURNEYS_FUNNEL,
            "columns": FUNNEL_COLUMNS,
            "text": text if text is not None else (journey.source_text if journey else NEW_JOURNEY),
            "errors": errors or [],
            "report": report,
            "activation": activation,
            "catch_up_choices": CATCH_UP_CHOICES,
            "confirm_unready": confirm_unready,
            "timing": timing or (_timing(session, staff, journey) if journey else None),
            "title": journey_title(journey.key, journey.name, staff.locale) if journey else "",
            "trigger": trigger_text(definition_of(journey), staff.locale) if journey else "",
        },
        staff=staff,
        status_code=status_code,
    )


def _configured(session: SessionDep, staff: StaffContext) -> set[str]:
    from careloop.channels.readiness import configured_channels  # as journeys/activation.py

    return configured_channels(session, staff.shop.id)


def _timing(
    session: SessionDep,
    staff: StaffContext,
    journey: Journey,
    values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    general: list[str] | None = None,
) -> dict[str, Any]:
    """The timing-and-channels form of the stored journey (values: what the owner typed)."""
    rows = message_steps(definition_of(journey))
    configured = _configured(session, staff)
    return {
        "rows": rows,
        "channels": allowed_channels(configured, rows),
        "setup": setup_hint(configured, rows),
        "fields": values or shown_values(rows),
        "errors": errors or {},
        "general": general or [],
    }


@router.get("/journeys/new")
def new_journey_page(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _detail(request, staff, session, ctx, None)


@router.get("/journeys/{key}")
def journey_page(
    key: str,
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    background: BackgroundTasks,
    catch_up: int = 0,
) -> Response:
    return _detail(request, staff, session, ctx, key, background=background, catch_up_days=catch_up)


@router.post("/journeys/validate")
def validate_journey(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """The editor's live check (htmx): the loader's errors with lines, or a preview."""
    try:
        jdef = parse(
            text,
            source="editor",
            template_exists=template_check(session, staff.shop),
            wording_problems=wording_check(session, staff.shop, staff.locale),
        )
    except ValidationFailed as exc:
        return render(
            request,
            "journeys/_check.html",
            {"t": _texts(staff.locale), "errors": exc.errors, "jdef": None},
            staff=staff,
        )
    return render(
        request,
        "journeys/_check.html",
        {
            "t": _texts(staff.locale),
            "errors": [],
            "jdef": jdef,
            "trigger": describe_trigger(jdef),
            "steps": _step_summary(jdef, staff.locale),
        },
        staff=staff,
    )


@router.post("/journeys")
def save_journey_page(
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    text: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    try:
        journey = save_journey(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            text=text,
            source_name="editor",
            template_exists=template_check(session, staff.shop),
            wording_problems=wording_check(session, staff.shop, staff.locale),
        )
    except ValidationFailed as exc:
        return _detail(
            request,
            staff,
            session,
            ctx,
            key or None,
            text=text,
            errors=exc.errors,
            status_code=422,
        )
    _audit(request, staff, session, ctx, "journey.saved", f"{journey.key} v{journey.version}")
    return RedirectResponse(f"/journeys/{journey.key}", status_code=303)


@router.post("/journeys/{key}/timing")
async def save_timing(
    key: str, request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    """The form's changes written into the journey's YAML and saved through the same loader
    as the editor: a new draft version, or the form again with errors and what was typed."""
    journey = get_journey(session, staff.shop, key)
    jdef = definition_of(journey)
    rows = message_steps(jdef)
    values = submitted_values(rows, await request.form())
    changes = changes_of(values)
    allowed = allowed_channels(_configured(session, staff), rows)
    problems = check(rows, changes, allowed)
    text = journey.source_text
    if not problems.items:
        text = rewrite(journey.source_text, rows, changes)
        try:
            saved = save_journey(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                text=text,
                source_name="form",
                template_exists=template_check(session, staff.shop),
            )
        except ValidationFailed as exc:
            general = loader_errors(
                exc.errors,
                [s.id for s in jdef.steps],
                staff.locale,
                _step_titles(jdef, staff.locale),
            )
            timing = _timing(session, staff, journey, values, None, general)
            return _detail(request, staff, session, ctx, key, timing=timing, status_code=422)
        _audit(request, staff, session, ctx, "journey.saved", f"{saved.key} v{saved.version}")
        return RedirectResponse(f"/journeys/{saved.key}", status_code=303)
    worded_problems = worded(problems, staff.locale, _step_titles(jdef, staff.locale))
    timing = _timing(session, staff, journey, values, worded_problems)
    return _detail(request, staff, session, ctx, key, timing=timing, status_code=422)


def _audit(
    request: Request, staff: StaffContext, session: SessionDep, ctx: Ctx, action: str, what: str
) -> None:
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=staff.shop.id,
        actor=f"staff:{staff.user.email}",
        action=action,
        target=f"journey:{what}",
        origin=request.client.host if request.client else "",
    )


@router.post("/journeys/install/{key}")
def install_one(
    key: str, request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    """One click: the shipped journey `key` stored for this shop and turned on."""
    journey = install_shipped(session=session, clock=ctx.clock, shop=staff.shop, key=key)
    _audit(request, staff, session, ctx, "journey.activated", f"{key} v{journey.version}")
    return RedirectResponse(f"/journeys?turned_on={key}", status_code=303)


@router.post("/journeys/install-recommended")
def install_recommended(
    request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx
) -> Response:
    """Every recommended shipped journey not yet on, turned on."""
    active = {j.key for j in list_journeys(session, staff.shop) if j.status == "active"}
    done = []
    for key in RECOMMENDED:
        if key in active:
            continue
        journey = install_shipped(session=session, clock=ctx.clock, shop=staff.shop, key=key)
        _audit(request, staff, session, ctx, "journey.activated", f"{key} v{journey.version}")
        done.append(key)
    return RedirectResponse(f"/journeys?turned_on={','.join(done)}", status_code=303)


@router.post("/journeys/{key}/activate")
def activate(
    key: str,
    request: Request,
    staff: OwnerStaff,
    session: SessionDep,
    ctx: Ctx,
    catch_up_days: Annotated[int, Form()] = 0,
    anyway: Annotated[str, Form()] = "",
) -> Response:
    if catch_up_days not in CATCH_UP_CHOICES:
        catch_up_days = 0
    current = get_journey(session, staff.shop, key)
    ready = preview_activation(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        jdef=definition_of(current),
        catch_up_days=catch_up_days,
    )
    if ready.missing_channels and not anyway:
        # Warn first: turning it on now would only produce failures.
        return _detail(
            request,
            staff,
            session,
            ctx,
            key,
            catch_up_days=catch_up_days,
            confirm_unready=True,
            status_code=409,
        )
    journey = activate_journey(
        session=session, clock=ctx.clock, shop=staff.shop, key=key, catch_up_days=catch_up_days
    )
    _audit(request, staff, session, ctx, "journey.activated", f"{key} v{journey.version}")
    return RedirectResponse(f"/journeys/{key}", status_code=303)


@router.post("/journeys/{key}/pause")
def pause(key: str, request: Request, staff: OwnerStaff, session: SessionDep, ctx: Ctx) -> Response:
    pause_journey(session=session, clock=ctx.clock, shop=staff.shop, key=key)
    _audit(request, staff, session, ctx, "journey.paused", key)
    return RedirectResponse(f"/journeys/{key}", status_code=303)


@router.post("/journeys/{key}/simulate")
def simulate_journey(key: str, request: Request, ctx: Ctx) -> Response:
    # No request session here: the simulator runs its own (rolled back) transaction, and on
    # SQLite a second open writer would wait for ours until "database is locked".
    with ctx.sessions() as session, session.begin():
        staff = require_role("owner")(current_staff(request, session, ctx))
        get_journey(session, staff.shop, key)  # another shop's key: 404
    result = simulate(
        sessions=ctx.sessions,
        shop=staff.shop,
        now=ctx.clock.now(),
        days=SIMULATE_DAYS,
        journey_key=key,
    )
    with ctx.sessions() as session, session.begin():
        titles = _step_titles(definition_of(get_journey(session, staff.shop, key)), staff.locale)
    report = {
        "events": result.events_replayed,
        "steps_run": result.steps_run,
        "journeys": [
            {
                "key": p.key,
                "enrollments": worded_enrollments(p, staff.locale),
                "rows": worded_rows(result, p, titles, staff.locale),
            }
            for p in result.journeys
        ],
    }
    if request.headers.get("hx-request") == "true":
        return render(
            request,
            "journeys/_simulation.html",
            {"t": _texts(staff.locale), "report": report},
            staff=staff,
        )
    with ctx.sessions() as session, session.begin():
        return _detail(request, staff, session, ctx, key, report=report)
