"""Statistics: how long counting and protecting a table takes, by size and shape.

    uv run python -m bench.statistics [--rows N] [--repeat R]

Builds N synthetic signal fact rows (`statistics.facts.SignalRow`; skewed like real
data: a few forms of exploitation and citizenships carry most signals, many
municipalities are rare) and, for each table the statistics pages and API ask for,
times `subjects.answer` — categories, counting, `disclosure.protect` with its exact
check, slicing — R times. Prints one line per table (cells, suppressed, median and
worst seconds) and, last, everything as JSON. Asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta

from opennrm.demo.finland import load_deployment
from opennrm.statistics import queries, subjects
from opennrm.statistics.facts import AGE_GROUPS, SignalRow

TABLES: list[tuple[str, tuple[str, ...], dict[str, str]]] = [
    ("signals", ("sex",), {}),
    ("signals", ("month",), {"year": "2026"}),
    ("signals", ("exploitation_type", "sex"), {}),
    ("signals", ("exploitation_type", "sex"), {"year": "2026"}),
    ("signals", ("nationality", "sex"), {}),
    ("signals", ("region", "exploitation_type"), {}),
    ("signals", ("municipality",), {}),
    ("signals", ("age_group", "sex", "exploitation_type"), {}),
    ("signals", ("month", "referrer_type"), {}),
]


def synthetic(n: int, seed: int = 7) -> list[SignalRow]:
    rng = random.Random(seed)
    deployment = load_deployment(None)
    munis = list(deployment.municipalities)
    weights = [1 / (i + 1) for i in range(len(munis))]
    nations = ["VN", "UA", "RO", "NG", "TH", "FI", "IQ", "CN", "PH", "SO", "EE", "RU", "unknown"]
    forms = ["labour", "sexual", "forced_criminality", "begging", "forced_marriage", "other"]
    types = ["ngo", "municipality", "police", "border_guard", "labour_inspection", "health"]
    start = date(2024, 1, 1)
    rows = []
    for _ in range(n):
        m = rng.choices(munis, weights)[0]
        rows.append(
            SignalRow(
                registered_on=start + timedelta(days=rng.randint(0, 1060)),
                exploitation_type=rng.choices(forms, [40, 30, 10, 8, 4, 8])[0],
                sex=rng.choices(["female", "male", "other", "unknown"], [50, 40, 2, 8])[0],
                age_group=rng.choice(AGE_GROUPS),
                nationality=rng.choices(nations, [1 / (i + 1) for i in range(len(nations))])[0],
                municipality=m.name.get("fi"),
                region=m.region,
                department=m.police_department or "unknown",
                referrer_type=rng.choice(types),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = synthetic(args.rows)
    vocabulary = queries.vocabulary(load_deployment(None))
    results = []
    for subject, by, filters in TABLES:
        request = subjects.parse_request(subject, by, filters, 5)
        times = []
        answer = None
        for _ in range(args.repeat):
            began = time.perf_counter()
            answer = subjects.answer(request, rows, vocabulary)
            times.append(time.perf_counter() - began)
        if answer is None:
            raise SystemExit("--repeat must be at least 1")
        cells = sum(len(t) for t in answer.tables.values())
        hidden = sum(c.suppressed for t in answer.tables.values() for c in t)
        result = {
            "table": f"{subject} by {','.join(by)}"
            + (f" [{','.join(f'{k}={v}' for k, v in filters.items())}]" if filters else ""),
            "cells": cells,
            "suppressed": hidden,
            "median_s": round(statistics.median(times), 3),
            "max_s": round(max(times), 3),
        }
        results.append(result)
        print(
            f"{result['table']:<55} cells {cells:>5}  suppressed {hidden:>4}  "
            f"median {result['median_s']:.3f} s  max {result['max_s']:.3f} s"
        )
    print(json.dumps({"rows": args.rows, "repeat": args.repeat, "tables": results}))


if __name__ == "__main__":
    main()
