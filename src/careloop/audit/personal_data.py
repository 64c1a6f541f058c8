"""What the audit log holds about a person: entries are about staff actions, but their
detail may quote a customer (a request path with an email as id, a group member's name);
those mentions are scrubbed and the entry stays."""

from __future__ import annotations

from careloop.audit.models import AuditEntry
from careloop.core.personal_data import PersonalData

AUDIT_LOG = PersonalData(
    name="audit_log",
    table=AuditEntry.__table__,  # type: ignore[arg-type]
    label={"en": "Audit log", "vi": "Nhật ký thao tác"},
    search=("detail", "target"),
    scrub=("detail", "target"),
    kept={
        "actor": "the staff member, API key or CLI that acted",
        "action": "an action word",
        "origin": "the staff member's address or cli",
    },
    exported=False,  # staff actions, not data about the person
)

DECLARATIONS = (AUDIT_LOG,)
