"""Supply chain: a CycloneDX SBOM of what a deployment installs, and a vulnerability audit
of every locked package (runtime and the tools CI runs).

`uv run python -m checks.supply_chain [--sbom FILE]` exits non-zero when a locked package
has a known vulnerability that `docs/supply-chain-exceptions.toml` does not excuse with a
reason and a review date still in the future.

pip-audit asks PyPI's per-release JSON for each locked version. Where that answer is
missing (a mirror that serves only per-project pages, as on our CI machines), the audit
falls back to the per-project page, whose `vulnerabilities` list is that of the latest
release: a locked version equal to the latest is audited from it; any other is reported
as not audited, by name, so that nobody reads "no known vulnerabilities" as more than it is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCEPTIONS = ROOT / "docs" / "supply-chain-exceptions.toml"
PYPI = "https://pypi.org/pypi/{name}/json"


@dataclass
class Audit:
    packages: int = 0
    audited: int = 0
    vulnerable: dict[str, list[str]] = field(default_factory=dict)
    excused: dict[str, list[str]] = field(default_factory=dict)
    not_audited: list[str] = field(default_factory=list)


def locked_requirements(path: Path, *, runtime_only: bool) -> dict[str, str]:
    """Export the lock file as pinned requirements; returns name -> version."""
    cmd = ["uv", "export", "--locked", "--no-hashes", "--no-emit-project", "-o", str(path)]
    cmd += ["--no-dev"] if runtime_only else ["--all-groups"]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split(";")[0].strip()
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def write_sbom(target: Path) -> int:
    """A CycloneDX JSON SBOM of the runtime dependencies; returns its component count."""
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "runtime.txt"
        pins = locked_requirements(req, runtime_only=True)
        subprocess.run(
            ["cyclonedx-py", "requirements", str(req), "--of", "JSON", "-o", str(target)],
            check=True,
            capture_output=True,
        )
    components = json.loads(target.read_text()).get("components", [])
    names = {c["name"].lower() for c in components}
    if names != set(pins):
        raise SystemExit(f"SBOM and lock differ: {sorted(names ^ set(pins))}")
    return len(names)


def _pip_audit(req: Path) -> dict[str, object]:
    out = subprocess.run(
        ["pip-audit", "-r", str(req), "--disable-pip", "--no-deps", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode not in (0, 1):  # 1: vulnerabilities found
        raise SystemExit(f"pip-audit failed: {out.stderr.strip()[-500:]}")
    parsed: dict[str, object] = json.loads(out.stdout)
    return parsed


def _latest_vulnerabilities(name: str) -> tuple[str, list[str]]:
    with urllib.request.urlopen(PYPI.format(name=name), timeout=30) as r:  # noqa: S310
        page = json.load(r)
    ids = [v["id"] for v in page.get("vulnerabilities", [])]
    return page["info"]["version"], ids


def _exceptions(today: date) -> dict[str, set[str]]:
    if not EXCEPTIONS.exists():
        return {}
    excused: dict[str, set[str]] = {}
    for item in tomllib.loads(EXCEPTIONS.read_text()).get("exception", []):
        if not item.get("reason") or date.fromisoformat(item["review_by"]) < today:
            continue  # an exception without a reason, or past its review date, excuses nothing
        excused.setdefault(item["package"].lower(), set()).add(item["id"])
    return excused


def audit(today: date) -> Audit:
    result = Audit()
    excused = _exceptions(today)
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "all.txt"
        pins = locked_requirements(req, runtime_only=False)
        report = _pip_audit(req)
    result.packages = len(pins)
    deps = report.get("dependencies", [])
    skipped = [d["name"].lower() for d in deps if "skip_reason" in d]  # type: ignore[attr-defined]
    with ThreadPoolExecutor(max_workers=8) as pool:
        latest_of = dict(zip(skipped, pool.map(_latest_vulnerabilities, skipped), strict=True))
    found: dict[str, list[str]] = {}
    for dep in deps:  # type: ignore[attr-defined]
        name = dep["name"].lower()
        if "skip_reason" in dep:
            latest, ids = latest_of[name]
            if latest != pins.get(name):
                result.not_audited.append(f"{name} {pins.get(name)} (latest {latest})")
                continue
        else:
            ids = [v["id"] for v in dep.get("vulns", [])]
        result.audited += 1
        if ids:
            found[name] = ids
    for name, ids in found.items():
        left = [i for i in ids if i not in excused.get(name, set())]
        (result.vulnerable if left else result.excused)[name] = left or ids
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sbom", type=Path, default=ROOT / "build" / "sbom.cdx.json")
    args = parser.parse_args(argv)
    args.sbom.parent.mkdir(parents=True, exist_ok=True)
    components = write_sbom(args.sbom)
    print(f"SBOM: {args.sbom} ({components} runtime components, CycloneDX JSON)")
    result = audit(date.today())  # noqa: DTZ011 - exception review dates are calendar days
    print(f"locked packages: {result.packages}; audited: {result.audited}")
    print(f"known-vulnerable: {len(result.vulnerable)}; excused: {len(result.excused)}")
    for name, ids in sorted(result.vulnerable.items()):
        print(f"  VULNERABLE {name}: {', '.join(ids)}")
    for name, ids in sorted(result.excused.items()):
        print(f"  excused {name}: {', '.join(ids)} (see {EXCEPTIONS.name})")
    if result.not_audited:
        print(f"not audited ({len(result.not_audited)}): the index has no per-release data")
        for line in result.not_audited:
            print(f"  {line}")
    return 1 if result.vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
