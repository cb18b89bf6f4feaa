"""The encrypted container of backup files, without a database: whatever the content and
chunk size, it reads back exactly what was written, and no change to its bytes passes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opennrm.backup_crypto import (
    HEADER,
    MIN_CHUNK,
    BackupFileError,
    BackupKey,
    DecryptingReader,
    EncryptingWriter,
    WrongBackupKey,
    authenticate_file,
    write_encrypted,
)
from opennrm.settings import Settings

KEY = BackupKey.from_settings(Settings(backup_key="a" * 48))  # type: ignore[arg-type]


def seal(data: bytes, chunk_size: int = MIN_CHUNK, key: BackupKey = KEY) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk_size)
    for start in range(0, len(data), 700):  # writes that do not line up with chunks
        writer.write(data[start : start + 700])
    writer.finish()
    return out.getvalue()


def unseal(sealed: bytes, key: BackupKey = KEY) -> bytes:
    return io.BufferedReader(DecryptingReader(io.BytesIO(sealed), key)).read()


SEALED = seal(bytes(range(256)) * 20)  # five chunks: four full and a short final one


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=5 * MIN_CHUNK), chunk=st.sampled_from([MIN_CHUNK, 1500, 4096]))
def test_round_trip(data: bytes, chunk: int) -> None:
    assert unseal(seal(data, chunk)) == data


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_refused(position: int, bit: int) -> None:
    sealed = bytearray(SEALED)
    sealed[position % len(sealed)] ^= 1 << bit
    with pytest.raises(BackupFileError):
        unseal(bytes(sealed))


@settings(max_examples=40, deadline=None)
@given(length=st.integers(min_value=0))
def test_any_truncation_is_refused(length: int) -> None:
    with pytest.raises(BackupFileError):
        unseal(SEALED[: length % len(SEALED)])


def test_chunk_boundaries_name_the_cause() -> None:
    sealed_size = MIN_CHUNK + 16
    header, body = SEALED[: HEADER.size], SEALED[HEADER.size :]
    chunks = [body[i : i + sealed_size] for i in range(0, len(body), sealed_size)]
    assert len(chunks) == 5
    with pytest.raises(BackupFileError, match="was truncated"):
        unseal(header + b"".join(chunks[:4]))
    # A size that is a multiple of the chunk size ends in a full final chunk, which
    # data after it must not turn into an ordinary one.
    exact = seal(b"x" * 2 * MIN_CHUNK)
    assert len(exact) == HEADER.size + 2 * sealed_size
    assert unseal(exact) == b"x" * 2 * MIN_CHUNK
    with pytest.raises(BackupFileError, match="something was appended"):
        unseal(exact + exact[HEADER.size : HEADER.size + sealed_size])


def test_another_key_is_named_not_called_damage() -> None:
    other = BackupKey.from_settings(Settings(backup_key="b" * 48))  # type: ignore[arg-type]
    with pytest.raises(WrongBackupKey, match=KEY.key_id.hex()):
        unseal(SEALED, other)


def test_the_default_key_is_derived_from_the_data_key_and_differs_from_it() -> None:
    derived = BackupKey.from_settings(Settings(data_key="c" * 48))  # type: ignore[arg-type]
    again = BackupKey.from_settings(Settings(data_key="c" * 48))  # type: ignore[arg-type]
    assert derived.master == again.master and derived.source == "derived from OPENNRM_DATA_KEY"
    assert b"c" * 32 not in derived.master
    with pytest.raises(ValueError, match="at least 32 characters"):
        BackupKey.from_settings(Settings(backup_key="short"))  # type: ignore[arg-type]


def test_two_files_of_the_same_data_share_no_ciphertext() -> None:
    data = b"Nguyen Thi Lan " * 500
    first, second = seal(data), seal(data)
    assert first[HEADER.size : HEADER.size + 64] != second[HEADER.size : HEADER.size + 64]
    assert b"Nguyen" not in first


def test_an_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "nightly.backup"

    def fail_half_way(sink: io.RawIOBase) -> None:
        sink.write(b"y" * 5 * MIN_CHUNK)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_encrypted(target, KEY, fail_half_way)
    assert list(tmp_path.iterdir()) == []

    write_encrypted(target, KEY, lambda sink: sink.write(b"z" * 3000))
    assert authenticate_file(target, KEY) == (1, 3000)
    assert target.stat().st_mode & 0o077 == 0
