"""Bad input gets a clear error in the contract's shape and changes nothing.

Each refused request is checked three ways: the status, the error body
(`{"error": {"code", "message"}}` with a message a caseworker can act on), and the
database: no signal, person, organisation, address, identifier, share or audit entry of
a write was stored.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from opennrm.context import AppContext
from opennrm.db import utcnow
from opennrm.signals.normalise import business_id_check_digit

TABLES = (
    "signals",
    "signal_persons",
    "signal_organisations",
    "signal_addresses",
    "signal_identifiers",
    "shares",
)
WRITE_ACTIONS = ("signal.create", "signal.update", "signal.share")


def _business_id(body: str) -> str:
    check = business_id_check_digit(body)
    assert check is not None
    return f"{body}-{check}"


VALID_BID = _business_id("2345671")
WRONG_BID = VALID_BID[:-1] + str((int(VALID_BID[-1]) + 1) % 10)

VALID: dict[str, Any] = {
    "exploitation_types": ["sexual"],
    "summary": "Nuori nainen Romaniasta asuu 'työnantajan' asunnossa Hervannassa; "
    "puhelin ja passi on otettu pois.",
    "occurred_on": "2026-03-14",
    "municipality": "Tampere",
    "persons": [
        {
            "role": "victim",
            "names": ["Andreea Ionescu", "Andreea Ionesco"],
            "birth_date": "1999-07",
            "gender": "female",
            "nationality": "RO",
            "phones": ["+40 721 234 567"],
        },
        {
            "role": "suspect",
            "names": ["Chukwuemeka Okafor"],
            "nationality": "NG",
            "phones": ["+234 803 123 4567"],
        },
    ],
    "organisations": [{"name": "Hervannan Siivouspalvelu Oy", "business_id": VALID_BID}],
    "addresses": ["Insinöörinkatu 23 A 5, 33720 Tampere"],
    "consent": {"to_assistance_system": True, "to_police": False},
}


# --- helpers -------------------------------------------------------------------------------


def counts(ctx: AppContext) -> dict[str, int]:
    with ctx.db.engine.connect() as conn:
        out = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
            for t in TABLES
        }
        for action in WRITE_ACTIONS:
            out[action] = conn.execute(
                text("SELECT count(*) FROM audit_events WHERE action = :a"), {"a": action}
            ).scalar_one()
    return out


def assert_error(r: Any, status: int | tuple[int, ...], code: str | None = None) -> dict[str, Any]:
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and len(err["message"]) >= 10
    if code is not None:
        assert err["code"] == code
    return err


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(VALID)
    change(body)
    return body


def setter(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(body: dict[str, Any]) -> None:
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


@pytest.fixture
def unchanged(ctx: AppContext) -> Iterator[None]:
    """Wraps a test that must leave every write table and write audit count as it was."""
    before = counts(ctx)
    yield
    assert counts(ctx) == before


def test_the_valid_body_is_accepted(client, world, ctx):
    """The baseline every case below breaks in one place."""
    before = counts(ctx)
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=VALID)
    assert r.status_code == 201, r.text
    after = counts(ctx)
    assert after["signals"] == before["signals"] + 1
    assert after["signal_persons"] == before["signal_persons"] + 2
    assert after["signal_identifiers"] == before["signal_identifiers"] + 3  # 2 phones, 1 y-tunnus
    assert r.json()["organisations"][0]["business_id"] == VALID_BID


# --- malformed and mistyped bodies -----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b'{"summary": ', b"\xff\xfe{}", b'{"summary": "a",}', b"", b"null"],
    ids=["truncated", "not-utf8", "trailing-comma", "empty", "null"],
)
def test_malformed_json_is_refused_plainly(client, world, unchanged, content):
    r = client.post(
        "/api/v1/signals",
        headers={**world.ngo_worker.auth, "content-type": "application/json"},
        content=content,
    )
    err = assert_error(r, (400, 422))
    if r.status_code == 400:
        assert err == {"code": "malformed_json", "message": "The body is not valid JSON."}
    else:
        assert "body" in err["message"]


TYPE_CASES = {
    "exploitation-types-as-string": (
        setter("exploitation_types", value="labour"),
        "exploitation_types",
        "valid list",
    ),
    "persons-as-dict": (
        setter("persons", value={"role": "victim", "names": ["Trần Văn Hùng"]}),
        "persons",
        "valid list",
    ),
    "consent-as-yes": (setter("consent", value="yes"), "consent", "dictionary"),
    "consent-flag-as-yes": (
        setter("consent", "to_police", value="yes"),
        "consent.to_police",
        "boolean",
    ),
    "consent-flag-as-1": (
        setter("consent", "to_assistance_system", value=1),
        "consent.to_assistance_system",
        "boolean",
    ),
    "names-as-string": (
        setter("persons", 0, "names", value="Andreea Ionescu"),
        "persons.0.names",
        "valid list",
    ),
    "summary-as-number": (setter("summary", value=42), "summary", "valid string"),
    "unknown-exploitation-code": (
        setter("exploitation_types", value=["labour", "organ_trade_x"]),
        "exploitation_types.1",
        "unknown code 'organ_trade_x'",
    ),
    "unknown-role": (
        setter("persons", 0, "role", value="witness"),
        "persons.0.role",
        "'victim', 'suspect' or 'other'",
    ),
    "unknown-field": (setter("colour", value="punainen"), "colour", "Extra inputs"),
    "unknown-person-field": (
        setter("persons", 1, "passport_no", value="FX123456"),
        "persons.1.passport_no",
        "Extra inputs",
    ),
    "unknown-consent-field": (
        setter("consent", "to_nbi", value=True),
        "consent.to_nbi",
        "Extra inputs",
    ),
    "missing-summary": (lambda b: b.pop("summary"), "summary", "required"),
    "empty-exploitation-types": (
        setter("exploitation_types", value=[]),
        "exploitation_types",
        "at least 1",
    ),
    "nationality-not-iso": (
        setter("persons", 0, "nationality", value="UK"),
        "persons.0.nationality",
        "country code",
    ),
}


@pytest.mark.parametrize("case", list(TYPE_CASES), ids=list(TYPE_CASES))
def test_wrong_types_and_unknown_values_name_the_field(client, world, unchanged, case):
    change, field, fragment = TYPE_CASES[case]
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=mutate(change))
    err = assert_error(r, 422, "invalid")
    fields = {d["field"]: d["message"] for d in err["details"]}
    assert field in fields, err
    assert fragment in fields[field]
    assert field in err["message"]


def test_unknown_exploitation_code_lists_the_known_ones(client, world, unchanged):
    r = client.post(
        "/api/v1/signals",
        headers=world.ngo_worker.auth,
        json={**VALID, "exploitation_types": ["organ_trade_x"]},
    )
    err = assert_error(r, 422, "invalid")
    assert "labour" in err["details"][0]["message"]
    assert "forced_marriage" in err["details"][0]["message"]


def _future(days: int) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


DATE_CASES = {
    "feb-30": (("occurred_on",), "2026-02-30", "not a day in the calendar"),
    "month-13": (("persons", 0, "birth_date"), "1990-13", "month 13"),
    "next-month": (("occurred_on",), _future(40)[:7], "in the future"),
    "future-day": (("occurred_on",), _future(3), "in the future"),
    "far-future-birth": (("persons", 0, "birth_date"), "2099-01-01", "in the future"),
    "birth-1850": (("persons", 0, "birth_date"), "1850", "before 1900"),
    "occurred-1850": (("occurred_on",), "1850-06", "before 1950"),
    "day-format": (("occurred_on",), "14.3.2026", "use YYYY-MM-DD"),
    "too-long": (("occurred_on",), "2026-03-14T10:00", "at most 10 characters"),
}


@pytest.mark.parametrize("case", list(DATE_CASES), ids=list(DATE_CASES))
def test_impossible_dates_are_refused(client, world, unchanged, case):
    path, value, fragment = DATE_CASES[case]
    r = client.post(
        "/api/v1/signals",
        headers=world.ngo_worker.auth,
        json=mutate(setter(*path, value=value)),
    )
    err = assert_error(r, 422, "invalid")
    field = ".".join(str(p) for p in path)
    [detail] = err["details"]
    assert detail["field"] == field
    assert fragment in detail["message"]


PHONE_CASES = {
    "too-short": ("12", "wrong number of digits"),
    "letters": ("+358 40 SECRET", "may contain only digits"),
    "not-in-use": ("+358 00 000 0000", "not a number in use"),
    "empty": ("   ", "is empty"),
}


@pytest.mark.parametrize("case", list(PHONE_CASES), ids=list(PHONE_CASES))
def test_invalid_phones_are_refused_without_repeating_them(client, world, unchanged, case):
    value, fragment = PHONE_CASES[case]
    r = client.post(
        "/api/v1/signals",
        headers=world.ngo_worker.auth,
        json=mutate(setter("persons", 1, "phones", value=["+234 803 123 4567", value])),
    )
    err = assert_error(r, 422, "invalid")
    [detail] = err["details"]
    assert detail["field"] == "persons.1.phones.1"
    assert fragment in detail["message"]
    # A phone is personal data: the error (which may be logged) does not repeat it.
    if value.strip():
        assert value not in r.text
    assert "SECRET" not in r.text


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (WRONG_BID, "wrong check digit"),
        (_business_id("2345671").replace("-", ""), "expected the form 1234567-8"),
        ("3141592-0", "no check digit fits"),
    ],
    ids=["check-digit", "no-dash", "no-digit-fits"],
)
def test_invalid_business_ids_are_refused(client, world, unchanged, value, fragment):
    assert business_id_check_digit("3141592") is None
    r = client.post(
        "/api/v1/signals",
        headers=world.ngo_worker.auth,
        json=mutate(setter("organisations", 0, "business_id", value=value)),
    )
    err = assert_error(r, 422, "invalid")
    [detail] = err["details"]
    assert detail["field"] == "organisations.0.business_id"
    assert fragment in detail["message"]


# --- control characters --------------------------------------------------------------------


CONTROL_CASES = {
    "nul-in-summary": (("summary",), "Työnantaja uhkaili\x00 ja löi.", "U+0000"),
    "esc-in-summary": (("summary",), "Ilmoitus tuli klo 02.14 \x1b[31m", "U+001B"),
    "bel-in-name": (("persons", 0, "names", 0), "Andreea\x07 Ionescu", "U+0007"),
    "nul-in-name": (("persons", 1, "names", 0), "Chukwuemeka\x00Okafor", "U+0000"),
    "esc-in-municipality": (("municipality",), "Tam\x1bpere", "U+001B"),
    "del-in-address": (("addresses", 0), "Insinöörinkatu 23\x7f A 5", "U+007F"),
}


@pytest.mark.parametrize("case", list(CONTROL_CASES), ids=list(CONTROL_CASES))
def test_control_characters_are_refused_with_their_position(client, world, unchanged, case):
    path, value, codepoint = CONTROL_CASES[case]
    r = client.post(
        "/api/v1/signals",
        headers=world.ngo_worker.auth,
        json=mutate(setter(*path, value=value)),
    )
    err = assert_error(r, 422, "invalid")
    [detail] = err["details"]
    assert detail["field"] == ".".join(str(p) for p in path)
    position = next(i for i, c in enumerate(value, 1) if ord(c) < 32 or ord(c) == 127)
    assert f"control character {codepoint} at position {position}" in detail["message"]


def test_lone_surrogate_is_refused(client, world, unchanged):
    raw = json.dumps({**VALID, "summary": "Phạm Thị Hoa \ud800 kertoi"}).encode()
    r = client.post(
        "/api/v1/signals",
        headers={**world.ngo_worker.auth, "content-type": "application/json"},
        content=raw,
    )
    err = assert_error(r, 422, "invalid")
    assert err["details"][0]["field"] == "summary"


# --- size limits ---------------------------------------------------------------------------


def test_a_5_mb_body_is_too_large(client, world, unchanged, ctx):
    body = b'{"summary": "' + b"a" * 5_000_000 + b'"}'
    r = client.post(
        "/api/v1/signals",
        headers={**world.ngo_worker.auth, "content-type": "application/json"},
        content=body,
    )
    err = assert_error(r, 413, "too_large")
    assert str(ctx.settings.max_body_bytes) in err["message"]


def _chunks(total: int, size: int = 64_000) -> Iterator[bytes]:
    yield b'{"exploitation_types": ["labour"], "summary": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/signals", "application/json"),
        ("/api/v1/auth/token", "application/x-www-form-urlencoded"),
    ],
    ids=["json", "form"],
)
def test_a_chunked_body_over_the_limit_is_too_large(
    client, world, unchanged, ctx, path, content_type
):
    """No Content-Length to check up front: the limit is enforced on what arrives."""
    r = client.post(
        path,
        headers={**world.ngo_worker.auth, "content-type": content_type},
        content=_chunks(2 * ctx.settings.max_body_bytes),
    )
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    err = assert_error(r, 413, "too_large")
    assert str(ctx.settings.max_body_bytes) in err["message"]


def test_a_chunked_body_under_the_limit_is_accepted(client, world, ctx):
    payload = json.dumps(VALID).encode()

    def pieces() -> Iterator[bytes]:
        for i in range(0, len(payload), 50):
            yield payload[i : i + 50]

    r = client.post(
        "/api/v1/signals",
        headers={**world.ngo_worker.auth, "content-type": "application/json"},
        content=pieces(),
    )
    assert r.status_code == 201, r.text
    assert r.json()["summary"] == VALID["summary"]


def test_an_overlong_summary_says_how_long_it_may_be(client, world, unchanged):
    r = client.post(
        "/api/v1/signals",
        headers=world.ngo_worker.auth,
        json={**VALID, "summary": "Mykola Shevchuk " * 1300},
    )
    err = assert_error(r, 422, "invalid")
    assert "at most 20000" in err["details"][0]["message"]


# --- hostile but valid text ------------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE signals; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "Robert'); DELETE FROM audit_events WHERE ('1'='1",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_injection_and_markup_are_stored_verbatim(client, world, ctx, hostile):
    before = counts(ctx)
    body = copy.deepcopy(VALID)
    body["summary"] = hostile
    body["persons"][0]["names"] = [hostile, "Andreea Ionescu"]
    body["addresses"] = [hostile]
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["summary"] == hostile
    assert created["persons"][0]["names"] == [hostile, "Andreea Ionescu"]
    assert created["addresses"] == [hostile]
    # JSON needs no HTML escaping: the text is in the body as a JSON string, not entities.
    assert json.dumps(hostile)[1:-1] in r.text
    assert "&lt;" not in r.text and "&#" not in r.text

    again = client.get(f"/api/v1/signals/{created['id']}", headers=world.ngo_worker.auth).json()
    assert again["summary"] == hostile
    assert again["persons"][0]["names"][0] == hostile

    after = counts(ctx)
    assert after["signals"] == before["signals"] + 1
    assert after["signal_persons"] == before["signal_persons"] + 2
    with ctx.db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT text FROM signal_addresses WHERE signal_id = :id"), {"id": created["id"]}
        ).scalar_one()
        audit = conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    assert stored == hostile
    assert audit > 0  # the audit table survived too


# --- queries and paths -----------------------------------------------------------------------


def test_an_overlong_signal_id_is_not_found(client, world, ctx):
    r = client.get(f"/api/v1/signals/{uuid.uuid4()}x", headers=world.ngo_worker.auth)
    assert_error(r, 404, "not_found")
    r = client.get("/api/v1/signals/" + "9" * 5000, headers=world.ngo_worker.auth)
    assert_error(r, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"summary": "Päivitetty kuvaus tilanteesta"}),
        ("GET", "/shares", None),
        ("POST", "/shares", "share"),
        ("DELETE", "/shares/" + "1" * 36, None),
        ("POST", "/break-glass", {"justification": "Uhri on välittömässä vaarassa juuri nyt."}),
        ("GET", "/matches", None),
    ],
    ids=["read", "update", "shares", "share", "revoke", "break-glass", "matches"],
)
def test_an_overlong_id_is_not_found_on_every_signal_route(
    client, world, ctx, signal_id, method, suffix, body
):
    """An id longer than any id is a plain 404 (on PostgreSQL it once became a 500: the
    denied attempt's record_id did not fit the trail's column)."""
    before = counts(ctx)
    payload = _share(world) if body == "share" else body
    for person in (world.ngo_worker, world.helsinki_investigator):
        r = client.request(
            method,
            f"/api/v1/signals/{signal_id}x{suffix}",
            headers=person.auth,
            json=payload,
        )
        assert r.json() == {"error": {"code": "not_found", "message": "Not found."}}
        assert r.status_code == 404
    assert counts(ctx) == before


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("limit=100000", "limit", "less than or equal to 200"),
        ("limit=0", "limit", "greater than or equal to 1"),
        ("offset=-1", "offset", "greater than or equal to 0"),
        ("limit=kymmenen", "limit", "valid integer"),
        ("kind=everything", "kind", "'all', 'mine' or 'shared'"),
    ],
)
def test_bad_list_parameters_are_refused(client, world, query, field, fragment):
    r = client.get(f"/api/v1/signals?{query}", headers=world.ngo_worker.auth)
    err = assert_error(r, 422, "invalid")
    [detail] = err["details"]
    assert detail["field"] == field
    assert fragment in detail["message"]


# --- shares ----------------------------------------------------------------------------------


@pytest.fixture
def signal_id(client, world) -> str:
    r = client.post("/api/v1/signals", headers=world.ngo_worker.auth, json=VALID)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _share(world: Any, **changes: Any) -> dict[str, Any]:
    return {
        "organisation_id": world.orgs["assistance"],
        "basis": "consent",
        "expires_on": _future(30),
        "scope": "full",
        **changes,
    }


def test_share_with_a_valid_body_is_accepted(client, world, ctx, signal_id):
    before = counts(ctx)
    r = client.post(
        f"/api/v1/signals/{signal_id}/shares", headers=world.ngo_worker.auth, json=_share(world)
    )
    assert r.status_code == 201, r.text
    assert counts(ctx)["shares"] == before["shares"] + 1


SHARE_CASES = {
    "expired": ({"expires_on": _future(-1)}, "expires_on must be a future date"),
    "today": ({"expires_on": _future(0)}, "expires_on must be a future date"),
    "too-long": ({"expires_on": _future(400)}, "a share may last at most 366 days"),
    "police-without-consent": (
        {"organisation_id": "helsinki"},
        "the person has not consented to sharing with the police",
    ),
    "own-organisation": (
        {"organisation_id": "ngo", "basis": "statutory"},
        "cannot be shared with its own organisation",
    ),
    "unknown-organisation": (
        {"organisation_id": "uuid"},
        "There is no organisation with that id.",
    ),
}


@pytest.mark.parametrize("case", list(SHARE_CASES), ids=list(SHARE_CASES))
def test_unlawful_shares_are_refused_with_the_reason(client, world, ctx, signal_id, case):
    changes, reason = SHARE_CASES[case]
    changes = dict(changes)
    if changes.get("organisation_id") == "uuid":
        changes["organisation_id"] = str(uuid.uuid4())
    elif "organisation_id" in changes:
        changes["organisation_id"] = world.orgs[changes["organisation_id"]]
    before = counts(ctx)
    r = client.post(
        f"/api/v1/signals/{signal_id}/shares",
        headers=world.ngo_worker.auth,
        json=_share(world, **changes),
    )
    err = assert_error(r, 422, "invalid")
    assert reason in err["message"]
    assert counts(ctx) == before
    # The police still cannot see it.
    got = client.get(f"/api/v1/signals/{signal_id}", headers=world.helsinki_investigator.auth)
    assert got.status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"basis": "gut_feeling"}, "basis"),
        ({"scope": "everything"}, "scope"),
        ({"expires_on": "2026-02-30"}, "expires_on"),
        ({"expires_on": "ensi kuussa"}, "expires_on"),
        ({"grantee": "Helsingin poliisilaitos"}, "grantee"),
        ({"organisation_id": ""}, "organisation_id"),
    ],
    ids=["basis", "scope", "feb-30", "words", "unknown-field", "empty-org"],
)
def test_malformed_shares_name_the_field(client, world, ctx, signal_id, changes, field):
    before = counts(ctx)
    r = client.post(
        f"/api/v1/signals/{signal_id}/shares",
        headers=world.ngo_worker.auth,
        json=_share(world, **changes),
    )
    err = assert_error(r, 422, "invalid")
    assert field in [d["field"] for d in err["details"]]
    assert counts(ctx) == before


# --- updates -----------------------------------------------------------------------------------


PATCH_CASES = {
    "feb-30": ({"occurred_on": "2026-02-30"}, "occurred_on", "not a day in the calendar"),
    "null-summary": ({"summary": None}, "summary", "valid string"),
    "nul-in-summary": ({"summary": "Uusi\x00tieto"}, "summary", "U+0000 at position 5"),
    "unknown-code": ({"exploitation_types": ["begging_x"]}, "exploitation_types.0", "unknown"),
    "consent-as-yes": ({"consent": {"to_police": "yes"}}, "consent.to_police", "boolean"),
    "consent-unknown-key": ({"consent": {"to_nbi": True}}, "consent.to_nbi", "Extra inputs"),
}


@pytest.mark.parametrize("case", list(PATCH_CASES), ids=list(PATCH_CASES))
def test_bad_updates_are_refused_and_change_nothing(client, world, ctx, signal_id, case):
    changes, field, fragment = PATCH_CASES[case]
    before = counts(ctx)
    r = client.patch(f"/api/v1/signals/{signal_id}", headers=world.ngo_worker.auth, json=changes)
    err = assert_error(r, 422, "invalid")
    details = {d["field"]: d["message"] for d in err["details"]}
    assert field in details, err
    assert fragment in details[field]
    assert counts(ctx) == before
    got = client.get(f"/api/v1/signals/{signal_id}", headers=world.ngo_worker.auth).json()
    assert got["summary"] == VALID["summary"]
    assert got["occurred_on"] == VALID["occurred_on"]
    assert got["consent"] == VALID["consent"]
    assert got["exploitation_types"] == VALID["exploitation_types"]


def test_updating_fields_that_cannot_change_here_is_refused(client, world, ctx, signal_id):
    before = counts(ctx)
    r = client.patch(
        f"/api/v1/signals/{signal_id}",
        headers=world.ngo_worker.auth,
        json={"persons": [], "organisation_id": world.orgs["helsinki"]},
    )
    err = assert_error(r, 422, "invalid")
    assert "organisation_id" in err["message"] and "persons" in err["message"]
    assert counts(ctx) == before


def test_sign_in_without_password_names_the_missing_field(client, world, ctx):
    r = client.post("/api/v1/auth/token", data={"username": world.ngo_worker.email})
    err = assert_error(r, 422, "invalid")
    assert [d["field"] for d in err["details"]] == ["password"]
    with ctx.db.engine.connect() as conn:
        tokens = conn.execute(
            text("SELECT count(*) FROM api_tokens WHERE name = 'password grant'")
        ).scalar_one()
    assert tokens == 0
