"""What channels hold about a person: every message's address and words (the funnel's
statuses and times stay, anonymous), provider answers that may quote the address,
suppressions of their addresses, and their chosen contact frequency."""

from __future__ import annotations

from sqlalchemy import select

from careloop.channels.models import ContactPreference, Message, MessageStatusHistory, Suppression
from careloop.core.personal_data import (
    PersonalData,
    customer_link,
    note_if_pending,
    stop_pending,
)

# Not sent yet: nothing may reach an erased person ("claimed"/"sending" are in a
# worker's hands and finish as they are).
UNSENT = ("queued", "deferred")

MESSAGES = PersonalData(
    name="messages",
    table=Message.__table__,  # type: ignore[arg-type]
    label={"en": "Messages", "vi": "Tin nhắn"},
    rows=customer_link(Message.customer_id),
    blank={
        "subject": "",
        "body_text": "",
        "body_html": "",
        "rendered": {},
        "to_address": None,
        "status": stop_pending(UNSENT, "suppressed"),
        "reason": note_if_pending("reason", UNSENT, "customer erased"),
    },
    scrub=("reason",),
    rekey=("idempotency_key",),
    kept={
        "channel": "a channel word",
        "kind": "transactional, service or marketing",
        "template_key": "the shop's template name",
        "locale": "a language code",
        "provider": "the provider's name",
        "provider_message_id": "the provider's random id (delivery reports match on it)",
        "dedup_id": "a random de-duplication id",
        "lease_owner": "a worker's name",
        "journey_key": "the shop's journey name",
        "step_key": "the journey step's name",
        "channel_chain": "channel words",
    },
)

MESSAGE_HISTORY = PersonalData(
    name="message_status_history",
    table=MessageStatusHistory.__table__,  # type: ignore[arg-type]
    label={"en": "Message statuses", "vi": "Trạng thái tin nhắn"},
    rows=lambda person: MessageStatusHistory.message_id.in_(
        select(Message.id).where(Message.customer_id.in_(person.customer_ids))
    ),
    scrub=("reason", "detail"),
    kept={"status": "a delivery state word", "channel": "a channel word"},
)

CONTACT_PREFERENCES = PersonalData(
    name="contact_preferences",
    table=ContactPreference.__table__,  # type: ignore[arg-type]
    label={"en": "Contact frequency", "vi": "Tần suất liên hệ"},
    rows=customer_link(ContactPreference.customer_id),
    kept={"frequency": "a frequency word", "source": "where it was chosen"},
)

SUPPRESSIONS = PersonalData(
    name="suppressions",
    table=Suppression.__table__,  # type: ignore[arg-type]
    label={"en": "Blocked addresses", "vi": "Địa chỉ bị chặn"},
    search=("address",),
    delete=True,  # the address is the person; with the profile erased nothing reaches it
)

DECLARATIONS = (MESSAGES, MESSAGE_HISTORY, CONTACT_PREFERENCES, SUPPRESSIONS)
