"""The worker's connector task: delete a shop's platform data once Shopify's shop/redact
grace period is over (`Connector.data_deletion_due_at`, set by `compliance`)."""

from __future__ import annotations

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

import careloop.connectors.ingest  # noqa: F401  (registers the platforms' inbox appliers)
from careloop.audit.service import audit
from careloop.connectors.models import Connector
from careloop.context import AppContext
from careloop.db.engine import transaction

# The shop's data about people and orders: every table with a customer_id, and these rows
# that hang off them. The shop's set-up (staff, journeys, templates, settings) stays, and so
# does the audit log that proves the deletion.
DATA_TABLES = frozenset(
    {
        "customers",
        "order_lines",
        "products",
        "referrals",
        "message_status_history",
        "channel_suppressions",
        "support_ticket_events",
        "support_ticket_messages",
        "webhook_deliveries",
        "ingest_inbox",
    }
)


def shop_data_deletion_pass(ctx: AppContext) -> int:
    done = 0
    with transaction(ctx.sessions) as session:
        query = (
            select(Connector)
            .where(
                Connector.data_deletion_due_at.is_not(None),
                Connector.data_deletion_due_at <= ctx.clock.now(),
            )
            .with_for_update(skip_locked=True)
            .limit(1)
        )
        connector = session.scalar(query)
        if connector is None:
            return 0
        deleted = delete_platform_data(session, connector.shop_id)
        connector.data_deletion_due_at = None
        audit(
            session=session,
            clock=ctx.clock,
            shop_id=connector.shop_id,
            actor="worker",
            action="shop.redacted",
            target=f"connector:{connector.platform}",
            detail={"rows_deleted": deleted},
        )
        done += 1
    return done


def delete_platform_data(session: Session, shop_id: int) -> int:
    """The shop's customer and order data, children first; returns the rows deleted."""
    import careloop.db.models as all_models  # every capability's tables in the metadata

    present = set(inspect(session.connection()).get_table_names())
    total = 0
    for table in reversed(all_models.Base.metadata.sorted_tables):
        if table.name not in present or "shop_id" not in table.c:
            continue
        if table.name not in DATA_TABLES and "customer_id" not in table.c:
            continue
        result = session.execute(delete(table).where(table.c.shop_id == shop_id))
        total += int(getattr(result, "rowcount", 0) or 0)
    return total
