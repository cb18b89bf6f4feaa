"""The hash chain, as pure functions over plain values.

Each entry's hash covers its own content, its sequence number and the previous entry's
hash. A changed field breaks that entry's hash; a deleted, inserted or reordered entry
breaks the sequence or the link to its predecessor. What a chain alone cannot show — a
truncated tail, or a chain recomputed from scratch by someone who can write to the
database — a signed checkpoint kept elsewhere shows (see `checkpoint.py`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "seq", "at", "actor_user_id", "actor_org_id", "action", "outcome", "record_type",
    "record_id", "fields", "purpose", "detail",
)  # fmt: skip


def canonical_time(at: datetime) -> str:
    """One textual form of a timestamp, whatever the database returns it as."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the entry's fields."""
    body = {name: entry[name] for name in HASHED_FIELDS}
    body["at"] = canonical_time(body["at"]) if isinstance(body["at"], datetime) else body["at"]
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode() + b"\n" + data.encode()).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    last_seq: int
    last_hash: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_entries(entries: Iterable[Mapping[str, Any]]) -> VerifyResult:
    """Walk the chain in sequence order and stop at the first entry that does not fit."""
    expected_seq = 1
    prev = GENESIS_HASH
    checked = 0
    for entry in entries:
        seq = int(entry["seq"])
        if seq != expected_seq:
            why = (
                f"sequence jumps from {expected_seq - 1} to {seq}: entry {expected_seq} is missing"
                if seq > expected_seq
                else f"entry {seq} is out of order"
            )
            return VerifyResult(False, checked, expected_seq - 1, prev, seq, why)
        if entry["prev_hash"] != prev:
            why = "does not link to the entry before it (inserted, removed or reordered)"
            return VerifyResult(False, checked, seq - 1, prev, seq, why)
        if entry_hash(prev, entry) != entry["hash"]:
            return VerifyResult(False, checked, seq - 1, prev, seq, "content was changed")
        prev = entry["hash"]
        checked += 1
        expected_seq += 1
    return VerifyResult(True, checked, expected_seq - 1, prev)
