"""What metrics hold about a person: nothing by design, but stored figure snapshots may
list customers by name (a report's "big spender at risk"); those mentions are scrubbed."""

from __future__ import annotations

from careloop.core.personal_data import PersonalData
from careloop.metrics.models import MetricSnapshot

SNAPSHOTS = PersonalData(
    name="metric_snapshots",
    table=MetricSnapshot.__table__,  # type: ignore[arg-type]
    label={"en": "Figures", "vi": "Số liệu"},
    search=("payload",),
    scrub=("payload",),
    kept={
        "key": "the figures' name",
        "fingerprint": "a hash of the shop's settings",
        "data_version": "row ids",
    },
    exported=False,  # derived figures, recomputed
)

DECLARATIONS = (SNAPSHOTS,)
