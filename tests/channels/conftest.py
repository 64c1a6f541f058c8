"""Real local servers for channel tests: an aiosmtpd SMTP server in a thread."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """Collects what the SMTP server received; refuses recipients listed in `reject`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        # The bytes as received on the wire (DATA), for header-level checks.
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reject: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.raw.append(bytes(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Recorded:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


class FakeProviders:
    """Twilio, eSMS and Zalo as their docs describe them, on one local HTTP server.

    `script[path]` is a list of (status, json) answers to give in turn before the default;
    `headers[path]` a list of extra response headers (e.g. Retry-After) for those answers."""

    TWILIO_SID = "AC123"
    TWILIO_TOKEN = "tw-secret"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.headers: dict[str, list[dict[str, str]]] = {}
        self.zalo_token = "zalo-access-1"

    def answer(self, rec: Recorded) -> tuple[int, dict[str, Any]]:
        import base64
        import json
        from urllib.parse import parse_qs

        queued = self.script.get(rec.path)
        if queued:
            return queued.pop(0)
        if rec.path == f"/2010-04-01/Accounts/{self.TWILIO_SID}/Messages.json":
            expected = base64.b64encode(f"{self.TWILIO_SID}:{self.TWILIO_TOKEN}".encode()).decode()
            if rec.headers.get("authorization") != f"Basic {expected}":
                return 401, {"code": 20003, "message": "Authenticate", "status": 401}
            form = {k: v[0] for k, v in parse_qs(rec.body.decode()).items()}
            if not form.get("To", "").startswith("+"):
                return 400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
            if not form.get("Body") and not form.get("MediaUrl"):
                return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
            return 201, {"sid": f"SM{len(self.requests):032d}", "status": "queued"}
        if rec.path == "/MainService.svc/json/SendMultipleMessage_V4_post_json/":
            body = json.loads(rec.body)
            if body.get("ApiKey") != "ek" or body.get("SecretKey") != "es":
                return 200, {"CodeResult": "101", "ErrorMessage": "Authorize Failed"}
            if not str(body.get("Phone", "")).isdigit():  # 84... or 0..., no "+"
                return 200, {
                    "CodeResult": "108",
                    "ErrorMessage": "Phone number is not in correct format.",
                }
            if not body.get("Content") or not body.get("SmsType"):
                return 200, {"CodeResult": "118", "ErrorMessage": "Unsupported message type."}
            return 200, {
                "CodeResult": "100",
                "CountRegenerate": 0,
                "SMSID": f"esms-{body['RequestId']}",
            }
        if rec.path == "/v4/oa/access_token":
            form = {k: v[0] for k, v in parse_qs(rec.body.decode()).items()}
            if (
                rec.headers.get("secret_key") != "app-secret"
                or form.get("grant_type") != "refresh_token"
            ):
                return 400, {"error": -14014, "error_description": "invalid"}
            self.zalo_token = f"zalo-access-{len(self.requests)}"
            return 200, {
                "access_token": self.zalo_token,
                "refresh_token": "rt-next",
                "expires_in": "90000",
            }
        if rec.path == "/message/template":
            if rec.headers.get("access_token") != self.zalo_token:
                return 200, {"error": -124, "message": "Access token is invalid"}
            body = json.loads(rec.body)
            if not str(body.get("phone", "")).startswith("84"):
                return 200, {"error": -108, "message": "Phone number is invalid"}
            return 200, {
                "error": 0,
                "message": "Success",
                "data": {"msg_id": "zmsg-1", "sent_time": "1"},
            }
        if rec.path == "/v3.0/oa/message/cs":
            # Official Account API, "Gửi tin tư vấn dạng văn bản".
            if rec.headers.get("access_token") != self.zalo_token:
                return 200, {"error": -216, "message": "Access token is invalid"}
            body = json.loads(rec.body)
            user_id = str((body.get("recipient") or {}).get("user_id") or "")
            text = str((body.get("message") or {}).get("text") or "")
            if not user_id or not text:
                return 200, {"error": -201, "message": "Parameters are invalid"}
            return 200, {
                "error": 0,
                "message": "Success",
                "data": {"message_id": "cs-1", "user_id": user_id},
            }
        if rec.path == "/hook":
            return 200, {"ok": True}
        return 404, {"error": "not found"}


@pytest.fixture
def providers() -> Iterator[tuple[FakeProviders, str]]:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    fake = FakeProviders()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            rec = Recorded(
                "POST",
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            fake.requests.append(rec)
            extra = fake.headers.get(rec.path) or []
            headers = extra.pop(0) if extra and fake.script.get(rec.path) else {}
            status, body = fake.answer(rec)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
