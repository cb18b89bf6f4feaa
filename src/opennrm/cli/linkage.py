"""`opennrm linkage …`: linkage over files, training, and the batch re-link of the store.

Progress goes to stderr (one line per stage, rewritten in place on a terminal), results
to the named output files; nothing personal is printed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

linkage_app = typer.Typer(help="Record linkage: files, training, the store.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


class _Progress:
    """Stage, count and elapsed time on stderr; at most a few lines a second."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.5:
            return
        self.last = now
        share = f" {100 * done / total:5.1f}%" if total else ""
        line = f"[{now - self.start:7.1f} s] {stage}: {done:,}/{total:,}{share}"
        end = "\r" if self.tty and done < total else "\n"
        sys.stderr.write(line + end)
        sys.stderr.flush()


def _model(path: Path | None) -> Any:
    from opennrm.linkage.engine.model import default_model, load_model

    if path is None:
        return default_model()
    try:
        return load_model(path)
    except (OSError, ValueError, KeyError) as exc:
        raise _fail(f"{path}: not a linkage model ({exc})") from None


@linkage_app.command("link")
def link_files(
    input: Annotated[Path, typer.Argument(help="Person CSV (CONTRACT.md columns).")],
    other: Annotated[Path | None, typer.Argument(help="A second CSV to link against.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the pairs CSV.")] = Path(
        "pairs.csv"
    ),
    model: Annotated[
        Path | None, typer.Option(help="A model from `linkage train`; default: shipped.")
    ] = None,
    region: Annotated[str, typer.Option(help="Country of phones without a country code.")] = "FI",
    train: Annotated[
        bool,
        typer.Option(
            "--train",
            help="Estimate the parameters on the input first (Splink EM, no labels needed).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress on stderr.")] = False,
) -> None:
    """Pairs worth a person's attention: within INPUT, or across INPUT and OTHER."""
    from opennrm.linkage.csvfiles import CsvError, read_people, write_pairs
    from opennrm.linkage.engine.link import link

    progress = _Progress(quiet)
    chosen = _model(model)
    try:
        progress("reading", 0, 0)
        records = read_people(input, source=0, default_region=region)
        if other is not None:
            records += read_people(other, source=1, default_region=region)
    except CsvError as exc:
        raise _fail(str(exc)) from None
    if train:
        from opennrm.linkage.training import train as estimate

        try:
            chosen = estimate(
                records,
                progress=progress,
                link_type="link_only" if other is not None else "dedupe_only",
                description=f"{len(records)} records of the input",
            )
        except ValueError as exc:
            raise _fail(str(exc)) from None
    pairs = link(records, chosen, two_sources=other is not None, progress=progress)
    written = write_pairs(out, pairs)
    matches = sum(1 for p in pairs if p.decision == "match")
    progress("done", 1, 1)
    typer.echo(
        f"{len(records):,} records, {written:,} pairs ({matches:,} match, "
        f"{written - matches:,} possible) written to {out}",
        err=True,
    )


@linkage_app.command("train")
def train_model(
    input: Annotated[
        Path | None, typer.Argument(help="Person CSV; without it, the persons in the store.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the model JSON.")] = Path(
        "linkage-model.json"
    ),
    backend: Annotated[str, typer.Option(help="duckdb (one machine) or spark.")] = "duckdb",
    region: Annotated[str, typer.Option(help="Country of phones without a country code.")] = "FI",
) -> None:
    """Re-estimate the model's parameters with Splink (unsupervised, no labels needed)."""
    from opennrm.linkage.csvfiles import CsvError, read_people
    from opennrm.linkage.training import train

    progress = _Progress()
    if input is not None:
        try:
            records = read_people(input, default_region=region)
        except CsvError as exc:
            raise _fail(str(exc)) from None
        description = f"{len(records)} records from {input.name}"
    else:
        from opennrm.cli.main import _ready_ctx
        from opennrm.linkage.index import stored_records

        ctx = _ready_ctx()
        with ctx.db.transaction() as session:
            records = stored_records(session, ctx.cipher)
        description = f"{len(records)} persons in the store"
    spark = None
    if backend == "spark":
        spark = _local_spark()
    try:
        trained = train(records, backend=backend, spark=spark, progress=progress,
                        description=description)  # fmt: skip
    except ValueError as exc:
        raise _fail(str(exc)) from None
    out.write_text(json.dumps(trained.to_json(), indent=2) + "\n", encoding="utf-8")
    typer.echo(f"model {trained.version} written to {out}", err=True)


def _local_spark() -> Any:
    from opennrm.linkage.training import local_spark

    try:
        return local_spark()
    except ImportError:
        raise _fail(
            "the Spark backend needs pyspark: uv sync --group spark (and a Java runtime)"
        ) from None


@linkage_app.command("relink")
def relink_store(
    quiet: Annotated[bool, typer.Option(help="No progress on stderr.")] = False,
) -> None:
    """Re-index every stored person and recompute the candidate links of the whole store."""
    from opennrm.cli.main import _ready_ctx
    from opennrm.linkage.batch import relink_all

    ctx = _ready_ctx()
    summary = relink_all(ctx, progress=_Progress(quiet))
    typer.echo(
        f"{summary.persons:,} persons indexed; {summary.open:,} links wait for review, "
        f"{summary.reviewed:,} reviewed links kept",
        err=True,
    )
