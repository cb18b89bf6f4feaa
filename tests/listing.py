"""Walk a paginated list endpoint to its end: the matrix tests check that a list holds
exactly what the caller may read, so they need every page, not the first."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PAGE = 200


def every_item(client: TestClient, path: str, token: str) -> dict[str, dict[str, Any]]:
    """Every item of every page, by id."""
    headers = {"Authorization": f"Bearer {token}"}
    items: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        page = client.get(path, headers=headers, params={"limit": PAGE, "offset": offset}).json()
        items |= {i["id"]: i for i in page["items"]}
        offset += PAGE
        if offset >= page["total"]:
            return items
