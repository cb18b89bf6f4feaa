"""sqlmap against every search and filter parameter of the API and the pages.

    uv run python -m checks.sqlmap_scan [--database-url URL] [--level 3 --risk 2]

Starts a real server (`checks.attack_site`) on a scratch database (SQLite unless a
PostgreSQL URL is given), signed in as the persona who may use each endpoint (a Bearer
token for the API, the session cookie for pages), and runs Debian's sqlmap on one
parameter at a time with `--dbms` set to the backend. Prints one row per parameter
(endpoint, parameter, requests the server saw, verdict) and the number of injections
found, which must be 0; exits non-zero otherwise. `tests/test_sqlmap.py` runs the
`SHORT` selection at a low level in the test suite.

A parameter written `*` is an id in the path, marked for sqlmap's URI injection.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.browser.live import serving
from tests.test_email import free_port

from checks.attack_site import SCAN_HEADER, Counting, Site, fresh_site

SQLMAP = "sqlmap"

# sqlmap's own words. A finding: any of these. A clean run: the closing verdict, or each
# tested parameter reported as not injectable, with no finding.
FOUND = re.compile(
    r"identified the following injection point"
    r"|appears to be '[^']+' injectable"
    r"|parameter '[^']+' is '[^']+' injectable"
    r"|is vulnerable",
    re.IGNORECASE,
)
CLEAN_ALL = "all tested parameters do not appear to be injectable"
CLEAN_ONE = re.compile(r"parameter '[^']+' does not seem to be injectable", re.IGNORECASE)
TESTED = re.compile(r"testing for SQL injection on \S+ parameter", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """One parameter of one endpoint, with a query that succeeds as `who`.

    `{signal}`, `{share}`, `{referral}`, `{investigation}`, `{consultation}` and `{org}`
    (the Helsinki police) are filled in from the seeded records.
    """

    path: str
    param: str
    who: str | None
    query: tuple[tuple[str, str], ...] = ()
    page: bool = False
    headers: tuple[str, ...] = ()  # further request headers, "Name: value"

    @property
    def endpoint(self) -> str:
        return "GET " + self.path.replace("*", "")

    def url(self, site: Site, base_url: str | None = None) -> str:
        ids = {
            "signal": site.records.signal,
            "share": site.records.share,
            "referral": site.records.referral,
            "investigation": site.records.investigation,
            "consultation": site.records.consultation,
            "org": site.world.orgs["helsinki"],
        }
        path = self.path.format(**ids)
        query = urlencode([(k, v.format(**ids)) for k, v in self.query])
        return (base_url or site.base_url) + path + (f"?{query}" if query else "")


def _t(
    path: str,
    who: str | None,
    query: str = "",
    *params: str,
    page: bool = False,
    headers: tuple[str, ...] = (),
) -> list[Target]:
    """Targets for `params` of one endpoint, sharing the baseline `query` ("a=1&b=2")."""
    pairs = tuple((k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p))
    return [Target(path, p, who, pairs, page, headers) for p in params]


SIGNALS_Q = "kind=all&limit=50&offset=0"
REFERRALS_Q = "direction=outgoing&open=false&signal_id={signal}&limit=50&offset=0"
NETWORK_Q = "record=signal:{signal}&hops=2&since=2026-01-01&linked_only=false"
STATS_Q = "by=exploitation_type&filter=year:2026&threshold=5"
PAGE_NETWORK_Q = (
    "record=signal:{signal}&hops=2&since-day=1&since-month=1&since-year=2026"
    "&linked_only=yes&source=signal:{signal}&target=investigation:{investigation}"
)

TARGETS: list[Target] = [
    # The JSON API: every query parameter of every GET, then ids in paths.
    *_t("/api/v1/signals", "ngo_worker", SIGNALS_Q, "kind", "limit", "offset"),
    *_t(
        "/api/v1/referrals",
        "ngo_worker",
        REFERRALS_Q,
        "direction",
        "open",
        "signal_id",
        "limit",
        "offset",
    ),
    *_t(
        "/api/v1/audit", "dpo", "record_id={signal}&record_type=signal", "record_id", "record_type"
    ),
    *_t("/api/v1/notifications", "ngo_worker", "unread=true", "unread"),
    *_t("/api/v1/signals/{signal}/screenings", "ngo_worker", "lang=fi", "lang"),
    *_t(
        "/api/v1/investigators", "helsinki_investigator", "organisation_id={org}", "organisation_id"
    ),
    *_t("/api/v1/investigations", "helsinki_investigator", "limit=50&offset=0", "limit", "offset"),
    *_t(
        "/api/v1/consultations",
        "national_team_lead",
        "direction=incoming&open=true&limit=50&offset=0",
        "direction",
        "open",
        "limit",
        "offset",
    ),
    *_t(
        "/api/v1/linkage/candidates",
        "helsinki_investigator",
        "status=open&limit=50&offset=0",
        "status",
        "limit",
        "offset",
    ),
    *_t(
        "/api/v1/linkage/network",
        "helsinki_investigator",
        NETWORK_Q,
        "record",
        "hops",
        "since",
        "linked_only",
    ),
    *_t("/api/v1/linkage/network/export", "helsinki_investigator", NETWORK_Q, "record"),
    *_t(
        "/api/v1/linkage/network/path",
        "helsinki_investigator",
        "source=signal:{signal}&target=investigation:{investigation}",
        "source",
        "target",
    ),
    *_t("/api/v1/statistics/signals", "analyst", STATS_Q, "by", "filter", "threshold"),
    *_t(
        "/api/v1/statistics/decision-times",
        "analyst",
        "by=target&filter=year:2026&threshold=5",
        "by",
        "filter",
        "threshold",
    ),
    *_t("/api/v1/statistics/releases", "analyst", "year=2026", "year"),
    *_t("/api/v1/exports/ctdc", "analyst", "format=csv", "format"),
    *_t("/api/v1/exports/official", "analyst", "year=2026", "year"),
    *_t("/api/v1/training/materials", "coordinator", "role=investigator", "role"),
    *_t("/api/v1/training/sessions", "coordinator", "course_id={signal}", "course_id"),
    *_t(
        "/api/v1/training/attendance",
        "coordinator",
        "user_id={signal}&organisation_id={org}",
        "user_id",
        "organisation_id",
    ),
    *_t("/api/v1/training/coverage", "coordinator", "by=region", "by"),
    *_t("/api/v1/statistics/signals*", "analyst", "by=exploitation_type", "*"),
    *_t("/api/v1/signals/{signal}*", "ngo_worker", "", "*"),
    *_t("/api/v1/referrals/{referral}*", "ngo_worker", "", "*"),
    *_t(
        "/api/v1/investigations/{investigation}*",
        "helsinki_investigator",
        "",
        "*",
        headers=("X-Purpose: esitutkinta 2026/123",),
    ),
    *_t("/api/v1/consultations/{consultation}*", "helsinki_investigator", "", "*"),
    # The pages: every query parameter a page reads, then ids in paths.
    *_t("/login", None, "next=/signals", "next", page=True),
    *_t("/signals", "ngo_worker", "page=1", "page", page=True),
    *_t("/referrals", "assistance_caseworker", "show=all", "show", page=True),
    *_t(
        "/investigations/new",
        "helsinki_investigator",
        "referral={referral}",
        "referral",
        page=True,
    ),
    *_t("/signals/{signal}/screen", "ngo_worker", "profile=adult_labour", "profile", page=True),
    *_t(
        "/network",
        "helsinki_investigator",
        PAGE_NETWORK_Q,
        "record",
        "hops",
        "since-year",
        "linked_only",
        "source",
        "target",
        page=True,
    ),
    *_t(
        "/statistics/explore",
        "analyst",
        "subject=signals&by=exploitation_type&by2=sex&year=2026",
        "subject",
        "by",
        "by2",
        "year",
        page=True,
    ),
    *_t("/actionplan/measures/new", "coordinator", "objective={signal}", "objective", page=True),
    *_t("/training/sessions/new", "coordinator", "course={signal}", "course", page=True),
    *_t("/signals/{signal}*", "ngo_worker", "", "*", page=True),
    *_t("/investigations/{investigation}*", "helsinki_investigator", "", "*", page=True),
]

# The short run in the test suite: the parameters that reach the widest queries
# (visibility-filtered lists, the audit trail, the network, statistics) and a page.
SHORT = [
    t
    for t in TARGETS
    if (t.endpoint, t.param)
    in {
        ("GET /api/v1/signals", "kind"),
        ("GET /api/v1/referrals", "signal_id"),
        ("GET /api/v1/audit", "record_id"),
        ("GET /api/v1/linkage/network", "record"),
        ("GET /api/v1/statistics/signals", "filter"),
        ("GET /api/v1/signals/{signal}", "*"),
        ("GET /network", "source"),
    }
]


@dataclass(frozen=True)
class Options:
    level: int = 1
    risk: int = 1
    technique: str = "BEU"
    timeout: int = 10


@dataclass(frozen=True)
class Verdict:
    target: Target
    baseline: int
    requests: int
    server_errors: int
    outcome: str  # "not injectable", "INJECTABLE" or "incomplete"
    output: str

    @property
    def injectable(self) -> bool:
        return self.outcome == "INJECTABLE"


def installed() -> bool:
    return shutil.which(SQLMAP) is not None


def dbms(site: Site) -> str:
    return "PostgreSQL" if site.ctx.settings.database_url.startswith("postgresql") else "SQLite"


def judge(output: str, log: str) -> str:
    """sqlmap's verdict from its console output and its per-host log file (which holds
    nothing unless it identified an injection point)."""
    if FOUND.search(output) or log.strip():
        return "INJECTABLE"
    if TESTED.search(output) and (CLEAN_ALL in output or CLEAN_ONE.search(output)):
        return "not injectable"
    return "incomplete"


def _auth(site: Site, target: Target) -> list[str]:
    if target.who is None:
        return []
    if target.page:
        return ["--cookie", site.cookie(target.who)]
    return ["-H", f"Authorization: Bearer {site.world.people[target.who].token}"]


def scan(
    site: Site,
    target: Target,
    options: Options,
    workdir: Path,
    n: int | str,
    *,
    base_url: str | None = None,
) -> Verdict:
    """Run sqlmap on one parameter; the `SCAN_HEADER` it sends lets the server count it."""
    url = target.url(site, base_url)
    auth = _auth(site, target)
    extra = list(target.headers)
    if auth and auth[0] == "-H":
        extra.append(auth[1])
    headers = dict(h.split(": ", 1) for h in extra)
    if auth and auth[0] == "--cookie":
        headers["Cookie"] = auth[1]
    baseline = httpx.get(url.replace("*", ""), headers=headers).status_code
    scan_id = f"sqlmap-{n}"
    out = workdir / scan_id
    if target.param != "*":
        which = ["-p", target.param]
    else:
        # Only the marked path segment: not the headers (level 3), nor the session cookie.
        skip = "user-agent,referer,host" + (",__Host-opennrm_session" if target.page else "")
        which = [f"--skip={skip}"]
    command = [
        SQLMAP,
        "-u",
        url,
        *which,
        *auth,
        *(a for h in target.headers for a in ("-H", h)),
        "-H",
        f"{SCAN_HEADER}: {scan_id}",
        "--batch",
        f"--dbms={dbms(site)}",
        f"--level={options.level}",
        f"--risk={options.risk}",
        f"--technique={options.technique}",
        f"--timeout={options.timeout}",
        "--retries=1",
        "--skip-waf",
        "--disable-coloring",
        "--flush-session",
        f"--output-dir={out}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    output = done.stdout + done.stderr
    log = "".join(p.read_text(errors="replace") for p in out.glob("*/log"))
    return Verdict(
        target=target,
        baseline=baseline,
        requests=site.traffic.by_scan[scan_id],
        server_errors=sum(1 for e in site.traffic.server_errors if e.startswith(scan_id)),
        outcome=judge(output, log),
        output=output,
    )


def scan_all(
    site: Site, targets: Iterable[Target], options: Options, *, jobs: int = 2
) -> list[Verdict]:
    """Scan every target, `jobs` sqlmap processes at a time, in the order given."""
    with (
        tempfile.TemporaryDirectory(prefix="opennrm-sqlmap-") as tmp,
        ThreadPoolExecutor(jobs) as pool,
    ):
        futures = [pool.submit(scan, site, t, options, Path(tmp), n) for n, t in enumerate(targets)]
        return [f.result() for f in futures]


# The positive control: a deliberately injectable lookup on the same database, so that a
# run reporting nothing shows sqlmap *would* have found an injection through this harness
# (the same authentication, the same --dbms, the same verdict parsing).
CONTROL = Target("/control", "name", None, (("name", "Helsingin poliisilaitos"),))


def control_app(database_url: str) -> Starlette:
    """Builds its SQL by pasting the parameter in: exactly what OpenNRM must never do."""
    engine = create_engine(database_url)

    def lookup(request: Request) -> JSONResponse:
        name = request.query_params.get("name", "")
        sql = f"SELECT id FROM organisations WHERE name = '{name}'"  # noqa: S608 - the point
        try:
            with engine.connect() as c:
                rows = c.execute(text(sql)).all()
        except DBAPIError as exc:
            # Shown, as careless code would; answered 200 so as not to count as a 5xx.
            return JSONResponse({"error": str(exc.orig)})
        return JSONResponse({"organisations": len(rows)})

    return Starlette(routes=[Route("/control", lookup)])


def scan_control(site: Site, options: Options) -> Verdict:
    """Scan the control on its own port, counted with the site's traffic."""
    app = Counting(control_app(site.ctx.settings.database_url), site.traffic)
    with (
        tempfile.TemporaryDirectory(prefix="opennrm-sqlmap-") as tmp,
        serving(app, free_port()) as base_url,
    ):
        return scan(site, CONTROL, options, Path(tmp), "control", base_url=base_url)


def table(verdicts: Sequence[Verdict]) -> str:
    rows = [("endpoint", "parameter", "baseline", "requests", "5xx", "verdict")]
    rows += [
        (
            v.target.endpoint + (" (page)" if v.target.page else ""),
            "(path id)" if v.target.param == "*" else v.target.param,
            str(v.baseline),
            str(v.requests),
            str(v.server_errors),
            v.outcome,
        )
        for v in verdicts
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.sqlmap_scan", description=__doc__)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (a scratch database is made beside it); SQLite if omitted",
    )
    parser.add_argument("--level", type=int, default=3)
    parser.add_argument("--risk", type=int, default=2)
    parser.add_argument("--technique", default="BEUSTQ")
    parser.add_argument("--jobs", type=int, default=2, help="sqlmap processes at a time")
    parser.add_argument("--short", action="store_true", help="only the test suite's selection")
    args = parser.parse_args(argv)
    if not installed():
        print("sqlmap is not installed (apt-get install sqlmap)", file=sys.stderr)
        return 2
    options = Options(level=args.level, risk=args.risk, technique=args.technique)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="opennrm-attack-") as tmp,
        fresh_site(args.database_url, Path(tmp)) as site,
    ):
        verdicts = scan_all(site, SHORT if args.short else TARGETS, options, jobs=args.jobs)
        errors = list(site.traffic.server_errors)
        control = scan_control(site, options)
    found = sum(v.injectable for v in verdicts)
    incomplete = sum(v.outcome == "incomplete" for v in verdicts)
    print(table(verdicts))
    print(
        f"\nbackend {dbms(site)}; level {options.level}, risk {options.risk}, techniques "
        f"{options.technique}; {len(verdicts)} parameters on "
        f"{len({v.target.endpoint for v in verdicts})} endpoints; "
        f"{sum(v.requests for v in verdicts)} requests; server errors {len(errors)}; "
        f"incomplete {incomplete}; {time.monotonic() - started:.0f} s"
    )
    print(f"injections found: {found}")
    print(f"positive control (a deliberately injectable lookup): {control.outcome}")
    return 1 if found or errors or incomplete or not control.injectable else 0


if __name__ == "__main__":
    raise SystemExit(main())
