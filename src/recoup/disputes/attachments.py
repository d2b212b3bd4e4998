"""Files attached to a case: what is accepted (by content, not by name), and where they are kept.

Accepted: PDF, PNG, JPEG, GIF, WebP, plain text and CSV (UTF-8), XLSX and DOCX — delivery notes,
photos of damaged goods, proofs of delivery, price lists. The first bytes decide the type; the
file's extension must agree with them, so ``invoice.pdf`` that is really an HTML page or a
program is refused with the reason. Files are stored under ``DATA_DIR/attachments/<case>/`` by
a random name of ours; the uploader's name is kept only as a label for the download.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Detected type → (content type, extensions it may carry).
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "gif": ("image/gif", (".gif",)),
    "webp": ("image/webp", (".webp",)),
    "text": ("text/plain; charset=utf-8", (".txt", ".csv")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
}
ACCEPTED_EXTENSIONS = tuple(ext for _, exts in TYPES.values() for ext in exts)


class AttachmentRefused(ValueError):
    """Why a file was not accepted, in words for the form."""


def sniff(head: bytes, whole: bytes | None = None) -> str | None:
    """The type of a file from its first bytes (``whole`` for the checks that need more)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    data = whole if whole is not None else head
    if head.startswith(b"PK\x03\x04"):
        return _office(data)
    if _is_text(data):
        return "text"
    return None


def _office(data: bytes) -> str | None:
    # Only the central directory is read (names), never decompressed: no zip bomb to fear.
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Markup is refused as text: an HTML page saved as .txt would still be HTML to someone.
    start = text.lstrip().lower()
    return not start.startswith(("<!doctype", "<html", "<script", "<svg", "<?xml"))


@dataclass(frozen=True, slots=True)
class Checked:
    name: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def clean_name(name: str) -> str:
    """The uploader's file name as a safe label: no path, no control characters, at most 200."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "file"


def check(name: str, chunks: Iterable[bytes], *, declared_size: int | None = None) -> Checked:
    """Read an upload (at most the size limit) and accept it or say why not."""
    limit = int(settings.RECOUP_ATTACHMENT_MAX_BYTES)
    label = clean_name(name)
    if declared_size is not None and declared_size > limit:
        raise AttachmentRefused(f"{label} is {declared_size:,} bytes; attachments may be at most {limit:,} bytes")
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if len(buffer) > limit:
            raise AttachmentRefused(f"{label} is larger than {limit:,} bytes, the most an attachment may be")
    data = bytes(buffer)
    if not data:
        raise AttachmentRefused(f"{label} is empty")
    extension = Path(label).suffix.lower()
    if extension not in ACCEPTED_EXTENSIONS:
        raise AttachmentRefused(
            f"{label}: files ending {extension or '(no extension)'} are not accepted; accepted: {', '.join(ACCEPTED_EXTENSIONS)}"
        )
    kind = sniff(data[:16], data)
    if kind is None:
        raise AttachmentRefused(f"{label}: its content is none of the accepted types (PDF, image, text, XLSX, DOCX)")
    content_type, extensions = TYPES[kind]
    if extension not in extensions:
        raise AttachmentRefused(f"{label}: the name says {extension} but the content is {kind.upper()}")
    return Checked(label, content_type, len(data), hashlib.sha256(data).hexdigest(), data)


def root() -> Path:
    return Path(settings.DATA_DIR) / "attachments"


def store(dispute_id: int, data: bytes) -> str:
    """Write the file under a random name of ours; returns that name."""
    folder = root() / str(int(dispute_id))
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    (folder / stored).write_bytes(data)
    return stored


def path_of(dispute_id: int, stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise ValueError(f"not a stored attachment name: {stored_name!r}")
    return root() / str(int(dispute_id)) / stored_name


def discard(dispute_id: int, stored_name: str) -> None:
    path_of(dispute_id, stored_name).unlink(missing_ok=True)
