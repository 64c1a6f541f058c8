"""What journeys hold about a person: their enrollments, whose context keeps what each
step needed (order numbers, coupon codes, message ids, sometimes what they answered)."""

from __future__ import annotations

from careloop.core.personal_data import (
    PersonalData,
    customer_link,
    note_if_pending,
    stop_pending,
)
from careloop.journeys.models import RUNNABLE, JourneyEnrollment

ENROLLMENTS = PersonalData(
    name="journey_enrollments",
    table=JourneyEnrollment.__table__,  # type: ignore[arg-type]
    label={"en": "Care journeys", "vi": "Hành trình chăm sóc"},
    rows=customer_link(JourneyEnrollment.customer_id),
    blank={
        "status": stop_pending(RUNNABLE, "exited"),
        "exit_reason": note_if_pending("exit_reason", RUNNABLE, "customer erased"),
    },
    scrub=("context", "exit_reason"),
    rekey=("trigger_key",),
    kept={
        "journey_key": "the shop's journey name",
        "step_id": "the journey step's name",
        "lease_owner": "a worker's name",
    },
)

DECLARATIONS = (ENROLLMENTS,)
