"""A staff member's choice of where their alerts reach them: email (the default), SMS or
Zalo with the phone to use. Pure rules; the account page stores what they return."""

from __future__ import annotations

from careloop.core.phone import normalise_phone

ALERT_CHANNELS = ("email", "sms", "zalo")


class PreferenceError(ValueError):
    """Names the field ("alert_channel" / "alert_phone") and the message key saying why."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field, self.key = field, key


def alert_preference(channel: str, phone: str) -> tuple[str | None, str | None]:
    """(alert_channel, alert_phone) to store: None for email; SMS and Zalo need a phone,
    kept in E.164 (the form SMS providers and Zalo ZNS take)."""
    chosen = channel.strip().lower() or "email"
    if chosen not in ALERT_CHANNELS:
        raise PreferenceError("alert_channel", "account.alert_channel_unknown")
    if chosen == "email":
        return None, None
    if not phone.strip():
        raise PreferenceError("alert_phone", "account.alert_phone_missing")
    try:
        return chosen, normalise_phone(phone)
    except ValueError:
        raise PreferenceError("alert_phone", "account.alert_phone_invalid") from None
