"""What community holds about a person: their sends (with the context rendered into
them), launch invitations, event places, group memberships, ambassador standing and the
photos and stories they posted (UGC)."""

from __future__ import annotations

from typing import Any

from careloop.community.models import (
    Ambassador,
    CommunitySend,
    GroupMember,
    LaunchInvite,
    Rsvp,
    UgcEntry,
)
from careloop.community.outbox import DUE_STATUSES
from careloop.core.personal_data import (
    PersonalData,
    customer_link,
    note_if_pending,
    random_key,
    stop_pending,
)


def _new_key(_row: Any, _now: Any) -> str:
    return random_key()


SENDS = PersonalData(
    name="community_sends",
    table=CommunitySend.__table__,  # type: ignore[arg-type]
    label={"en": "Community messages", "vi": "Tin nhắn cộng đồng"},
    rows=customer_link(CommunitySend.customer_id),
    blank={
        "status": stop_pending(DUE_STATUSES, "suppressed"),
        "rule": note_if_pending("rule", DUE_STATUSES, "customer erased"),
    },
    scrub=("context", "rule"),
    rekey=("idempotency_key",),
    kept={
        "source": "campaign, launch, event or group",
        "template_key": "the shop's template name",
        "kind": "a message kind word",
        "channel": "a channel word",
    },
)

LAUNCH_INVITES = PersonalData(
    name="launch_invites",
    table=LaunchInvite.__table__,  # type: ignore[arg-type]
    label={"en": "Early access", "vi": "Mua sớm"},
    rows=customer_link(LaunchInvite.customer_id),
    kept={"via": "invite or public", "coupon_code": "a random coupon code"},
)

RSVPS = PersonalData(
    name="event_places",
    table=Rsvp.__table__,  # type: ignore[arg-type]
    label={"en": "Events and workshops", "vi": "Sự kiện và workshop"},
    rows=customer_link(Rsvp.customer_id),
    kept={"status": "going, waitlist or cancelled"},
)

GROUP_MEMBERS = PersonalData(
    name="groups",
    table=GroupMember.__table__,  # type: ignore[arg-type]
    label={"en": "Community groups", "vi": "Nhóm cộng đồng"},
    rows=customer_link(GroupMember.customer_id),
    kept={"source": "how the membership was recorded"},
)

AMBASSADORS = PersonalData(
    name="ambassador",
    table=Ambassador.__table__,  # type: ignore[arg-type]
    label={"en": "Ambassador", "vi": "Đại sứ"},
    rows=customer_link(Ambassador.customer_id),
    scrub=("breakdown",),
    kept={"status": "an ambassador state word", "coupon_code": "a random coupon code"},
)

UGC = PersonalData(
    name="ugc",
    table=UgcEntry.__table__,  # type: ignore[arg-type]
    label={"en": "Photos and stories", "vi": "Ảnh và câu chuyện"},
    rows=customer_link(UgcEntry.customer_id),
    # The entry key is often the post's own address: it leads to the person.
    blank={"url": "", "note": "", "entry_key": _new_key},
    kept={"kind": "photo, story or minigame", "source": "how it was recorded"},
)

DECLARATIONS = (SENDS, LAUNCH_INVITES, RSVPS, GROUP_MEMBERS, AMBASSADORS, UGC)
