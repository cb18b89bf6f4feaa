"""Fuzzing the JSON API with schemathesis: what the CI test and `checks.fuzz` share.

Schemathesis reads the app's own OpenAPI document, generates requests from it (valid
ones, and invalid ones that the API must refuse), sends them in process through the
ASGI app, and runs its checks on every answer. We run it once per *principal*: one
persona for each distinct set of roles in `tests.personas`, plus nobody at all. Then
the stateful mode chains operations along the links schemathesis infers from the
document (create a signal, then read, share, screen and refer it), so that the fuzzing
reaches records that exist, not only 404s.

Failures are collected rather than raised, so one run reports all of them (operation,
principal, check, and a curl line to reproduce) and Hypothesis never shrinks: with
`derandomize=True` the same code fuzzes with the same inputs every time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from schemathesis import Case, CheckFunction, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.python import asgi
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi import checks as oas
from tests.personas import World, seed_world

from opennrm import migrate
from opennrm.app import create_app
from opennrm.context import AppContext
from opennrm.db import Database
from opennrm.settings import Settings

OPENAPI_PATH = "/api/v1/openapi.json"

# One persona per distinct role set (tests/personas.py), and nobody. Organisation type
# matters to the policy too, so the roles are taken where they matter most: the NGO for
# the partner roles, a police department and the national team for the police roles.
PRINCIPALS: dict[str, str | None] = {
    "unauthenticated": None,
    "frontline": "ngo_frontline",
    "caseworker": "ngo_worker",
    "supervisor": "ngo_supervisor",
    "dpo": "dpo",
    "investigator": "helsinki_investigator",
    "supervisor+investigator": "national_team_lead",
    "analyst": "analyst",
    "coordinator": "coordinator",
    "admin": "admin",
}

# Every check schemathesis has for OpenAPI, except two that do not fit here:
# `max_response_time` is a timing assertion (meaningless on a loaded CI machine), and
# `object_level_authorization` needs schemathesis to hold two identities at once; the
# permission matrix (tests/test_authz_matrix.py) tests exactly that, per route and role.
CHECKS: tuple[CheckFunction, ...] = (
    not_a_server_error,
    oas.status_code_conformance,
    oas.content_type_conformance,
    oas.response_headers_conformance,
    oas.response_schema_conformance,
    oas.negative_data_rejection,
    oas.positive_data_acceptance,
    oas.missing_required_header,
    oas.use_after_free,
    oas.ensure_resource_availability,
    oas.ignored_auth,
)
# Schemathesis' classes are generic over their transport and spec; we use them as is.
AnyCase = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]

CHECK_NAMES: tuple[str, ...] = (*(c.__name__ for c in CHECKS), "exception")


@dataclass(frozen=True)
class Finding:
    """One failed check: enough to read in a CI log and to reproduce by hand."""

    operation: str
    principal: str
    check: str
    message: str
    reproduce: str

    def __str__(self) -> str:
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return f"{self.operation} as {self.principal}: {self.check}: {first}\n    {self.reproduce}"


@dataclass
class Tally:
    """What one principal's run did and found."""

    principal: str
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    stateful_steps: int = 0
    server_errors: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def record(self, operation: str, check: str, message: str, reproduce: str) -> None:
        self.failures[check] += 1
        finding = Finding(operation, self.principal, check, message, reproduce)
        # One example of each (operation, check, first line) is enough to act on.
        if all(
            (f.operation, f.check, f.message.splitlines()[:1])
            != (operation, check, message.splitlines()[:1])
            for f in self.findings
        ):
            self.findings.append(finding)


@dataclass
class Target:
    """A migrated database with the personas, the app on it, and its schema."""

    ctx: AppContext
    world: World
    app: FastAPI
    schema: BaseSchema

    def headers(self, principal: str) -> dict[str, str]:
        persona = PRINCIPALS[principal]
        return {} if persona is None else self.world.people[persona].auth

    def operations(self) -> list[Operation]:
        """Every operation; a document schemathesis cannot read is itself a failure."""
        return [result.ok() for result in self.schema.get_all_operations()]  # type: ignore[union-attr]


def load_schema(app: FastAPI) -> BaseSchema:
    return schemathesis.openapi.from_asgi(OPENAPI_PATH, app)


@contextmanager
def fresh_target(database_url: str, data_dir: Path, settings: Settings) -> Iterator[Target]:
    """Migrate the (empty) database at `database_url`, seed the personas, and serve the
    app in process until the block ends. The caller owns creating and dropping the
    database itself."""
    db = Database(database_url)
    try:
        migrate.upgrade(db.engine)
        ctx = AppContext.build(settings, db)
        world = seed_world(ctx)
        app = create_app(settings, ctx)
        with serving(app):
            yield Target(ctx, world, app, load_schema(app))
    finally:
        db.dispose()


@contextmanager
def serving(app: FastAPI) -> Iterator[None]:
    """Schemathesis starts the app's lifespan (our background worker) on the first
    request and keeps it for the process; stop it when the run ends so the worker does
    not outlive its database."""
    try:
        yield
    finally:
        asgi.shutdown_lifespans()


def _settings(examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        # No shrinking: failures are collected, never raised, so there is nothing to shrink.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _check_of(failure: Failure) -> str:
    names = getattr(failure, "checks", ()) or (type(failure).__name__,)
    return str(names[0])


# `positive_data_acceptance` fails when the API refuses a request that matches the
# document. These refusals are rules the document cannot express (or expresses only in
# prose): a 422 `invalid` from them is the designed answer, not a defect. Exempt narrowly:
# only that check, only a 422 with the code `invalid`, only on these operations.
SEMANTIC_RULES: dict[str, str] = {
    "POST /api/v1/signals": "exploitation types and indicators are codes from the catalogue",
    "POST /api/v1/signals/{signal_id}/screenings": "indicators are codes from the catalogue",
    "POST /api/v1/investigations": "offence codes come from the deployment's catalogue",
    "POST /api/v1/investigations/{investigation_id}/cross-border": "ISO 3166-1, any case",
    "GET /api/v1/statistics/{subject}": "`by` and `filters` name dimensions of the subject",
    "POST /api/v1/statistics/releases": "`by` and `filters` name dimensions of the subject",
    "GET /api/v1/statistics/decision-times": "dimensions are a fixed catalogue",
    "POST /api/v1/imports/htcds": "an import must hold at least one valid HTCDS record",
    "POST /api/v1/actionplan/measures/{measure_id}/progress": "done needs evidence",
    "POST /api/v1/actionplan/measures": "objective_id must name an existing objective",
    "POST /api/v1/training/materials": "a text in one language at least, or a file",
    "POST /api/v1/training/sessions": "a place, or online",
    "POST /api/v1/training/courses": "material_ids must name existing materials",
    "PATCH /api/v1/training/courses/{course_id}": "material_ids must name existing materials",
    "PUT /api/v1/capacity": "person_years is a decimal number, also when sent as a string",
    "POST /api/v1/admin/users": "e-mail addresses are checked for deliverable syntax",
}
# A house-wide rule (ARCHITECTURE: bad input gets a clear error): text must not contain
# control characters; the validators name the character. Any operation may say so.
CONTROL_CHARACTER = "control character"


def is_known_rule(failure: Failure, operation: str, response: Response) -> bool:
    """Whether `failure` is a `positive_data_acceptance` refusal by a designed rule."""
    if _check_of(failure) != "positive_data_acceptance" or response.status_code != 422:
        return False
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    if error.get("code") != "invalid":
        return False
    return operation in SEMANTIC_RULES or CONTROL_CHARACTER in str(error.get("message", ""))


def _excerpt(response: Response) -> str:
    text = response.content.decode("utf-8", "replace") if response.content else ""
    return text[:160] + ("…" if len(text) > 160 else "")


def _validate(
    tally: Tally,
    case: AnyCase,
    call: Callable[[], Response],
    validate: Callable[[Response], None],
    headers: dict[str, str],
) -> None:
    """Send one case and run the checks on the answer, recording instead of raising."""
    label = case.operation.label
    tally.operations.add(label)
    try:
        response = call()
    except Exception as exc:  # an exception escaping the app is a 5xx the client never saw
        tally.server_errors += 1
        tally.record(label, "exception", repr(exc), case.as_curl_command(headers=headers))
        return
    if response.status_code >= 500:
        tally.server_errors += 1
    try:
        validate(response)
    except FailureGroup as group:
        for failure in group.exceptions:
            if isinstance(failure, Failure) and not is_known_rule(failure, label, response):
                tally.record(
                    label,
                    _check_of(failure),
                    f"{failure.title} (got {response.status_code} {_excerpt(response)}):"
                    f" {failure.message}",
                    case.as_curl_command(headers=headers),
                )


def fuzz_operation(
    tally: Tally,
    operation: Operation,
    mode: GenerationMode,
    *,
    headers: dict[str, str],
    examples: int,
) -> int:
    """`examples` generated cases of `operation` in `mode` (positive or negative);
    returns how many were sent (none when there is nothing to negate)."""
    before = tally.cases

    # The token goes into the strategy, not only into the call: schemathesis then treats it
    # as given and does not "negate" it by dropping the header (which our call would put
    # back, turning a negative case into a valid one). Missing and wrong tokens are what
    # the unauthenticated principal and `ignored_auth` test.
    strategy = operation.as_strategy(generation_mode=mode, headers=headers or None)

    @_settings(examples)
    @hypothesis.given(case=strategy)
    def run(case: AnyCase) -> None:
        tally.cases += 1
        _validate(
            tally,
            case,
            lambda: case.call(headers=headers),
            lambda response: case.validate_response(response, checks=list(CHECKS), headers=headers),
            headers,
        )

    # Nothing to generate (no parameters at all, in negative mode): nothing to test.
    with suppress(hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck):
        run()
    return tally.cases - before


def fuzz_stateless(
    target: Target,
    principal: str,
    *,
    examples: int,
    plan: Iterable[tuple[Operation, GenerationMode]] | None = None,
    tally: Tally | None = None,
) -> Tally:
    """Fuzz each (operation, mode) of `plan` (default: every operation in both modes)."""
    tally = tally or Tally(principal)
    headers = target.headers(principal)
    if plan is None:
        plan = [(op, mode) for op in target.operations() for mode in GenerationMode]
    for operation, mode in plan:
        sent = fuzz_operation(tally, operation, mode, headers=headers, examples=examples)
        if not sent and mode is GenerationMode.NEGATIVE and examples:
            # Nothing to negate (no parameters, no body): the operation still gets its
            # positive cases, so a plan that picked negative mode does not skip it.
            fuzz_operation(
                tally, operation, GenerationMode.POSITIVE, headers=headers, examples=examples
            )
    return tally


def fuzz_stateful(
    target: Target,
    principal: str,
    *,
    scenarios: int,
    steps: int,
    tally: Tally | None = None,
) -> Tally:
    """Run schemathesis' state machine: `scenarios` chains of up to `steps` calls along
    the links inferred from the document, with all checks on every step."""
    run_tally = tally or Tally(principal)
    headers = target.headers(principal)
    base = target.schema.as_state_machine()

    class Machine(base):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: AnyCase) -> dict[str, Any]:
            return {"headers": headers}

        def step(self, input: Any) -> Any:
            run_tally.stateful_steps += 1
            return super().step(input)

        def validate_response(
            self,
            response: Response,
            case: AnyCase,
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            recorder = getattr(self, "recorder", None)
            _validate(
                run_tally,
                case,
                lambda: response,
                lambda r: case.validate_response(
                    r,
                    checks=list(CHECKS),
                    headers=headers,
                    transport_kwargs=kwargs or None,
                    recorder=recorder,
                ),
                headers,
            )

    settings = hypothesis.settings(
        _settings(scenarios), stateful_step_count=steps, phases=[Phase.generate]
    )
    try:
        Machine.run(settings=settings)
    except Exception as exc:  # the app raised mid-scenario: that is a finding, not a crash
        run_tally.server_errors += 1
        run_tally.record("stateful", "exception", repr(exc), "(state machine)")
    return run_tally


def report(tallies: Iterable[Tally]) -> str:
    """The table `checks.fuzz` prints: one row per principal, failures by check."""
    rows = list(tallies)
    used = [c for c in CHECK_NAMES if any(t.failures[c] for t in rows)]
    head = ["principal", "operations", "cases", "stateful steps", "5xx", *used, "failures"]
    lines = [head]
    for t in rows:
        lines.append(
            [
                t.principal,
                str(len(t.operations)),
                str(t.cases),
                str(t.stateful_steps),
                str(t.server_errors),
                *(str(t.failures[c]) for c in used),
                str(sum(t.failures.values())),
            ]
        )
    total = [
        "total",
        str(len(set().union(*(t.operations for t in rows))) if rows else 0),
        str(sum(t.cases for t in rows)),
        str(sum(t.stateful_steps for t in rows)),
        str(sum(t.server_errors for t in rows)),
        *(str(sum(t.failures[c] for t in rows)) for c in used),
        str(sum(sum(t.failures.values()) for t in rows)),
    ]
    lines.append(total)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
