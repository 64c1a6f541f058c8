"""The plain ASGI middleware every response passes through (careloop.web.asgi): request
counters for /metrics, and the `Allow` header of a 405, which RFC 9110 section 15.5.6 says
"MUST generate ... containing a list of the target resource's currently supported methods"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from careloop.context import AppContext


def test_a_405_names_every_method_the_path_supports_across_routers(
    app_client: TestClient,
) -> None:
    response = app_client.delete("/api/v1/orders")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_each_response_is_counted_by_method_and_status_class(
    app_client: TestClient, ctx: AppContext
) -> None:
    app_client.get("/healthz")
    app_client.get("/api/v1/orders/none")  # 401 without a key

    assert ctx.request_counts[("GET", "2xx")] >= 1
    assert ctx.request_counts[("GET", "4xx")] >= 1
