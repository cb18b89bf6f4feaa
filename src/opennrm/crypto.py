"""Field encryption (AES-256-GCM) and keyed blind indexes.

Special-category fields (narratives, identity numbers) are stored encrypted with
authenticated encryption. The associated data binds a ciphertext to its table, row and
column, so a ciphertext copied into another row fails to decrypt instead of leaking.
Identifiers that must be found by exact match are stored as an HMAC under a separate key
(a blind index) so that equality can be tested in SQL without storing the value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


def derive_key(master: str, purpose: str, length: int = 32) -> bytes:
    """Derive an independent sub-key so one leaked sub-key does not expose the others."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"opennrm", info=purpose.encode()
    ).derive(master.encode())


@dataclass(frozen=True)
class FieldCipher:
    """Encrypts and decrypts single fields, and computes blind indexes."""

    enc_key: bytes
    index_key: bytes

    @classmethod
    def from_master(cls, master: str) -> FieldCipher:
        return cls(derive_key(master, "field-encryption"), derive_key(master, "blind-index"))

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(12)
        ct = AESGCM(self.enc_key).encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + nonce + ct

    def decrypt(self, blob: bytes, context: str) -> str:
        if blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, ct = blob[1:13], blob[13:]
        return AESGCM(self.enc_key).decrypt(nonce, ct, context.encode()).decode()

    def blind_index(self, kind: str, value: str) -> str:
        return hmac.new(self.index_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
