"""What connectors hold about a person: the raw webhook bodies the platforms sent
(orders and customers with names, emails, phones, addresses). A delivery that mentions
the person keeps its id, topic and status (de-duplication still works) but loses its body."""

from __future__ import annotations

from careloop.connectors.models import WebhookDelivery
from careloop.core.personal_data import PersonalData

WEBHOOK_DELIVERIES = PersonalData(
    name="webhook_deliveries",
    table=WebhookDelivery.__table__,  # type: ignore[arg-type]
    label={"en": "Webhook deliveries", "vi": "Webhook đã nhận"},
    search=("body", "result"),
    blank={"body": "", "result": "erased"},
    kept={
        "platform": "a platform name",
        "delivery_id": "the platform's random delivery id (de-duplication)",
        "topic": "an event name (orders/create)",
        "status": "a processing state word",
    },
)

DECLARATIONS = (WEBHOOK_DELIVERIES,)
