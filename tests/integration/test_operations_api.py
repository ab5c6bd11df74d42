"""Health, readiness, metrics, request ids, body limits and the error contract."""

from __future__ import annotations

import pytest

from tests.support.api import auth_headers, error_code


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["ok"] is True


async def test_metrics_count_requests_by_route_template(client):
    headers = await auth_headers(client, "m1")
    await client.get("/api/sessions/whatever", headers=headers)
    text = (await client.get("/metrics")).text
    assert 'route="/api/sessions/{session_id}"' in text
    assert "hybridmem_http_request_duration_seconds_bucket" in text


async def test_request_id_is_echoed_or_generated(client):
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith tabs"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_oversized_body_is_413(client):
    response = await client.post(
        "/api/auth/signup",
        content=b'{"email": "' + b"a" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


async def test_chunked_oversized_body_is_413(client):
    async def chunks():
        for _ in range(40):
            yield b"x" * 65_536

    response = await client.post(
        "/api/auth/signup", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_deeply_nested_json_is_a_clean_400(client):
    nested = "[" * 100_000 + "]" * 100_000
    response = await client.post(
        "/api/auth/signup", content=nested, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nope", 404), ("PUT", "/api/auth/login", 405)],
)
async def test_framework_errors_use_the_same_body(client, method, path, status):
    response = await client.request(method, path)
    assert response.status_code == status
    error_code(response)


async def test_openapi_declares_the_error_body_on_every_route(client):
    spec = (await client.get("/openapi.json")).json()
    assert "ErrorBody" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        if path in ("/healthz", "/readyz", "/metrics"):
            continue
        for method, operation in operations.items():
            errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            assert errors, f"{method} {path} declares no error response"
            for code in errors:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                # /v1 speaks OpenAI's API: the stable body plus OpenAI's type and param
                expected = "/OpenAIErrorBody" if path.startswith("/v1/") else "/ErrorBody"
                assert schema["$ref"].endswith(expected), (method, path, code)


async def test_openapi_offers_the_password_flow(client):
    spec = (await client.get("/openapi.json")).json()
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/auth/login"
    login = spec["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(login)
