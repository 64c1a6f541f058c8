"""Contract tests reuse the channel tests' local servers: a real aiosmtpd SMTP server and
one local HTTP server speaking Twilio's, eSMS's and Zalo's documented APIs."""

from __future__ import annotations

from tests.channels.conftest import providers, smtp_server

__all__ = ["providers", "smtp_server"]
