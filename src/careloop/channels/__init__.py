"""Channels: email, SMS, Zalo ZNS, webhooks and staff tasks; templates; tracking and opt-out."""
