"""Delivery status notifications (RFC 3464): which recipient bounced, permanently or not,
and which of our messages it was about."""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message as MimeMessage


@dataclass(frozen=True)
class DsnReport:
    recipient: str
    action: str
    status: str
    message_id: str | None

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")


def parse_dsn(raw: bytes) -> list[DsnReport]:
    """Per-recipient reports of a multipart/report DSN; [] if `raw` is not one."""
    mail = message_from_bytes(raw, policy=policy.default)
    original_id: str | None = None
    status_part: MimeMessage | None = None
    for part in mail.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            status_part = part
        elif ctype in ("message/rfc822", "text/rfc822-headers"):
            original_id = _original_message_id(part)
    if status_part is None:
        return []
    reports = []
    for block in _status_blocks(status_part):
        recipient = block.get("final-recipient") or block.get("original-recipient") or ""
        if not recipient:
            continue
        reports.append(
            DsnReport(
                recipient=recipient.split(";", 1)[-1].strip(),
                action=block.get("action", "").strip().lower(),
                status=block.get("status", "").strip(),
                message_id=original_id,
            )
        )
    return reports


def _status_blocks(part: MimeMessage) -> list[dict[str, str]]:
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):  # the email package parses each block as a message
        for sub in payload:
            if isinstance(sub, MimeMessage):
                blocks.append({k.lower(): str(v) for k, v in sub.items()})
        return blocks
    text = payload if isinstance(payload, str) else ""
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        fields = {}
        for line in chunk.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if fields:
            blocks.append(fields)
    return blocks


def _original_message_id(part: MimeMessage) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        inner = payload[0]
        value = inner.get("Message-ID") if isinstance(inner, MimeMessage) else None
        return str(value) if value else None
    if isinstance(payload, str):
        for line in payload.splitlines():
            if line.lower().startswith("message-id:"):
                return line.split(":", 1)[1].strip()
    return None
