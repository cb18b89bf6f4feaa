"""The pages' security glue, in-process (no browser): cookies, CSRF, redirects, MFA,
the "not found" answer for hidden records, and HTML errors beside the API's JSON.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from opennrm.auth.actions import actor_for
from opennrm.auth.models import User
from opennrm.db import utcnow
from opennrm.signals import actions
from opennrm.signals.models import Signal
from opennrm.signals.schemas import ShareIn, SignalIn
from opennrm.web.session import safe_next

from .conftest import PASSWORD, Site, Template, build_site

SESSION = "__Host-opennrm_session"

SIGNAL_FORM = {
    "person_count": "1",
    "organisation_count": "1",
    "action": "save",
    "exploitation_types": "labour",
    "summary": "Seen at a car wash in Vantaa.",
    "persons-0-role": "victim",
    "persons-0-names": "Oksana Melnyk",
}


def token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, site: Site, who: str, otp: str = "") -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": token_in(page.text),
            "email": site.people[who].email,
            "password": PASSWORD,
            "otp": otp,
            "next": "/signals",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return token_in(client.get("/signals").text)


def signal_count(site: Site) -> int:
    with site.ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Signal)) or 0


def record_signal(site: Site, who: str = "ngo_worker", **changes: object) -> str:
    with site.ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.email == site.people[who].email))
        assert user is not None
        data = SignalIn.model_validate(
            {
                "exploitation_types": ["labour"],
                "summary": "Seen at a car wash.",
                "persons": [{"role": "victim", "names": ["Oksana Melnyk"]}],
                "consent": {"to_police": True},
                **changes,
            }
        )
        signal, _ = actions.create_signal(
            session, data, actor=actor_for(session, user), cipher=site.ctx.cipher
        )
        return signal.id


def test_session_cookie_is_host_only_secure_httponly_lax(
    pages_client: TestClient, pages_site: Site
) -> None:
    page = pages_client.get("/login")
    pre = page.headers["set-cookie"]
    assert pre.startswith("__Host-opennrm_csrf=")
    response = pages_client.post(
        "/login",
        data={
            "csrf_token": token_in(page.text),
            "email": pages_site.people["ngo_worker"].email,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("__Host-opennrm_session="))
    attributes = {a.strip().split("=")[0].lower() for a in session.split(";")[1:]}
    assert {"httponly", "secure", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "samesite=lax" in session.lower()
    assert "path=/" in session.lower()


def test_sign_in_needs_the_double_submit_token(pages_client: TestClient, pages_site: Site) -> None:
    pages_client.get("/login")
    response = pages_client.post(
        "/login",
        data={
            "csrf_token": "forged",
            "email": pages_site.people["ngo_worker"].email,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "__Host-opennrm_session" not in response.headers.get("set-cookie", "")


def test_unknown_user_and_wrong_password_read_the_same(
    pages_client: TestClient, pages_site: Site
) -> None:
    token = token_in(pages_client.get("/login").text)
    answers = []
    for email, password in (
        (pages_site.people["ngo_worker"].email, "not the password"),
        ("nobody@example.org", "not the password"),
    ):
        response = pages_client.post(
            "/login", data={"csrf_token": token, "email": email, "password": password}
        )
        assert response.status_code == 422
        summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
        assert summary
        answers.append(re.sub(r"\s+", " ", summary.group(1)))
    assert answers[0] == answers[1]


def test_throttled_sign_in_says_so(pages_template: Template, tmp_path: Path) -> None:
    site = build_site(pages_template, tmp_path, login_max_failures=2)
    with TestClient(site.app, base_url="https://testserver") as client:
        token = token_in(client.get("/login").text)
        for _ in range(2):
            client.post(
                "/login",
                data={
                    "csrf_token": token,
                    "email": site.people["ngo_worker"].email,
                    "password": "nope",
                },
            )
        response = client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": site.people["ngo_worker"].email,
                "password": PASSWORD,
            },
        )
        assert response.status_code == 422
        assert "Odota 15 minuuttia" in response.text
    site.ctx.db.dispose()


def test_a_post_without_the_session_token_changes_nothing(
    pages_client: TestClient, pages_site: Site
) -> None:
    sign_in(pages_client, pages_site, "ngo_worker")
    response = pages_client.post("/signals/new", data={**SIGNAL_FORM, "csrf_token": "x"})
    assert response.status_code == 403
    assert "<html" in response.text
    response = pages_client.post("/signals/new", data=SIGNAL_FORM)
    assert response.status_code == 403
    assert signal_count(pages_site) == 0


def _with_session(site: Site, raw: str, path: str = "/signals") -> int:
    with TestClient(site.app, base_url="https://testserver") as other:
        response = other.get(path, headers={"Cookie": f"{SESSION}={raw}"}, follow_redirects=False)
        return response.status_code


def test_sign_in_starts_a_new_session_and_sign_out_ends_it(
    pages_client: TestClient, pages_site: Site
) -> None:
    sign_in(pages_client, pages_site, "ngo_worker")
    first = pages_client.cookies[SESSION]
    assert _with_session(pages_site, first) == 200
    # The same browser signs in again (say, from a login form left open in another tab)
    # while still carrying its session: it gets a new id, and the old one ends.
    pages_client.cookies.delete(SESSION)
    page = pages_client.get("/login")
    response = pages_client.post(
        "/login",
        data={
            "csrf_token": token_in(page.text),
            "email": pages_site.people["ngo_worker"].email,
            "password": PASSWORD,
        },
        headers={"Cookie": f"{SESSION}={first}; __Host-opennrm_csrf={token_in(page.text)}"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    second = pages_client.cookies[SESSION]
    assert second != first
    assert _with_session(pages_site, first) == 303
    assert _with_session(pages_site, second) == 200
    token = token_in(pages_client.get("/signals").text)
    response = pages_client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login?signed_out=1"
    assert _with_session(pages_site, second) == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil",
        "javascript:alert(1)",
        "/login",
        "signals",
        "/ok\r\nSet-Cookie: x=1",
    ],
)
def test_no_open_redirect_after_sign_in(target: str) -> None:
    assert safe_next(target) == "/signals"


def test_local_next_is_kept(pages_client: TestClient, pages_site: Site) -> None:
    page = pages_client.get("/login?next=/signals/shared%3Fpage%3D2")
    assert 'value="/signals/shared?page=2"' in page.text
    response = pages_client.post(
        "/login",
        data={
            "csrf_token": token_in(page.text),
            "email": pages_site.people["ngo_worker"].email,
            "password": PASSWORD,
            "next": "//evil.example",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/signals"


def test_hidden_and_missing_signals_get_the_same_page(
    pages_client: TestClient, pages_site: Site
) -> None:
    hidden = record_signal(pages_site)
    sign_in(pages_client, pages_site, "sisasuomi_investigator")
    missing = "00000000-0000-4000-8000-000000000000"
    one = pages_client.get(f"/signals/{hidden}")
    two = pages_client.get(f"/signals/{missing}")
    assert one.status_code == two.status_code == 404
    assert one.text.replace(hidden, "ID") == two.text.replace(missing, "ID")
    assert pages_client.get("/signals/not-an-id").status_code == 404
    for path in ("/shares/x/revoke", "/audit"):
        assert pages_client.get(f"/signals/{hidden}{path}").status_code == 404


def test_api_errors_stay_json(pages_client: TestClient) -> None:
    response = pages_client.get("/api/v1/signals")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    response = pages_client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    page = pages_client.get("/nothing-here")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


def test_pages_need_a_session(pages_client: TestClient) -> None:
    for path in ("/signals", "/signals/shared", "/signals/new", "/account", "/mfa/setup"):
        response = pages_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    assert pages_client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_language_is_saved_on_the_account(pages_client: TestClient, pages_site: Site) -> None:
    token = sign_in(pages_client, pages_site, "ngo_worker")
    assert '<html lang="fi"' in pages_client.get("/signals").text
    pages_client.post("/language", data={"csrf_token": token, "locale": "sv", "next": "/account"})
    pages_client.cookies.delete("__Host-opennrm_locale")
    page = pages_client.get("/signals")
    assert '<html lang="sv"' in page.text
    assert "Min organisations anmälningar" in page.text
    response = pages_client.post("/language", data={"csrf_token": "x", "locale": "en"})
    assert response.status_code == 403


def test_language_before_sign_in_uses_a_cookie(pages_client: TestClient) -> None:
    token = token_in(pages_client.get("/login").text)
    pages_client.post("/language", data={"csrf_token": token, "locale": "en", "next": "/login"})
    assert "Sign in to OpenNRM" in pages_client.get("/login").text


def test_mfa_is_required_in_production(pages_template: Template, tmp_path: Path) -> None:
    site = build_site(pages_template, tmp_path, env="production")
    with TestClient(site.app, base_url="https://testserver") as client:
        sign_in(client, site, "ngo_worker")
        response = client.get("/signals", follow_redirects=False)
        assert response.headers["location"] == "/mfa/setup"
        setup = client.get("/mfa/setup")
        secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', setup.text)
        assert secret
        assert "otpauth://totp/" in setup.text
        totp = pyotp.TOTP(secret.group(1).replace(" ", ""))
        form = {
            "csrf_token": token_in(setup.text),
            "enrolment": re.search(r'name="enrolment" value="([^"]+)"', setup.text)[1],
        }
        wrong = client.post("/mfa/setup", data={**form, "code": "000000"})
        assert wrong.status_code == 422
        assert secret.group(1) in wrong.text  # the same key again, not a new one
        before = client.cookies["__Host-opennrm_session"]
        done = client.post("/mfa/setup", data={**form, "code": totp.now()}, follow_redirects=False)
        assert done.headers["location"] == "/account?done=mfa"
        assert client.cookies["__Host-opennrm_session"] != before
        assert client.get("/signals").status_code == 200
        client.cookies.clear()
        page = client.get("/login")
        without_code = client.post(
            "/login",
            data={
                "csrf_token": token_in(page.text),
                "email": site.people["ngo_worker"].email,
                "password": PASSWORD,
            },
        )
        assert without_code.status_code == 422
    site.ctx.db.dispose()


def test_recording_keeps_data_when_adding_and_removing_people(
    pages_client: TestClient, pages_site: Site
) -> None:
    token = sign_in(pages_client, pages_site, "ngo_worker")
    form = {**SIGNAL_FORM, "csrf_token": token, "action": "add_person"}
    page = pages_client.post("/signals/new", data=form)
    assert 'id="persons-1-role"' in page.text
    assert re.search(r'id="persons-1-role"[^>]*autofocus', page.text)
    assert "Seen at a car wash in Vantaa." in page.text
    assert "Oksana Melnyk" in page.text
    form |= {"person_count": "2", "persons-1-names": "Ivan Petrenko", "action": "remove_person:0"}
    page = pages_client.post("/signals/new", data=form)
    assert "Oksana Melnyk" not in page.text
    assert "Ivan Petrenko" in page.text
    assert 'id="persons-1-role"' not in page.text
    assert signal_count(pages_site) == 0


def test_every_error_links_to_a_field(pages_client: TestClient, pages_site: Site) -> None:
    token = sign_in(pages_client, pages_site, "ngo_worker")
    page = pages_client.post(
        "/signals/new",
        data={
            "csrf_token": token,
            "person_count": "2",
            "organisation_count": "1",
            "occurred_on": "31.2.2026",
            "persons-0-names": "Ana",
            "persons-0-role": "victim",
            "persons-0-phones": "+358 40 123 4567\n\nnot a phone",
            "persons-0-emails": "x@",
            "persons-0-birth_date": "2999",
            "persons-1-role": "suspect",
            "organisations-0-business_id": "1234567-2",
            "action": "save",
        },
    )
    assert page.status_code == 422
    targets = re.findall(r'<li><a href="#([^"]+)">', page.text)
    assert targets
    for target in targets:
        assert f'id="{target}"' in page.text, target
    assert "rivillä 3" in page.text  # the line number as the person sees it
    assert {
        "exploitation_types",
        "summary",
        "occurred_on",
        "persons-0-phones",
        "persons-0-emails",
        "persons-0-birth_date",
        "persons-1-names",
        "organisations-0-business_id",
    } <= set(targets)
    assert signal_count(pages_site) == 0


def test_share_and_revoke(pages_client: TestClient, pages_site: Site) -> None:
    signal_id = record_signal(pages_site)
    token = sign_in(pages_client, pages_site, "ngo_worker")
    helsinki = pages_site.organisations["Helsingin poliisilaitos"]
    ends = utcnow().date() + timedelta(days=30)
    response = pages_client.post(
        f"/signals/{signal_id}/shares",
        data={
            "csrf_token": token,
            "organisation_id": helsinki,
            "basis": "consent",
            "scope": "summary",
            "expires_on-day": ends.day,
            "expires_on-month": ends.month,
            "expires_on-year": ends.year,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = pages_client.get(f"/signals/{signal_id}")
    share_id = re.search(r"/shares/([0-9a-f-]{36})/revoke", page.text)
    assert share_id
    with TestClient(pages_site.app, base_url="https://testserver") as police:
        sign_in(police, pages_site, "helsinki_investigator")
        summary_only = police.get(f"/signals/{signal_id}")
        assert summary_only.status_code == 200
        assert "Oksana Melnyk" not in summary_only.text
        assert "vain tiivistelmä" in summary_only.text
        confirm = pages_client.get(f"/signals/{signal_id}/shares/{share_id[1]}/revoke")
        assert confirm.status_code == 200
        pages_client.post(
            f"/signals/{signal_id}/shares/{share_id[1]}/revoke",
            data={"csrf_token": token, "reason": "Consent withdrawn."},
        )
        assert police.get(f"/signals/{signal_id}").status_code == 404


def test_share_refused_by_the_policy_is_explained(
    pages_client: TestClient, pages_site: Site
) -> None:
    signal_id = record_signal(pages_site, consent={"to_police": False})
    token = sign_in(pages_client, pages_site, "ngo_worker")
    ends = utcnow().date() + timedelta(days=30)
    page = pages_client.post(
        f"/signals/{signal_id}/shares",
        data={
            "csrf_token": token,
            "organisation_id": pages_site.organisations["Helsingin poliisilaitos"],
            "basis": "consent",
            "scope": "full",
            "expires_on-day": ends.day,
            "expires_on-month": ends.month,
            "expires_on-year": ends.year,
        },
    )
    assert page.status_code == 422
    assert 'href="#basis"' in page.text
    assert "ei ole antanut suostumusta" in page.text


def test_break_glass_form_tells_nothing_and_the_post_decides(
    pages_client: TestClient, pages_site: Site
) -> None:
    ngo_signal = record_signal(pages_site)
    token = sign_in(pages_client, pages_site, "sisasuomi_investigator")
    missing = "00000000-0000-4000-8000-000000000000"
    assert pages_client.get(f"/signals/{missing}/break-glass").status_code == 200
    assert pages_client.get(f"/signals/{ngo_signal}/break-glass").status_code == 200
    reason = "A victim called from the farm and says she is locked in."
    too_short = pages_client.post(
        f"/signals/{ngo_signal}/break-glass",
        data={"csrf_token": token, "justification": "urgent", "hours": "2"},
    )
    assert too_short.status_code == 422
    assert pages_client.get(f"/signals/{ngo_signal}").status_code == 404
    response = pages_client.post(
        f"/signals/{missing}/break-glass",
        data={"csrf_token": token, "justification": reason, "hours": "2"},
    )
    assert response.status_code == 404
    response = pages_client.post(
        f"/signals/{ngo_signal}/break-glass",
        data={"csrf_token": token, "justification": reason, "hours": "2"},
    )
    assert response.status_code == 200
    assert "Käytät hätäpääsyä" in response.text
    assert "Oksana Melnyk" in response.text


def test_lists_are_paginated(pages_client: TestClient, pages_site: Site) -> None:
    for _ in range(27):
        record_signal(pages_site)
    sign_in(pages_client, pages_site, "ngo_worker")
    first = pages_client.get("/signals")
    assert first.text.count('class="govuk-link" href="/signals/') == 25
    assert 'href="/signals?page=2"' in first.text
    second = pages_client.get("/signals?page=2")
    assert second.text.count('class="govuk-link" href="/signals/') == 2
    assert 'aria-current="page">2<' in second.text
    assert pages_client.get("/signals?page=abc").status_code == 200


def test_personal_tokens(pages_client: TestClient, pages_site: Site) -> None:
    token = sign_in(pages_client, pages_site, "ngo_worker")
    page = pages_client.post(
        "/account/tokens", data={"csrf_token": token, "name": "Raportit", "days": "7"}
    )
    raw = re.search(r'id="new-token">(onrm_[^<]+)<', page.text)
    assert raw
    assert (
        pages_client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw[1]}"}).status_code
        == 200
    )
    token_id = re.search(r'action="/account/tokens/([^/]+)/revoke"', page.text)
    assert token_id
    pages_client.post(f"/account/tokens/{token_id[1]}/revoke", data={"csrf_token": token})
    assert raw[1] not in pages_client.get("/account").text
    assert (
        pages_client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw[1]}"}).status_code
        == 401
    )


def test_a_share_page_for_a_hidden_signal_is_not_found(
    pages_client: TestClient, pages_site: Site
) -> None:
    signal_id = record_signal(pages_site)
    with pages_site.ctx.db.transaction() as session:
        user = session.scalar(
            select(User).where(User.email == pages_site.people["ngo_worker"].email)
        )
        assert user is not None
        actions.share_signal(
            session,
            signal_id,
            ShareIn(
                organisation_id=pages_site.organisations["Helsingin poliisilaitos"],
                basis="consent",
                expires_on=utcnow().date() + timedelta(days=5),
            ),
            actor=actor_for(session, user),
        )
    token = sign_in(pages_client, pages_site, "helsinki_investigator")
    # The grantee may read but not re-share: the share form is not offered ...
    assert (
        'action="/signals/' + signal_id + '/shares"'
        not in pages_client.get(f"/signals/{signal_id}").text
    )
    # ... and posting it anyway is refused without changing anything.
    response = pages_client.post(
        f"/signals/{signal_id}/shares",
        data={
            "csrf_token": token,
            "organisation_id": pages_site.organisations["Pro-tuki ry"],
            "basis": "statutory",
        },
    )
    assert response.status_code == 403


def test_an_unexpected_error_is_a_page_that_leaks_nothing(
    pages_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opennrm.web.routes import signals as signal_pages

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Oksana Melnyk +358401234567")

    monkeypatch.setattr(signal_pages.queries, "list_signals", broken)
    with TestClient(
        pages_site.app, base_url="https://testserver", raise_server_exceptions=False
    ) as client:
        sign_in_page = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": token_in(sign_in_page.text),
                "email": pages_site.people["ngo_worker"].email,
                "password": PASSWORD,
            },
        )
        page = client.get("/signals")
        assert page.status_code == 500
        assert "Palvelussa on valitettavasti häiriö" in page.text
        assert "Oksana" not in page.text
        api = client.get("/api/v1/signals", headers={"Authorization": "Bearer onrm_x"})
        assert api.headers["content-type"] == "application/json"
