"""What the audit kit plugs in: the audit log's table and its personal data."""

from __future__ import annotations

from careloop.core.manifest import Manifest

MANIFEST = Manifest(
    name="audit",
    models=("careloop.audit.models",),
    personal_data="careloop.audit.personal_data:DECLARATIONS",
)
