"""The documentation keeps up with the code: every setting, command, permission and audit
event type is documented, and the README starts with the contract's two commands."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer

from opennrm.audit.events import EVENT_TYPES
from opennrm.cli.main import app as cli_app
from opennrm.policy import Action
from opennrm.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _commands(group: click.Group, prefix: str) -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            out += _commands(cmd, f"{prefix} {name}")
        else:
            out.append(f"{prefix} {name}")
    return out


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`OPENNRM_{name.upper()}`" in (DOCS / "configuration.md").read_text()


@pytest.mark.parametrize("command", _commands(typer.main.get_command(cli_app), "opennrm"))  # type: ignore[arg-type]
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in (DOCS / "cli.md").read_text()


@pytest.mark.parametrize("action", [a.value for a in Action])
def test_every_permission_is_documented(action: str) -> None:
    assert f"`{action}`" in (DOCS / "security.md").read_text()


@pytest.mark.parametrize("event", sorted(EVENT_TYPES))
def test_every_audit_event_type_is_documented(event: str) -> None:
    assert f"`{event}`" in (DOCS / "audit-events.md").read_text()


def test_readme_starts_with_the_contract_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("```", 2)[1].strip().splitlines()
    assert block[0].startswith("pip install uv && uv run opennrm demo")
    assert block[1].startswith("uv run pytest")


def test_adrs_are_numbered_and_titled() -> None:
    for adr in sorted((DOCS / "adr").glob("*.md")):
        number = adr.name.split("-", 1)[0]
        assert number.isdigit() and len(number) == 4, adr.name
        assert adr.read_text().startswith(f"# {number}"), adr.name
