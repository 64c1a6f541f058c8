"""Use cases of journey definitions: load a version, activate, pause, list, install defaults."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.journeys.loader import TemplateCheck, WordingCheck, parse, shipped_files
from careloop.journeys.models import Journey, JourneyEnrollment
from careloop.journeys.schema import JourneyDef
from careloop.shops.models import Shop

_DEFINITIONS: dict[tuple[int, str], JourneyDef] = {}


def definition_of(journey: Journey) -> JourneyDef:
    """The validated definition of a stored version (versions never change, so cached)."""
    cache_key = (journey.id, journey.source_text)
    found = _DEFINITIONS.get(cache_key)
    if found is None:
        found = JourneyDef.model_validate(journey.definition)
        if len(_DEFINITIONS) > 1000:
            _DEFINITIONS.clear()
        _DEFINITIONS[cache_key] = found
    return found


def save_journey(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    text: str,
    source_name: str,
    template_exists: TemplateCheck | None = None,
    wording_problems: WordingCheck | None = None,
) -> Journey:
    """Store `text` as the next draft version of its journey; the same text twice is one
    version (idempotent). Raises ValidationFailed naming file and line."""
    jdef = parse(
        text,
        source=source_name,
        template_exists=template_exists,
        wording_problems=wording_problems,
    )
    latest = _latest(session, shop.id, jdef.key)
    if latest is not None and latest.source_text == text:
        return latest
    now = clock.now()
    journey = Journey(
        shop_id=shop.id,
        key=jdef.key,
        version=(latest.version + 1) if latest is not None else 1,
        status="draft",
        name=jdef.name,
        definition=jdef.model_dump(mode="json", by_alias=True, exclude_none=True),
        source_text=text,
        source_name=source_name,
        created_at=now,
        updated_at=now,
    )
    session.add(journey)
    session.flush()
    return journey


def _latest(session: Session, shop_id: int, key: str) -> Journey | None:
    return session.scalar(
        select(Journey)
        .where(Journey.shop_id == shop_id, Journey.key == key)
        .order_by(Journey.version.desc())
        .limit(1)
    )


def get_journey(session: Session, shop: Shop, key: str, version: int | None = None) -> Journey:
    stmt = select(Journey).where(Journey.shop_id == shop.id, Journey.key == key)
    if version is not None:
        stmt = stmt.where(Journey.version == version)
    journey = session.scalar(stmt.order_by(Journey.version.desc()).limit(1))
    if journey is None:
        raise NotFound("journey", key if version is None else f"{key} v{version}")
    return journey


MAX_CATCH_UP_DAYS = 7


def activate_journey(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    key: str,
    version: int | None = None,
    catch_up_days: int = 0,
) -> Journey:
    """Make `version` (default: the newest) the one new triggers enroll into.

    It enrols only what happens from now on, or from `catch_up_days` ago (at most
    MAX_CATCH_UP_DAYS) when the owner chose a catch-up window; never the whole history.
    Older versions stay active so their running enrollments finish on them; newer ones
    (when rolling back) are paused."""
    if not 0 <= catch_up_days <= MAX_CATCH_UP_DAYS:
        raise ValidationFailed(
            [FieldError("catch_up_days", f"between 0 and {MAX_CATCH_UP_DAYS} days")]
        )
    chosen = get_journey(session, shop, key, version)
    now = clock.now()
    chosen.enrol_from = now - timedelta(days=catch_up_days)
    for journey in session.scalars(
        select(Journey).where(Journey.shop_id == shop.id, Journey.key == key)
    ):
        if journey.version == chosen.version:
            wanted = "active"
        elif journey.version > chosen.version:
            wanted = "paused" if journey.status != "draft" else "draft"
        else:
            wanted = "active" if journey.status != "draft" else "draft"
        if journey.status != wanted:
            journey.status, journey.updated_at = wanted, now
    session.flush()
    return chosen


def pause_journey(*, session: Session, clock: Clock, shop: Shop, key: str) -> int:
    """Pause every version of `key`: no new enrollments, running ones hold their place."""
    get_journey(session, shop, key)
    paused = 0
    for journey in session.scalars(
        select(Journey).where(
            Journey.shop_id == shop.id, Journey.key == key, Journey.status == "active"
        )
    ):
        journey.status, journey.updated_at = "paused", clock.now()
        paused += 1
    session.flush()
    return paused


@dataclass(frozen=True)
class JourneySummary:
    key: str
    name: str
    version: int
    status: str
    trigger: str
    running: int
    finished: int
    holdout: int


def list_journeys(session: Session, shop: Shop) -> list[JourneySummary]:
    """The newest version of each journey with its enrollment counts (all versions)."""
    counts: dict[tuple[str, str], int] = {
        (key, status): int(n)
        for key, status, n in session.execute(
            select(JourneyEnrollment.journey_key, JourneyEnrollment.status, func.count())
            .where(JourneyEnrollment.shop_id == shop.id)
            .group_by(JourneyEnrollment.journey_key, JourneyEnrollment.status)
        )
    }
    out: list[JourneySummary] = []
    seen: set[str] = set()
    for journey in session.scalars(
        select(Journey)
        .where(Journey.shop_id == shop.id)
        .order_by(Journey.key, Journey.version.desc())
    ):
        if journey.key in seen:
            continue
        seen.add(journey.key)
        jdef = definition_of(journey)
        mine = {status: n for (key, status), n in counts.items() if key == journey.key}
        out.append(
            JourneySummary(
                key=journey.key,
                name=journey.name,
                version=journey.version,
                status=_key_status(session, shop.id, journey.key),
                trigger=describe_trigger(jdef),
                running=mine.get("active", 0) + mine.get("waiting", 0),
                finished=mine.get("done", 0) + mine.get("exited", 0),
                holdout=mine.get("holdout", 0),
            )
        )
    return out


def _key_status(session: Session, shop_id: int, key: str) -> str:
    statuses = set(
        session.scalars(
            select(Journey.status).where(Journey.shop_id == shop_id, Journey.key == key)
        )
    )
    for status in ("active", "paused"):
        if status in statuses:
            return status
    return "draft"


def describe_trigger(jdef: JourneyDef) -> str:
    t = jdef.trigger
    if t.event is not None:
        which = f" ({jdef.enrol_on})" if jdef.enrol_on != "every_order" else ""
        return " | ".join(t.event_types()) + (" (filtered)" if t.where is not None else "") + which
    if t.date is not None:
        return f"{t.date}" + (f", {t.days_before} days before" if t.days_before else "")
    return f"inactive {t.inactivity_days} days"


def triggering_journeys(session: Session, shop_id: int) -> list[tuple[Journey, JourneyDef]]:
    """Per key, the newest active version: the one new triggers enroll into."""
    out: dict[str, Journey] = {}
    for journey in session.scalars(
        select(Journey)
        .where(Journey.shop_id == shop_id, Journey.status == "active")
        .order_by(Journey.key, Journey.version.desc())
    ):
        out.setdefault(journey.key, journey)
    return [(j, definition_of(j)) for j in out.values()]


def install_default_journeys(*, session: Session, clock: Clock, shop: Shop) -> list[Journey]:
    """Load every shipped playbook into `shop` and activate it; safe to run again."""
    installed = []
    for path in shipped_files():
        journey = save_journey(
            session=session,
            clock=clock,
            shop=shop,
            text=path.read_text(encoding="utf-8"),
            source_name=f"playbooks/journeys/{path.name}",
        )
        installed.append(
            activate_journey(
                session=session, clock=clock, shop=shop, key=journey.key, version=journey.version
            )
        )
    return installed


def template_check(session: Session, shop: Shop) -> TemplateCheck:
    """Whether a template key exists for `shop`: a shipped file or the shop's own wording."""
    from careloop.channels.models import MessageTemplate
    from careloop.channels.templates import file_spec

    def exists(key: str) -> bool:
        if file_spec(key) is not None:
            return True
        stmt = select(MessageTemplate.id).where(
            MessageTemplate.shop_id == shop.id, MessageTemplate.template_key == key
        )
        return session.scalar(stmt.limit(1)) is not None

    return exists


def wording_check(session: Session, shop: Shop, locale: str) -> WordingCheck:
    """What stops the shop's own wording of a template going out (channels' template
    checks), in `locale`: a journey that would send it is refused until it is fixed."""
    from careloop.channels.template_checks import saved_wording_problems

    def problems(key: str, channels: Sequence[str] | None) -> list[str]:
        return saved_wording_problems(session, shop.id, key, channels=channels, locale=locale)

    return problems
