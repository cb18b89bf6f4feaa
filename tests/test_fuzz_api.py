"""The short fuzzing run (issue 7): schemathesis against the API's own OpenAPI document,
as every principal of `checks.fuzzing.PRINCIPALS`, with its checks and a short stateful
run. The long run is `uv run python -m checks.fuzz`.

To stay short on a loaded CI machine, each authenticated principal fuzzes one case of
every third operation (a different third for consecutive principals, so every operation
is fuzzed by about three of them), alternating positive and negative mode; the
unauthenticated principal fuzzes every operation in positive mode (where
`ignored_auth` and the 401s are tested). Every run is derandomized: the same code
sends the same requests. The long run covers every operation, mode and principal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from checks.fuzzing import (
    PRINCIPALS,
    Operation,
    Tally,
    Target,
    fresh_target,
    fuzz_stateful,
    fuzz_stateless,
)
from schemathesis import GenerationMode

from opennrm.context import AppContext
from tests.conftest import Backend, make_settings

STATEFUL_PRINCIPALS = ("caseworker", "supervisor+investigator")
SLICES = 3


@pytest.fixture(scope="module")
def target(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One fresh database for the module: fuzzing accumulates what it creates, and the
    stateful run builds on the records the stateless one left."""
    url = backend.empty()
    data = tmp_path_factory.mktemp("fuzz")
    try:
        with fresh_target(url, data, make_settings(url, data)) as t:
            yield t
    finally:
        backend.drop(url)


def _plan(target: Target, principal: str) -> list[tuple[Operation, GenerationMode]]:
    if PRINCIPALS[principal] is None:
        return [(op, GenerationMode.POSITIVE) for op in target.operations()]
    offset = list(PRINCIPALS).index(principal)
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    return [
        (op, modes[(i // SLICES) % 2])
        for i, op in enumerate(target.operations())
        if (i + offset) % SLICES == 0
    ]


def _failures(tally: Tally) -> str:
    return "\n".join(str(f) for f in tally.findings)


@pytest.mark.parametrize("principal", list(PRINCIPALS))
def test_fuzz_every_operation(target: Target, principal: str) -> None:
    plan = _plan(target, principal)
    tally = fuzz_stateless(target, principal, examples=1, plan=plan)
    assert tally.operations == {op.label for op, _ in plan}, "some operations were not run"
    assert tally.server_errors == 0, _failures(tally)
    assert not tally.findings, f"{len(tally.findings)} failed checks:\n{_failures(tally)}"


def test_the_slices_cover_every_operation(target: Target) -> None:
    covered = {op.label for p in PRINCIPALS if PRINCIPALS[p] for op, _ in _plan(target, p)}
    assert covered == {op.label for op in target.operations()}


@pytest.mark.parametrize("principal", STATEFUL_PRINCIPALS)
def test_fuzz_stateful(target: Target, principal: str) -> None:
    tally = fuzz_stateful(target, principal, scenarios=3, steps=6)
    assert tally.stateful_steps > 0, "the state machine ran no step"
    assert tally.server_errors == 0, _failures(tally)
    assert not tally.findings, f"{len(tally.findings)} failed checks:\n{_failures(tally)}"


def test_harness_reports_a_failing_check(ctx: AppContext, tmp_path: Path) -> None:
    """The harness must not swallow failures: an app whose document promises a field it
    never sends fails `response_schema_conformance`, and the finding says where."""
    from checks.fuzzing import Target, load_schema, serving
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Out(BaseModel):
        name: str

    app = FastAPI(openapi_url="/api/v1/openapi.json")

    @app.get("/api/v1/liar", response_model=Out)
    def liar() -> dict[str, int]:
        return {"count": 1}  # not `Out`: FastAPI raises on the response (a 500)

    @app.get("/api/v1/empty", response_model=None, responses={200: {"model": Out}})
    def empty() -> dict[str, int]:
        return {"count": 1}

    with serving(app):
        schema = load_schema(app)
        fake = Target(ctx, None, app, schema)  # type: ignore[arg-type]
        tally = fuzz_stateless(fake, "unauthenticated", examples=1)
    checks = {(f.operation, f.check) for f in tally.findings}
    assert ("GET /api/v1/empty", "response_schema_conformance") in checks
    assert ("GET /api/v1/liar", "exception") in checks or (
        "GET /api/v1/liar",
        "not_a_server_error",
    ) in checks
    assert tally.server_errors >= 1
