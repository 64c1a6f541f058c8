"""What the customers capability holds about a person: the profile, consents and the
timeline (what happened to them, with payloads that may quote them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from careloop.core.personal_data import Person, PersonalData, customer_link
from careloop.customers.models import Consent, Customer, CustomerIdentity, TimelineEvent
from careloop.customers.search_index import FTS_TABLE
from careloop.customers.search_key import customer_search_key


def _erased_id(row: Any, _now: datetime) -> str:
    return f"erased-{row['id']}"


def _search_key(row: Any, _now: datetime) -> str:
    return customer_search_key(name="", email=None, phone=None, external_id=f"erased-{row['id']}")


def _now(_row: Any, now: datetime) -> datetime:
    return now


def export_profiles(session: Session, person: Person) -> list[dict[str, Any]]:
    """Each record of the person as the API shows it (with consents)."""
    from careloop.customers.service import customer_public
    from careloop.shops.models import Shop

    shop = session.get_one(Shop, person.shop_id)
    return [
        customer_public(session, shop, session.get_one(Customer, cid)).model_dump(mode="json")
        for cid in person.customer_ids
    ]


def compact_search_index(session: Session, _person: Person, _now: datetime) -> int:
    """Merge the SQLite full-text index so the erased keys leave its old segments too (an
    FTS5 delete only adds a tombstone until segments merge); PostgreSQL's trigram index
    is an ordinary index whose entries go with the row versions."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))
    return 1


CUSTOMERS = PersonalData(
    name="profiles",
    table=Customer.__table__,  # type: ignore[arg-type]
    label={"en": "Profile", "vi": "Hồ sơ"},
    rows=customer_link(Customer.id),
    blank={
        "external_id": _erased_id,
        "name": "",
        "email": None,
        "phone": None,
        "zalo_user_id": None,
        "birthday": None,
        "gender": None,
        "tags": [],
        "search_key": _search_key,
        "erased_at": _now,
        "updated_at": _now,
    },
    kept={
        "locale": "a language code, the same for millions",
        "timezone": "a region's zone name, the same for millions",
        "preferred_channel": "a channel word (email, sms, zalo)",
        "referral_code": "random code; keeps referrals counted without naming anyone",
    },
    custom_erase=compact_search_index,
    export=export_profiles,
)

CONSENTS = PersonalData(
    name="consents",
    table=Consent.__table__,  # type: ignore[arg-type]
    label={"en": "Consents", "vi": "Đồng ý nhận tin"},
    rows=customer_link(Consent.customer_id),
    blank={"state": "denied", "source": "erasure", "changed_at": _now},
    kept={"channel": "a channel word"},
)

TIMELINE = PersonalData(
    name="timeline",
    table=TimelineEvent.__table__,  # type: ignore[arg-type]
    label={"en": "Timeline events", "vi": "Dòng thời gian"},
    rows=customer_link(TimelineEvent.customer_id),
    blank={"summary": ""},
    scrub=("payload",),
    rekey=("event_key",),
    kept={"type": "an event type word", "source": "where the event came from (api, csv...)"},
)

IDENTITIES = PersonalData(
    name="linked_ids",
    table=CustomerIdentity.__table__,  # type: ignore[arg-type]
    label={"en": "Linked ids", "vi": "Mã liên kết"},
    rows=customer_link(CustomerIdentity.customer_id),
    # A linked id may be the person's email ("email:lan@example.com").
    blank={"external_id": _erased_id},
    kept={
        "source": "where the id came from (api, csv, a platform's name)",
        "matched_on": "a rule word (phone, email, merge)",
    },
)

DECLARATIONS = (CUSTOMERS, CONSENTS, TIMELINE, IDENTITIES)
