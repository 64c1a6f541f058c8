"""Mail the installation itself sends to staff (password-reset links, invitations), through
the instance's own mail server: CARELOOP_MAIL_HOST, _PORT, _SECURITY (starttls, tls or none),
_USERNAME, _PASSWORD and _FROM. A shop's email channel is never used for this: a shop owner
must not be able to read another shop's staff's reset links."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from careloop.core.errors import CareloopError
from careloop.core.settings import Settings

TIMEOUT_SECONDS = 15


class SystemMailUnavailable(CareloopError):
    """The instance has no mail server configured, or it refused the message."""


def system_mail_configured(settings: Settings) -> bool:
    return bool(settings.mail_host and settings.mail_from)


def send_system_mail(settings: Settings, to: str, subject: str, text: str) -> None:
    if not system_mail_configured(settings):
        raise SystemMailUnavailable("the installation has no mail server (CARELOOP_MAIL_HOST)")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if settings.mail_security == "tls":
            smtp = smtplib.SMTP_SSL(
                settings.mail_host, settings.mail_port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.mail_host, settings.mail_port, timeout=TIMEOUT_SECONDS)
        with smtp:
            if settings.mail_security == "starttls":
                smtp.starttls(context=context)
            if settings.mail_username:
                smtp.login(settings.mail_username, settings.mail_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise SystemMailUnavailable(
            f"the mail server did not take the message ({type(exc).__name__})"
        ) from None
