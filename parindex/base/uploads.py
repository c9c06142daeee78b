"""Every file a person sends us is checked here first, before anything parses it.

``check_upload`` is the one gate: size limit (``UPLOAD_MAX_BYTES``), extension, leading bytes, and
for Office files (zip archives) the archive's directory: how much it would unpack to, how many
members it has, how well they compress, and whether their names are sane. A zip bomb (a 5 MB
.xlsx that unpacks to a gigabyte) is refused from its central directory in milliseconds, before
openpyxl opens it. The sizes there are trustworthy: ``zipfile`` never produces more than a
member's declared size (and fails the CRC if the data says otherwise), so a member cannot unpack
to more than the directory admits.

Import previews keep the upload between "preview" and "confirm" (``stage``), through the storage
API so every app server and worker finds it; staged files
are removed on confirmation, on cancellation, and after ``UPLOAD_STAGING_MAX_AGE`` by
``purge_stale`` (run whenever a file is staged, and by ``manage.py purge_staging``).
"""

from __future__ import annotations

import os
import re
import time
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.utils.translation import gettext as _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Extension -> accepted leading bytes. The extension alone is not trusted: a renamed executable
# or HTML page must not be stored and later handed to another official's browser.
SPREADSHEET: dict[str, tuple[bytes, ...]] = {".xlsx": (ZIP_MAGIC,)}
EVIDENCE: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".doc": (OLE_MAGIC[:4],),
    ".docx": (ZIP_MAGIC,),
    ".xls": (OLE_MAGIC[:4],),
    ".xlsx": (ZIP_MAGIC,),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
KIND_LABELS = {".xlsx": "Excel", ".docx": "Word"}  # the zip-based types we accept

# A workbook has a dozen members; a Word file with many pictures a few hundred.
MAX_MEMBERS = 1000
# Sheet XML compresses 5-30 times; deflate tops out near 1000 times, which only padding reaches.
MAX_RATIO = 100
# Ratios mean nothing for small members (a 2 KB styles.xml of repeated tags may compress 150 times).
RATIO_FLOOR_BYTES = 1024 * 1024
NESTED_SUFFIXES = {
    ".zip", ".xlsx", ".xlsm", ".xlsb", ".docx", ".docm", ".pptx", ".odt", ".ods", ".jar", ".gz",
    ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".cab",
}  # fmt: skip


class UploadRefused(ValueError):
    """The file was refused before parsing; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def _size_of(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    position = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(position)
    return size


def check_upload(file: IO[bytes], *, name: str | None = None, allowed=SPREADSHEET) -> str:
    """Refuse ``file`` unless it is small enough, of an ``allowed`` type, and (for zip-based
    Office files) a sane archive. Returns the lower-case extension; leaves the file at offset 0.

    ``file`` is an uploaded file or any seekable binary file; nothing is read beyond its first
    bytes and its zip directory."""
    name = Path(name if name is not None else getattr(file, "name", "") or "").name
    size = _size_of(file)
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRefused(
            _("Tệp {name} quá lớn ({size} MB); tối đa {limit} MB.").format(
                name=name, size=_mb(size), limit=limit // (1024 * 1024)
            )
        )
    suffix = Path(name).suffix.lower()
    if not name and allowed is SPREADSHEET:
        # An unnamed stream (a management command's or a test's buffer) is judged by its content.
        suffix = ".xlsx"
    if suffix not in allowed:
        if allowed is SPREADSHEET:
            raise UploadRefused(_("Chỉ nhận tệp Excel .xlsx."))
        raise UploadRefused(
            _("Tệp {name} không được chấp nhận: chỉ nhận PDF, Word, Excel, JPG, PNG.").format(name=name)
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not any(head.startswith(magic) for magic in allowed[suffix]):
        if suffix == ".xlsx" and head.startswith(OLE_MAGIC):
            # An encrypted .xlsx is an OLE container, not a zip (as is the old .xls format).
            raise UploadRefused(
                _(
                    "Tệp đang được đặt mật khẩu (hoặc là định dạng .xls cũ). Hãy bỏ mật khẩu và lưu lại dạng .xlsx."
                )
            )
        if allowed is SPREADSHEET:
            raise UploadRefused(_("Tệp không phải là tệp Excel .xlsx hợp lệ."))
        raise UploadRefused(
            _("Nội dung tệp {name} không đúng định dạng {ext}.").format(name=name, ext=suffix[1:].upper())
        )
    if head.startswith(ZIP_MAGIC):
        try:
            check_archive(file, name=name, kind=KIND_LABELS.get(suffix, suffix[1:].upper()))
        finally:
            file.seek(0)
    return suffix


def check_archive(file: IO[bytes], *, name: str, kind: str = "Excel") -> None:
    """Refuse a zip whose directory promises too much: see the module's docstring."""
    unreadable = _("Không đọc được tệp {kind} {name}: tệp bị hỏng hoặc không đúng định dạng.").format(
        kind=kind, name=name
    )
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UploadRefused(unreadable) from None
    bomb = _(
        "Tệp {name} bị từ chối: {reason} Tệp như vậy có thể là “bom nén” (nhỏ khi tải lên nhưng giải nén "
        "ra rất lớn) nên không được mở."
    )
    if len(members) > MAX_MEMBERS:
        reason = _("có {count} thành phần nén, tối đa {limit}.").format(count=len(members), limit=MAX_MEMBERS)
        raise UploadRefused(bomb.format(name=name, reason=reason))
    seen: set[str] = set()
    for member in members:
        problem = _odd_member(member, seen)
        if problem:
            raise UploadRefused(
                _("Tệp {name} bị từ chối: thành phần “{member}” {problem}").format(
                    name=name, member=_printable(member.filename), problem=problem
                )
            )
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            reason = _("thành phần “{member}” nén {ratio} lần ({size} MB khi giải nén).").format(
                member=_printable(member.filename),
                ratio=member.file_size // max(member.compress_size, 1),
                size=_mb(member.file_size),
            )
            raise UploadRefused(bomb.format(name=name, reason=reason))
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if unpacked > settings.UPLOAD_MAX_UNPACKED_BYTES:
        reason = _("giải nén ra {size} MB, tối đa {limit} MB.").format(
            size=_mb(unpacked), limit=settings.UPLOAD_MAX_UNPACKED_BYTES // (1024 * 1024)
        )
        raise UploadRefused(bomb.format(name=name, reason=reason))
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        reason = _("toàn bộ tệp nén {ratio} lần.").format(ratio=unpacked // max(packed, 1))
        raise UploadRefused(bomb.format(name=name, reason=reason))


def _printable(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "?", text)[:80]


def _odd_member(member: zipfile.ZipInfo, seen: set[str]) -> str:
    """Why a member has no place in an Office file; empty when it is fine."""
    name = member.filename
    path = PurePosixPath(name)
    if not name or len(name) > 255 or re.search(r"[\x00-\x1f\x7f\\:]", name) or name.startswith("/"):
        return _("có tên không hợp lệ.")
    if ".." in path.parts:
        return _("trỏ ra ngoài tệp.")
    if name.lower() in seen:
        return _("bị lặp lại.")
    seen.add(name.lower())
    if member.flag_bits & 0x1:
        return _("được mã hóa.")
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return _("dùng kiểu nén không được hỗ trợ.")
    # Office keeps embedded documents (a Word file's chart data) under */embeddings/; any other
    # archive inside an archive is a way to hide a second layer from these checks.
    if path.suffix.lower() in NESTED_SUFFIXES and "embeddings" not in path.parts[:-1]:
        return _("là một tệp nén lồng bên trong.")
    return ""


# --- staging for import previews -------------------------------------------------------------------

_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
STAGING = "staging"
# Where staged imports lived before this module: swept by ``purge_stale`` too.
_LEGACY_DIRS = ("reports/imports",)


def staging_storage() -> Storage:
    """Staged uploads go through the storage API (local folder, or S3 when configured): a preview
    built on one app server or worker is confirmed and applied on any other."""
    return default_storage


def valid_token(token: object) -> bool:
    """True for what ``stage`` hands out: nothing else can name a file."""
    return isinstance(token, str) and bool(_TOKEN_RE.match(token))


def _name(token: str, suffix: str) -> str:
    return "{}/{}{}".format(STAGING, token, suffix)


def stage(upload: Any, *, suffix: str = ".xlsx") -> str:
    """Store an already checked upload with the staged files; return its token. Prunes stale
    files first, so abandoned previews never pile up even without the scheduled purge."""
    purge_stale()
    token = uuid.uuid4().hex
    upload.seek(0)
    saved = staging_storage().save(_name(token, suffix), File(upload))
    assert saved == _name(token, suffix), saved  # a fresh uuid: the storage has no reason to rename
    return token


def staged_name(token: str, *, suffix: str = ".xlsx") -> str | None:
    """The storage name of ``token``'s staged file, or None when the token is malformed or the
    file is gone."""
    if not valid_token(token):
        return None
    name = _name(token, suffix)
    return name if staging_storage().exists(name) else None


def open_staged(token: str, *, suffix: str = ".xlsx") -> IO[bytes] | None:
    """The staged file of ``token`` opened for reading, or None (see ``staged_name``)."""
    name = staged_name(token, suffix=suffix)
    if name is None:
        return None
    try:
        return staging_storage().open(name, "rb")
    except FileNotFoundError:  # a concurrent confirmation or purge got there first
        return None


def discard(token: str | None, *, suffix: str = ".xlsx") -> None:
    if valid_token(token):
        staging_storage().delete(_name(token, suffix))


def purge_stale(*, max_age_seconds: int | None = None, now: float | None = None) -> int:
    """Delete staged files older than ``max_age_seconds`` (default ``UPLOAD_STAGING_MAX_AGE``);
    return how many were deleted."""
    max_age = settings.UPLOAD_STAGING_MAX_AGE if max_age_seconds is None else max_age_seconds
    cutoff = datetime.fromtimestamp((time.time() if now is None else now) - max_age, tz=UTC)
    storage = staging_storage()
    deleted = 0
    for folder in (STAGING, *_LEGACY_DIRS):
        try:
            _dirs, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for filename in files:
            name = "{}/{}".format(folder, filename)
            try:
                if storage.get_modified_time(name) < cutoff:
                    storage.delete(name)
                    deleted += 1
            except FileNotFoundError:  # a concurrent confirmation or purge got there first
                continue
    return deleted
