"""What journeys hold about a person: their enrollments, whose context keeps what each
step needed (order numbers, coupon codes, message ids, sometimes what they answered)."""

from __future__ import annotations

from careloop.core.personal_data import PersonalData, customer_link
from careloop.journeys.models import JourneyEnrollment

ENROLLMENTS = PersonalData(
    name="journey_enrollments",
    table=JourneyEnrollment.__table__,  # type: ignore[arg-type]
    label={"en": "Care journeys", "vi": "Hành trình chăm sóc"},
    rows=customer_link(JourneyEnrollment.customer_id),
    scrub=("context", "exit_reason"),
    rekey=("trigger_key",),
    kept={
        "journey_key": "the shop's journey name",
        "status": "an enrollment state word",
        "step_id": "the journey step's name",
        "lease_owner": "a worker's name",
    },
)

DECLARATIONS = (ENROLLMENTS,)
