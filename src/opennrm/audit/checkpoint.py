"""Signed checkpoints of the chain's head, kept outside the database.

Someone who can write to the database can truncate the trail or recompute every hash;
the chain alone cannot show that. A checkpoint file holds (seq, hash) signed with an
Ed25519 key derived from the secret key, so a later verify can check that the entry at
that sequence number still exists with that very hash.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from opennrm.audit.chain import canonical_time


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: str


def signing_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed[:32])


def _message(cp: Checkpoint) -> bytes:
    return f"opennrm-audit-checkpoint\n{cp.seq}\n{cp.hash}\n{cp.created_at}".encode()


def write_checkpoint(
    path: Path, key: Ed25519PrivateKey, seq: int, digest: str, now: datetime
) -> Checkpoint:
    cp = Checkpoint(seq=seq, hash=digest, created_at=canonical_time(now))
    signature = key.sign(_message(cp))
    doc = {
        "format": "opennrm-audit-checkpoint/1",
        "seq": cp.seq,
        "hash": cp.hash,
        "created_at": cp.created_at,
        "signature": base64.b64encode(signature).decode(),
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return cp


class CheckpointError(ValueError):
    """The checkpoint file is unreadable, or its signature does not verify."""


def read_checkpoint(path: Path, public_key: Ed25519PublicKey) -> Checkpoint:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        cp = Checkpoint(
            seq=int(doc["seq"]), hash=str(doc["hash"]), created_at=str(doc["created_at"])
        )
        signature = base64.b64decode(doc["signature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from exc
    try:
        public_key.verify(signature, _message(cp))
    except InvalidSignature as exc:
        raise CheckpointError(f"checkpoint {path} has an invalid signature") from exc
    return cp
