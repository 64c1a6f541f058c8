"""What segments hold about a person: scores and the segment they are in (numbers and
segment names, kept as anonymous aggregates once the profile is erased)."""

from __future__ import annotations

from careloop.core.personal_data import PersonalData, customer_link
from careloop.segments.models import CustomerSegment, SegmentChange

SEGMENT = PersonalData(
    name="segment",
    table=CustomerSegment.__table__,  # type: ignore[arg-type]
    label={"en": "Segment and scores", "vi": "Phân khúc và điểm số"},
    rows=customer_link(CustomerSegment.customer_id),
    kept={"segment": "a segment name"},
)

SEGMENT_CHANGES = PersonalData(
    name="segment_changes",
    table=SegmentChange.__table__,  # type: ignore[arg-type]
    label={"en": "Segment history", "vi": "Lịch sử phân khúc"},
    rows=customer_link(SegmentChange.customer_id),
    kept={"from_segment": "a segment name", "to_segment": "a segment name"},
)

DECLARATIONS = (SEGMENT, SEGMENT_CHANGES)
