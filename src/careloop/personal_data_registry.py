"""Every capability's personal-data declarations, as their manifests name them (gathered
by careloop.bootstrap, in erasure order: the customers' own rows last), checked as it is
built: a table declared twice or a column a table does not have raises.
`undeclared_columns` walks the schema for text and JSON columns that may hold personal data
and that nobody declared; a test keeps it empty, and the composition root refuses to start
on it.

Tables that hold nothing about a customer are listed in NOT_PERSONAL with the reason."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Final

from sqlalchemy import JSON, MetaData, String, Table, Text

from careloop.core.personal_data import PersonalData

NOT_PERSONAL: Final = {
    "shops": "the shop's own settings",
    "staff_users": "staff accounts, not customers",
    "memberships": "staff roles",
    "staff_sessions": "staff sign-in sessions (token digests and times)",
    "staff_invitations": "invitations of staff accounts, not customers",
    "staff_alerts": "which cause (a kind and count, never a customer's details) was sent to staff",
    "channel_throttles": "per-shop, per-channel provider rate limits",
    "api_keys": "the shop's API keys",
    "instance_secrets": "the installation's signing key",
    "channel_settings": "the shop's provider settings",
    "message_templates": "the shop's wording, rendered per customer into messages",
    "connectors": "the shop's platform secrets and field mapping",
    "journeys": "the shop's journey definitions",
    "journey_scans": "scan bookkeeping per shop",
    "loyalty_programs": "the shop's loyalty settings",
    "surveys": "the shop's survey questions",
    "products": "the shop's catalogue",
    "segment_runs": "per-shop run bookkeeping and model parameters",
    "community_campaigns": "the shop's campaigns (audience rules, its own wording)",
    "community_launches": "the shop's product launches",
    "community_events": "the shop's events and workshops",
    "community_groups": "the shop's groups",
    "community_rule_runs": "per-shop run bookkeeping",
    "support_sla_policies": "the shop's SLA rules",
    "timeline_cursors": "timeline read positions and id gaps",
    "alembic_version": "the schema version",
}

# Column names that may hold personal data in any table, customer-linked or not.
PERSONAL_NAMES: Final = (
    "address",
    "email",
    "phone",
    "name",
    "body",
    "text",
    "note",
    "comment",
    "subject",
    "payload",
    "detail",
    "raw",
)


class DuplicateDeclaration(ValueError):
    """Two declarations share a name or a table."""


def build_registry(
    groups: Iterable[tuple[str, Iterable[PersonalData]]],
) -> tuple[PersonalData, ...]:
    """The declarations in order, each checked; raises on a duplicate name or table."""
    names: dict[str, str] = {}
    tables: dict[str, str] = {}
    out: list[PersonalData] = []
    for capability, declarations in groups:
        for declaration in declarations:
            declaration.check()
            for seen, key in ((names, declaration.name), (tables, declaration.table.name)):
                if key in seen:
                    raise DuplicateDeclaration(
                        f"personal data {key!r} declared by {seen[key]} and by {capability}"
                    )
                seen[key] = capability
            out.append(declaration)
    return tuple(out)


@cache
def declarations() -> tuple[PersonalData, ...]:
    from careloop import bootstrap

    return build_registry(bootstrap.personal_data_groups())


def undeclared_columns(
    metadata: MetaData, registry: Iterable[PersonalData] | None = None
) -> list[str]:
    """`table.column` for every text or JSON column that may hold personal data and that
    no declaration covers: any such column of a table linked to customers (directly or
    through another linked table), and personal-sounding columns of any other table."""
    declared = {d.table.name: d for d in (declarations() if registry is None else registry)}
    linked = customer_linked_tables(metadata)
    missing: list[str] = []
    for table in metadata.sorted_tables:
        if table.name in NOT_PERSONAL:
            continue
        covered = declared[table.name].covered() if table.name in declared else frozenset()
        for column in table.columns:
            if not isinstance(column.type, String | Text | JSON) or column.foreign_keys:
                continue
            suspicious = table.name in linked or any(p in column.name for p in PERSONAL_NAMES)
            if suspicious and column.name not in covered:
                missing.append(f"{table.name}.{column.name}")
    return missing


def customer_linked_tables(metadata: MetaData) -> set[str]:
    """Tables whose rows belong to a customer: `customers`, and any table with a foreign
    key to a linked table (ticket messages through tickets, order lines through orders)."""
    linked = {"customers"}
    tables: list[Table] = list(metadata.sorted_tables)
    grew = True
    while grew:
        grew = False
        for table in tables:
            if table.name in linked:
                continue
            if any(fk.column.table.name in linked for fk in table.foreign_keys):
                linked.add(table.name)
                grew = True
    return linked
