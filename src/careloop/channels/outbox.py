"""The demo outbox: a provider that delivers into Careloop itself.

A shop whose channel uses it (the demo shop does, for email, SMS and Zalo) sends for real:
the message is claimed, rendered and handed to this provider like any other. The provider
keeps nothing of its own (the message row already holds the rendered text the Outbox page
shows) and answers "delivered": it is the destination, so that is the provider's word, not
a guess. Nothing leaves the machine."""

from __future__ import annotations

from careloop.channels.base import Outgoing, Sent

OUTBOX = "outbox"
# The channels a customer reads on a phone; the outbox can stand in for each.
OUTBOX_CHANNELS = ("email", "sms", "zalo")
DELIVERED_NOTE = "delivered to the demo outbox"


class OutboxProvider:
    name = OUTBOX
    # Delivering twice into the outbox is harmless, and a repeat is the same row anyway.
    supports_dedup = True

    def send(self, out: Outgoing) -> Sent:
        return Sent(
            provider=OUTBOX,
            provider_message_id=f"outbox-{out.message_id}",
            delivered=True,
            note=DELIVERED_NOTE,
        )

    def close(self) -> None:
        return None
