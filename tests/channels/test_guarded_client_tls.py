"""Every guarded HTTP client verifies servers with one TLS context built once per process
(channels/netguard.py `verifying_context`): the same verification as httpx's default
(httpx documentation, "SSL": `verify=True` equals `ssl.create_default_context(cafile=
certifi.where())`), without loading the CA bundle again for each client."""

from __future__ import annotations

import ssl

import httpx

from careloop.channels.netguard import client_for, guarded_client, verifying_context


def _context_of(client: httpx.Client) -> ssl.SSLContext:
    transport = client._transport
    assert isinstance(transport, httpx.HTTPTransport)
    context = transport._pool._ssl_context
    assert context is not None
    return context


def test_every_guarded_client_verifies_with_the_one_shared_context() -> None:
    with guarded_client() as first, client_for({}) as second:
        assert _context_of(first) is verifying_context()
        assert _context_of(second) is verifying_context()


def test_the_shared_context_checks_certificates_and_host_names_as_httpx_default_does() -> None:
    shared = verifying_context()
    default = httpx.create_ssl_context()
    assert shared.verify_mode == default.verify_mode == ssl.CERT_REQUIRED
    assert shared.check_hostname is default.check_hostname is True
    assert shared.minimum_version == default.minimum_version
    assert len(shared.get_ca_certs()) == len(default.get_ca_certs()) > 0
