"""The API end to end on the personas: health, identity, a signal's life."""

from __future__ import annotations

SIGNAL = {
    "exploitation_types": ["labour"],
    "summary": "Works 14 hours a day in a restaurant kitchen; the employer keeps the passport.",
    "occurred_on": "2026-10-01",
    "municipality": "Vantaa",
    "persons": [
        {
            "role": "victim",
            "names": ["Nguyễn Văn An", "Nguyen Van An"],
            "birth_date": "1990-04",
            "gender": "male",
            "nationality": "VN",
            "phones": ["+84 912 345 678"],
        }
    ],
    "organisations": [{"name": "Ravintola Kultainen Lohikäärme Oy", "business_id": "0112038-9"}],
    "addresses": ["Tikkurilantie 12 B 4, 01300 Vantaa"],
    "consent": {"to_assistance_system": True, "to_police": True},
}


def test_health_is_open(client):
    r = client.get("/health")
    assert r.json() == {"status": "ok"}


def test_me_names_the_caller(client, world):
    r = client.get("/api/v1/me", headers=world.ngo_worker.auth)
    body = r.json()
    assert body["email"] == world.ngo_worker.email
    assert body["organisation"]["id"] == world.ngo_worker.organisation_id
    assert body["roles"] == ["caseworker"]


def test_create_then_read_normalises_and_round_trips(client, world):
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=SIGNAL)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["persons"][0]["phones"] == ["+84912345678"]
    got = client.get(f"/api/v1/signals/{created['id']}", headers=world.ngo_worker.auth).json()
    assert got["summary"] == SIGNAL["summary"]
    assert got["persons"][0]["names"] == ["Nguyễn Văn An", "Nguyen Van An"]
    assert got["organisations"][0]["business_id"] == "0112038-9"
