"""Regressions from fuzzing the API (issue 7): the OpenAPI document must say what the
API answers, or every client generated from it — and schemathesis — is misled.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.personas import World

ERROR = {"$ref": "#/components/schemas/Error"}


def _doc(client: TestClient) -> dict[str, Any]:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method.lower()]


def test_every_error_response_declares_the_error_shape(client: TestClient) -> None:
    """FastAPI documented 422 as `{"detail": [...]}`; the API sends `{"error": {...}}`."""
    doc = _doc(client)
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == ERROR, (method, path, status)


def test_a_validation_error_matches_its_declared_schema(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/signals?limit=0", headers=world.ngo_worker.auth)
    assert r.status_code == 422
    body = r.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert all(set(d) == {"field", "message"} for d in body["error"]["details"])


def test_every_operation_that_needs_a_token_declares_401(client: TestClient) -> None:
    doc = _doc(client)
    secured = [
        (method, path, op)
        for path, operations in doc["paths"].items()
        for method, op in operations.items()
        if op.get("security")
    ]
    assert len(secured) > 50
    for method, path, op in secured:
        assert "401" in op["responses"], (method, path)
    r = client.get("/api/v1/signals")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_json_bodies_declare_malformed_json_and_too_large(client: TestClient) -> None:
    op = _operation(_doc(client), "POST", "/api/v1/signals")
    assert {"400", "413"} <= set(op["responses"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/users"),
        ("PATCH", "/api/v1/admin/users/{user_id}"),
    ],
)
def test_admin_routes_declare_their_403(
    client: TestClient, world: World, method: str, path: str
) -> None:
    assert "403" in _operation(_doc(client), method, path)["responses"]
    if method == "POST":
        return  # a valid body for a new user is tested in test_auth; the 403 comes after it
    r = client.request(
        method,
        path.replace("{user_id}", world.ngo_worker.user_id),
        headers=world.ngo_worker.auth,
        json={} if method == "PATCH" else None,
    )
    assert r.status_code == 403


def test_unknown_user_and_token_are_declared_404s(client: TestClient, world: World) -> None:
    doc = _doc(client)
    assert "404" in _operation(doc, "PATCH", "/api/v1/admin/users/{user_id}")["responses"]
    assert "404" in _operation(doc, "DELETE", "/api/v1/tokens/{token_id}")["responses"]
    r = client.delete("/api/v1/tokens/no-such-token", headers=world.admin.auth)
    assert r.status_code == 404
    r = client.patch("/api/v1/admin/users/no-such-user", headers=world.admin.auth, json={})
    assert r.status_code == 404


def test_password_grant_declares_its_refusals(client: TestClient, world: World) -> None:
    op = _operation(_doc(client), "POST", "/api/v1/auth/token")
    assert {"401", "429"} <= set(op["responses"])
    form = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    props = client.get("/api/v1/openapi.json").json()["components"]["schemas"][
        form["$ref"].rsplit("/", 1)[1]
    ]["properties"]
    # An empty username or password is refused as missing; the document says so.
    assert props["username"]["minLength"] == 1
    assert props["password"]["minLength"] == 1
    r = client.post("/api/v1/auth/token", data={"username": "", "password": ""})
    assert r.status_code == 422
    r = client.post(
        "/api/v1/auth/token", data={"username": world.ngo_worker.email, "password": "wrong"}
    )
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/v1/signals/a%00b"),
        ("GET", "/api/v1/referrals/a%00b"),
        ("GET", "/api/v1/investigations/a%00b"),
        ("GET", "/api/v1/audit?record_id=a%00b"),
        ("DELETE", "/api/v1/tokens/a%00b"),
        ("GET", "/api/v1/training/materials/a%00b"),
    ],
)
def test_a_nul_character_in_the_address_is_refused_not_a_500(
    client: TestClient, world: World, method: str, url: str
) -> None:
    """On PostgreSQL a NUL in an id reached the database and raised DataError (a 500)."""
    r = client.request(method, url, headers=world.ngo_frontline.auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid"
    assert "NUL" in r.json()["error"]["message"]


def test_a_nul_character_in_the_password_grant_is_refused(client: TestClient) -> None:
    r = client.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "x"})
    assert r.status_code == 422
    r = client.post(
        "/api/v1/auth/token", data={"username": "ioana@example.org", "password": "\x00"}
    )
    assert r.status_code == 422
