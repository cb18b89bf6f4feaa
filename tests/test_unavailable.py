"""When the database goes away mid-request, the client is told to retry (503 with
Retry-After), never that nothing was saved: a commit in flight may have landed, and the
Idempotency-Key makes the retry safe (issue 7, `checks/crash.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from tests.personas import World


def _database_gone() -> None:
    # What psycopg raises when the server dies under a query; its text can quote data.
    raise OperationalError(
        "INSERT INTO signals …", {}, Exception("connection lost while storing Trần Thị Mai")
    )


def test_a_lost_database_is_a_503_asking_for_a_retry_and_quotes_nothing(
    app: Any, client: Any, world: World
) -> None:
    app.add_api_route("/api/v1/_database-gone", _database_gone, methods=["POST"])
    r = client.post("/api/v1/_database-gone", headers=world.ngo_worker.auth)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert r.json()["error"]["code"] == "unavailable"
    assert "Idempotency-Key" in r.json()["error"]["message"]
    assert "Mai" not in r.text and "INSERT" not in r.text


def test_a_page_gets_the_error_page_not_json(app: Any, client: Any) -> None:
    app.add_api_route("/_database-gone-page", _database_gone, methods=["GET"])
    r = client.get("/_database-gone-page", headers={"Accept": "text/html"})
    assert r.status_code == 500
    assert "text/html" in r.headers["content-type"]
    assert "Mai" not in r.text


def test_the_document_declares_the_503(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    create = doc["paths"]["/api/v1/signals"]["post"]["responses"]
    assert "503" in create
    assert create["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
