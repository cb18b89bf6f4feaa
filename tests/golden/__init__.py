"""Expected outputs of the exchange formats, compared byte for byte.

Regenerate after an intended change of an export with
``OPENNRM_REGENERATE_GOLDEN=1 uv run pytest tests/unit/test_htcds.py tests/unit/test_ctdc.py
tests/unit/test_official_tables.py`` and review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
REGENERATE = "OPENNRM_REGENERATE_GOLDEN"


def check_golden(name: str, actual: str) -> None:
    """Assert that `actual` is the golden file `name`, or rewrite it when asked to."""
    path = GOLDEN / name
    if os.environ.get(REGENERATE) == "1":
        path.write_text(actual, encoding="utf-8", newline="")
        return
    assert path.exists(), f"{name} is missing: run the tests once with {REGENERATE}=1"
    with path.open(encoding="utf-8", newline="") as file:
        expected = file.read()
    assert actual == expected, f"{name} differs; if the change is intended, set {REGENERATE}=1"
