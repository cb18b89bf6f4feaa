"""The encrypted container of a backup file: AES-256-GCM in fixed-size chunks (ADR 0008).

A backup names victims, phones and birth dates in clear columns, so the file as a whole
is encrypted and authenticated, streaming, so that a large database never has to fit in
memory. The layout follows the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár):

    header  = magic "OPENNRM\\0" | version 2 | chunk size (u32) | key id (8) | salt (32)
    chunk i = AES-256-GCM(file key, nonce = i (11 bytes) | final flag (1 byte),
                          plaintext of `chunk size` bytes (the last: 0..chunk size),
                          associated data = header)

The file key is derived (HKDF-SHA-256) from the backup key and the file's random salt,
so no two files share a key and a counter nonce never repeats under one key. The chunk
index in the nonce makes a reordered, dropped or duplicated chunk fail to authenticate;
the final flag makes a file cut at a chunk boundary, or extended after its end, fail
too; the header is authenticated by every chunk. The key id (a one-way derivation of the
backup key) lets a restore say "wrong key" instead of "damaged".
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from opennrm.crypto import derive_key
from opennrm.settings import Settings

MAGIC = b"OPENNRM\x00"
VERSION = 2
HEADER = struct.Struct(">8sBI8s32s")
TAG_BYTES = 16
DEFAULT_CHUNK = 64 * 1024
# Bounds on a chunk size read from a header: a forged header must not make a restore
# allocate gigabytes before the first tag is checked.
MIN_CHUNK = 1024
MAX_CHUNK = 16 * 1024 * 1024
MIN_KEY_CHARS = 32


class BackupFileError(RuntimeError):
    """The file cannot be read as an encrypted backup; the message says why."""


class WrongBackupKey(BackupFileError):
    """The file was written with another backup key."""


@dataclass(frozen=True)
class BackupKey:
    """The key backups are encrypted with, and where it came from (for the operator)."""

    master: bytes
    source: str

    @classmethod
    def from_settings(cls, settings: Settings) -> BackupKey:
        """`OPENNRM_BACKUP_KEY`, or else a sub-key of the data key (ADR 0008 says why)."""
        if settings.backup_key is not None:
            secret = settings.backup_key.get_secret_value()
            if len(secret) < MIN_KEY_CHARS:
                raise ValueError(
                    f"OPENNRM_BACKUP_KEY must be a random string of at least "
                    f"{MIN_KEY_CHARS} characters"
                )
            return cls(derive_key(secret, "backup-encryption"), "OPENNRM_BACKUP_KEY")
        return cls(
            derive_key(settings.resolved_data_key(), "backup-encryption"),
            "derived from OPENNRM_DATA_KEY",
        )

    @property
    def key_id(self) -> bytes:
        """Eight bytes that name the key without revealing it (HKDF is one-way)."""
        return _hkdf(self.master, b"opennrm", b"opennrm-backup key id", 8)

    def file_key(self, salt: bytes) -> bytes:
        return _hkdf(self.master, salt, b"opennrm-backup/2 chunks", 32)


def _hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


@dataclass(frozen=True)
class Header:
    chunk_size: int
    key_id: bytes
    salt: bytes
    raw: bytes


def new_header(key: BackupKey, chunk_size: int = DEFAULT_CHUNK) -> Header:
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise ValueError(f"chunk size must be {MIN_CHUNK}..{MAX_CHUNK} bytes")
    salt = os.urandom(32)
    raw = HEADER.pack(MAGIC, VERSION, chunk_size, key.key_id, salt)
    return Header(chunk_size, key.key_id, salt, raw)


def is_encrypted_backup(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def read_header(raw: BinaryIO, key: BackupKey) -> Header:
    """Read and check the header; a wrong key is reported before any chunk is read."""
    data = raw.read(HEADER.size)
    if len(data) < HEADER.size or data[: len(MAGIC)] != MAGIC:
        raise BackupFileError("it is not an encrypted OpenNRM backup")
    _magic, version, chunk_size, key_id, salt = HEADER.unpack(data)
    if version != VERSION:
        raise BackupFileError(
            f"it is of backup format {version}; this OpenNRM reads format {VERSION}"
        )
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise BackupFileError("its header is damaged (impossible chunk size)")
    if key_id != key.key_id:
        raise WrongBackupKey(
            f"it was written with another backup key (key id {key_id.hex()}; this "
            f"deployment's backup key, {key.source}, has id {key.key_id.hex()}): set "
            "OPENNRM_BACKUP_KEY to the key that wrote it"
        )
    return Header(chunk_size, key_id, salt, data)


class EncryptingWriter(io.RawIOBase):
    """A binary sink that encrypts what is written to it into chunks on `raw`.

    `finish()` writes the final chunk (possibly empty): a file without it does not
    restore, so a backup interrupted half-way can never pass for a complete one.
    """

    def __init__(self, raw: BinaryIO, key: BackupKey, chunk_size: int = DEFAULT_CHUNK) -> None:
        super().__init__()
        self._raw = raw
        self._header = new_header(key, chunk_size)
        self._aead = AESGCM(key.file_key(self._header.salt))
        self._buffer = bytearray()
        self._index = 0
        self._finished = False
        raw.write(self._header.raw)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self._finished:
            raise ValueError("the backup's final chunk is already written")
        self._buffer += data
        size = self._header.chunk_size
        # Strictly greater: the last `size` bytes may be the final chunk.
        while len(self._buffer) > size:
            self._emit(bytes(self._buffer[:size]), final=False)
            del self._buffer[:size]
        return len(data)

    def finish(self) -> None:
        self._emit(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._finished = True

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        nonce = _nonce(self._index, final)
        self._raw.write(self._aead.encrypt(nonce, plaintext, self._header.raw))
        self._index += 1


def _read_exact(raw: BinaryIO, n: int) -> bytes:
    parts: list[bytes] = []
    left = n
    while left:
        part = raw.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted backup, each chunk authenticated before use.

    It reads one chunk ahead: a chunk is the final one exactly when nothing follows it,
    and it must then carry the final flag.
    """

    def __init__(self, raw: BinaryIO, key: BackupKey) -> None:
        super().__init__()
        self._raw = raw
        self._header = read_header(raw, key)
        self._aead = AESGCM(key.file_key(self._header.salt))
        self._sealed_size = self._header.chunk_size + TAG_BYTES
        self._next = _read_exact(raw, self._sealed_size)
        self._index = 0
        self._plain = b""
        self._pos = 0
        self._done = False
        self.plaintext_bytes = 0

    @property
    def chunks(self) -> int:
        return self._index

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._pos >= len(self._plain):
            if self._done:
                return 0
            self._load()
        n = min(len(buffer), len(self._plain) - self._pos)
        buffer[:n] = self._plain[self._pos : self._pos + n]
        self._pos += n
        return n

    def _load(self) -> None:
        sealed = self._next
        if len(sealed) < TAG_BYTES:
            raise BackupFileError(
                f"it ends inside chunk {self._index}: the file was cut short or damaged"
            )
        following = (
            _read_exact(self._raw, self._sealed_size) if len(sealed) == self._sealed_size else b""
        )
        final = not following
        self._plain = self._open(sealed, final)
        self._pos = 0
        self.plaintext_bytes += len(self._plain)
        self._next = following
        self._index += 1
        self._done = final

    def _open(self, sealed: bytes, final: bool) -> bytes:
        aad = self._header.raw
        try:
            return self._aead.decrypt(_nonce(self._index, final), sealed, aad)
        except InvalidTag:
            pass
        # Name the likely cause for the operator; either way nothing is used.
        if _opens(self._aead, _nonce(self._index, not final), sealed, aad):
            if final:
                raise BackupFileError(
                    f"it ends after chunk {self._index}, before its final chunk: "
                    "the file was truncated (or is still being written)"
                ) from None
            raise BackupFileError(
                f"it has data after its final chunk ({self._index}): something was appended"
            ) from None
        raise BackupFileError(
            f"chunk {self._index} does not authenticate: the file was damaged, changed, "
            "or its chunks reordered"
        ) from None


def _opens(aead: AESGCM, nonce: bytes, sealed: bytes, aad: bytes) -> bool:
    try:
        aead.decrypt(nonce, sealed, aad)
    except InvalidTag:
        return False
    return True


def authenticate_file(path: Path, key: BackupKey) -> tuple[int, int]:
    """Authenticate every chunk without decompressing or parsing anything.

    Returns (chunks, plaintext bytes). A restore calls it before touching the database.
    """
    with path.open("rb") as raw:
        reader = DecryptingReader(raw, key)
        block = bytearray(1024 * 1024)
        while reader.readinto(block):
            pass
        return reader.chunks, reader.plaintext_bytes


def write_encrypted(
    path: Path,
    key: BackupKey,
    fill: Callable[[io.RawIOBase], None],
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> None:
    """Write `path` atomically: a temporary file (mode 0600) beside it, fsync'd, renamed.

    `fill` writes the plaintext to the binary stream it is given. A failure leaves no
    file at `path` (and never a half-written one that might later be taken for a backup).
    """
    path = path.resolve()
    tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            writer = EncryptingWriter(raw, key, chunk_size)
            fill(writer)
            writer.finish()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
