"""Email over SMTP: multipart text + HTML, UTF-8 headers, a Message-ID derived from the
message's dedup id, RFC 8058 one-click unsubscribe headers on marketing mail.

`List-Unsubscribe` is written raw, never RFC 2047-encoded: RFC 2369 section 2 makes it a
list of angle-bracketed URLs, and Python's email package would turn a value longer than a
line (any signed URL) into `=?utf-8?q?=3Chttps...?=`, which RFC 2369/8058 readers (Gmail,
Yahoo) do not decode, losing one-click unsubscribe. MAIL_POLICY emits it on one line
(RFC 5322 section 2.1.1 allows up to 998 characters); every other header folds as usual
(non-ASCII subjects as RFC 2047 encoded words, spaces kept)."""

from __future__ import annotations

import base64
import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr, formatdate
from typing import Any

from careloop.channels.base import (
    AmbiguousError,
    Outgoing,
    PermanentError,
    Sent,
    TransientError,
)
from careloop.channels.netguard import TargetRefused, guarded_connect
from careloop.core.clock import Clock

DEFAULT_TIMEOUT_SECONDS = 20.0
# Headers whose value is machine-read as-is (RFC 2369, RFC 8058) and so is never encoded.
RAW_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
# RFC 5322 section 2.1.1: a line is at most 998 characters, CRLF excluded.
MAX_LINE = 998


# RFC 2047 section 2: "An 'encoded-word' may not be more than 75 characters long".
MAX_ENCODED_WORD = 75
# RFC 5322 section 2.1.1: lines SHOULD be at most 78 characters.
FOLD_AT = 78


def _encoded_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode("ascii") + "?="


def fold_encoded(name: str, text: str, linesep: str) -> str:
    """`name: text` as RFC 2047 base64 encoded words, each at most 75 characters and each
    line at most 78, split between characters (never inside one). Whitespace *between*
    encoded words is dropped by decoders (RFC 2047 section 6.2), so every space of the text
    travels inside a word and the subject decodes back exactly."""
    words: list[str] = []
    chunk = ""
    limit = min(MAX_ENCODED_WORD, FOLD_AT - len(name) - 2)
    for char in text:
        if chunk and len(_encoded_word(chunk + char)) > limit:
            words.append(_encoded_word(chunk))
            chunk, limit = "", MAX_ENCODED_WORD
        chunk += char
    words.append(_encoded_word(chunk))
    return f"{name}: " + (linesep + " ").join(words) + linesep


class MailPolicy(EmailPolicy):
    """SMTP policy (CRLF) that writes RAW_HEADERS on one unencoded line and non-ASCII
    subjects as standard-length encoded words (Python's own folding can emit 76-77
    character encoded words on continuation lines)."""

    def _raw(self, name: str, value: Any) -> str | None:
        text = str(value)
        if "\r" in text or "\n" in text:
            return None
        if name.lower() == "subject" and not text.isascii():
            return fold_encoded(name, text, self.linesep)
        if name.lower() not in RAW_HEADERS or not text.isascii():
            return None
        line = f"{name}: {text}"
        if len(line) > MAX_LINE:
            return None
        return line + self.linesep

    def fold(self, name: str, value: Any) -> str:
        return self._raw(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        raw = self._raw(name, value)
        return raw.encode("ascii") if raw is not None else super().fold_binary(name, value)


MAIL_POLICY = MailPolicy(linesep="\r\n")


def message_id_for(dedup_id: str, from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "careloop.local"
    return f"<{dedup_id}@{domain}>"


def build_email(out: Outgoing, *, config: dict[str, Any], clock: Clock) -> EmailMessage:
    from_address = str(config.get("from_address") or "")
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = out.subject
    msg["From"] = formataddr((str(config.get("from_name") or ""), from_address))
    msg["To"] = out.to
    if config.get("reply_to"):
        msg["Reply-To"] = str(config["reply_to"])
    msg["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    msg["Message-ID"] = message_id_for(out.dedup_id, from_address)
    msg["X-Careloop-Message"] = str(out.message_id)
    for name, value in out.headers.items():
        msg[name] = value
    msg.set_content(out.text, charset="utf-8")
    if out.html:
        msg.add_alternative(out.html, subtype="html", charset="utf-8")
    return msg


class GuardedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket goes through the outbound guard: the host is resolved,
    every address checked, and the connection made to a checked address. STARTTLS still
    verifies the certificate against the host name (smtplib keeps it in `_host`)."""

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        return guarded_connect(host, port, timeout)


class GuardedSMTPSSL(smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL (implicit TLS) over a guarded connection."""

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        raw = guarded_connect(host, port, timeout)
        return self.context.wrap_socket(raw, server_hostname=self._host)  # type: ignore[attr-defined]


def _status_only(exc: BaseException) -> str:
    """What may be shown to staff of an SMTP failure: the reply code, or the kind of local
    error; never the text the remote server sent (a banner tells an attacker what runs
    behind the address)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"reply {exc.smtp_code}"
    if isinstance(exc, TargetRefused):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


class SmtpProvider:
    """One SMTP connection, reused for every message of the shop (in the worker, across
    dispatcher passes: a connection idle since the last pass is checked with NOOP first)."""

    name = "smtp"
    # The Message-ID is stable across attempts, but SMTP servers do not drop a repeat of
    # it: an email whose send may have reached the server is never resent (maybe_sent).
    supports_dedup = False

    def __init__(self, config: dict[str, Any], clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._conn: smtplib.SMTP | None = None
        self._recheck = False

    def recheck(self) -> None:
        """Check the connection before its next use (the server may have closed it idle)."""
        self._recheck = True

    def _alive(self, conn: smtplib.SMTP) -> bool:
        try:
            return int(conn.noop()[0]) == 250
        except (OSError, smtplib.SMTPException):
            return False

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None and self._recheck:
            self._recheck = False
            if not self._alive(self._conn):
                # Found dead before anything was handed over: reconnecting is safe, whereas
                # a send on it would fail as ambiguous (and an email would go to staff).
                self.close()
        if self._conn is not None:
            return self._conn
        host = str(self.config.get("host") or "")
        port = int(self.config.get("port") or 587)
        security = str(self.config.get("security") or "starttls")
        timeout = float(self.config.get("timeout") or DEFAULT_TIMEOUT_SECONDS)
        try:
            conn: smtplib.SMTP
            if security == "tls":
                conn = GuardedSMTPSSL(
                    host, port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                conn = GuardedSMTP(host, port, timeout=timeout)
                if security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if self.config.get("username"):
                conn.login(str(self.config["username"]), str(self.config.get("password") or ""))
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP login refused: {exc.smtp_code}") from None
        except TargetRefused as exc:
            raise PermanentError(f"SMTP host refused: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            # Nothing was handed over yet: safe to try again later.
            raise TransientError(
                f"SMTP connect to {host}:{port} failed: {_status_only(exc)}"
            ) from None
        self._conn = conn
        return conn

    def send(self, out: Outgoing) -> Sent:
        conn = self._connect()
        msg = build_email(out, config=self.config, clock=self.clock)
        try:
            conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            if 400 <= code < 500:
                raise TransientError(f"recipient deferred ({code})") from None
            raise PermanentError(f"recipient refused ({code})", suppress=True) from None
        except smtplib.SMTPSenderRefused as exc:
            raise PermanentError(f"sender refused ({exc.smtp_code})") from None
        except smtplib.SMTPDataError as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientError(f"message deferred ({exc.smtp_code})") from None
            raise PermanentError(f"message refused ({exc.smtp_code})") from None
        except (smtplib.SMTPServerDisconnected, TimeoutError, OSError) as exc:
            self.close()
            # The DATA may have been accepted before the connection dropped.
            raise AmbiguousError(
                f"SMTP connection lost while sending: {_status_only(exc)}"
            ) from None
        return Sent(provider=self.name, provider_message_id=str(msg["Message-ID"]))

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._conn.quit()
            self._conn = None
