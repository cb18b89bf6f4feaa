"""Which files a teaching material may carry: small, of a known kind, and really of the
kind they claim to be.

A file is accepted when its declared content type is on the list, its name ends with an
extension of that type, and its first bytes are that type's signature. It is always
downloaded as an attachment (never shown inline), so even an accepted file is not run by
the browser.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

MAX_FILE_BYTES: Final = 500_000
"""Files are kept in the database: small ones only. With base64 in the JSON API the
request stays under the default body limit of 1 MB."""


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    signatures: tuple[bytes, ...]
    """Accepted first bytes; empty for plain text, which is checked as UTF-8 instead."""


ZIP = (b"PK\x03\x04",)
KINDS: Final[dict[str, Kind]] = {
    "application/pdf": Kind((".pdf",), (b"%PDF-",)),
    "image/png": Kind((".png",), (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": Kind((".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    "text/plain": Kind((".txt", ".md"), ()),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Kind(
        (".docx",), ZIP
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": Kind(
        (".pptx",), ZIP
    ),
    "application/vnd.oasis.opendocument.text": Kind((".odt",), ZIP),
}


def clean_name(name: str) -> str:
    """The file's own name without a path, control characters or leading dots; at most
    200 characters (the extension kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    base = base.strip().lstrip(".").strip()
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base


def problems(name: str, content_type: str, data: bytes) -> list[str]:
    """What is wrong with a file; empty when it may be stored."""
    found: list[str] = []
    kind = KINDS.get(content_type.split(";")[0].strip().lower())
    if not data:
        found.append("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        found.append(f"the file is larger than {MAX_FILE_BYTES // 1000} kB")
    if kind is None:
        found.append(
            "files of this type are not accepted: use PDF, PNG, JPEG, plain text, DOCX, PPTX or ODT"
        )
        return found
    if not clean_name(name).lower().endswith(kind.extensions):
        found.append(f"the file name must end with {' or '.join(kind.extensions)}")
    if data and kind.signatures and not data.startswith(kind.signatures):
        found.append("the file's content is not of the type it claims to be")
    if data and not kind.signatures and not _is_text(data):
        found.append("a text file must be UTF-8 text")
    return found


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def normal_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def content_disposition(name: str) -> str:
    """`attachment` with the name twice: an ASCII fallback, and the real one encoded
    (RFC 6266, RFC 5987), so that "Ohjeistus – ihmiskauppa.pdf" arrives as written."""
    from urllib.parse import quote

    fallback = "".join(c if 32 < ord(c) < 127 and c not in '"\\;%' else "_" for c in name)
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(name, safe='')}"
