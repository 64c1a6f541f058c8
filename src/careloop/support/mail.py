"""Inbound support email over SMTP: an aiosmtpd handler that turns mail to a shop's support
address into tickets and replies (careloop.support.inbound.ingest_email does the work, so an
IMAP poller can reuse it).

Mail sent by machines (RFC 3834 auto-replies, Precedence bulk/auto_reply/junk, X-Autoreply,
a null reverse-path) is accepted and dropped: it never becomes a ticket or a customer (a
vacation reply answering a ticket reply would loop). A DSN (multipart/report;
report-type=delivery-status) marks our original message failed and suppresses the
address when it can be matched (careloop.channels.tracking.apply_dsn).

A shop's address is `shop.settings["support"]["email"]`, or `support+<slug>@<domain>` on the
installation's own mail domain. Run it with
`aiosmtpd.controller.Controller(SupportMailHandler(ctx, domain="mail.example.com"))`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select

from careloop.channels.tracking import apply_dsn
from careloop.context import AppContext
from careloop.core.errors import CareloopError
from careloop.db.engine import transaction
from careloop.shops.models import Shop
from careloop.support.inbound import (
    automatic_reason,
    ingest_email,
    is_delivery_report,
    parse_email,
)

log = logging.getLogger("careloop.support.mail")
PLUS_PREFIX = "support+"


class SupportMailHandler:
    """aiosmtpd handler: accepts mail only for known support addresses."""

    def __init__(self, ctx: AppContext, *, domain: str | None = None) -> None:
        self.ctx = ctx
        self.domain = domain.lower() if domain else None

    def shop_slug_for(self, address: str) -> str | None:
        """The slug of the shop that `address` belongs to, or None."""
        address = address.strip().lower()
        local, _, domain = address.partition("@")
        with self.ctx.sessions() as session:
            if local.startswith(PLUS_PREFIX) and (self.domain is None or domain == self.domain):
                slug = local[len(PLUS_PREFIX) :]
                return session.scalar(select(Shop.slug).where(Shop.slug == slug))
            for slug, settings in session.execute(select(Shop.slug, Shop.settings)):
                configured = ((settings or {}).get("support") or {}).get("email")
                if isinstance(configured, str) and configured.lower() == address:
                    return str(slug)
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if await asyncio.to_thread(self.shop_slug_for, address) is None:
            return "550 5.1.1 not a support address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        try:
            await asyncio.to_thread(
                self.deliver, data, list(envelope.rcpt_tos), str(envelope.mail_from or "")
            )
        except CareloopError as exc:
            return f"550 5.6.0 {str(exc).splitlines()[0][:200]}"
        except Exception:
            log.exception("inbound support mail failed; the sender will retry")
            return "451 4.3.0 temporary failure, try again later"
        return "250 Message accepted"

    def deliver(
        self, data: bytes, recipients: list[str], envelope_from: str | None = None
    ) -> list[int]:
        """File the message once per shop addressed; returns the ticket ids (none for mail
        sent by a machine)."""
        slugs = {slug for r in recipients if (slug := self.shop_slug_for(r)) is not None}
        message = parse_email(data)
        reason = automatic_reason(message, envelope_from)
        if reason is not None:
            log.info("support mail from a machine not filed (%s)", reason)
            if is_delivery_report(message):
                self._apply_dsn(data, slugs)
            return []
        ids: list[int] = []
        for slug in sorted(slugs):
            with transaction(self.ctx.sessions) as session:
                shop = session.scalar(select(Shop).where(Shop.slug == slug))
                assert shop is not None
                ticket = ingest_email(session=session, clock=self.ctx.clock, shop=shop, raw=message)
                ids.append(ticket.id)
        return ids

    def _apply_dsn(self, data: bytes, slugs: set[str]) -> None:
        for slug in sorted(slugs):
            with transaction(self.ctx.sessions) as session:
                shop = session.scalar(select(Shop).where(Shop.slug == slug))
                assert shop is not None
                apply_dsn(session=session, clock=self.ctx.clock, shop=shop, raw=data)
