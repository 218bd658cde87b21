"""Attachment storage, shared by every channel (web form, replies, inbound mail).

Files are streamed to disk in chunks under random names (no user text ever reaches a path),
hashed on the way, then identified from their content. The claimed extension must agree
with what the bytes are: a `.png` that is really HTML or SVG is refused. Only raster images
that Pillow can read are marked safe to show inline; everything else is served as a
download (see `send`).
"""

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

import filetype
from flask import Response, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..text import byte_size

CHUNK = 64 * 1024
HEAD = 8 * 1024

# What the bytes must be for each allowed extension ("text" = plain text, not markup).
EXPECTED = {
    "png": {"image/png"}, "jpg": {"image/jpeg"}, "jpeg": {"image/jpeg"},
    "gif": {"image/gif"}, "webp": {"image/webp"}, "pdf": {"application/pdf"},
    "zip": {"application/zip"}, "txt": {"text"}, "log": {"text"}, "csv": {"text"},
    "json": {"text"},
    # A mail (inbound mail keeps forwarded message/rfc822 parts as .eml files): text that
    # starts with a header line; served as a download like every other file.
    "eml": {"message"},
}
TEXT_TYPES = {"txt": "text/plain", "log": "text/plain", "csv": "text/csv",
              "json": "application/json"}
INLINE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                  "WEBP": "image/webp"}
# Text that starts like markup would be rendered by a browser that ignores our headers.
MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body",
                 b"<iframe", b"<!--", b"<meta", b"<div", b"<a ", b"<img", b"<style")
SERVE_CSP = "default-src 'none'; sandbox"
_MAIL_START = re.compile(rb"^[!-9;-~]{1,76}:")
STORAGE_FAILED = _l("the file could not be saved on our side (the server's storage is full or"
                    " unavailable), so nothing was sent. Please try again later, or send the"
                    " request without attachments.")


class AttachmentRefused(ValueError):
    """This file cannot be stored; the message is for the person who sent it."""

    def __init__(self, name, reason):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class TooLarge(AttachmentRefused):
    """Over ATTACHMENT_MAX_BYTES (the API answers 413 for it)."""


class StorageUnavailable(AttachmentRefused):
    """The file is fine but could not be written (disk full, folder not writable).

    Nothing is kept; unlike a refused file it is never skipped silently, since the same
    file would be stored once the disk is fixed.
    """


@dataclass
class StoredFile:
    storage_key: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    inline_ok: bool


def upload_root():
    return Path(current_app.config["UPLOAD_DIR"])


def clean_name(name):
    """A display name from whatever the client sent: no folders, controls or odd lengths."""
    name = unicodedata.normalize("NFC", str(name or ""))
    # Both separators: a Windows browser may send C:\\Users\\...\\file.png.
    name = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name or "file"


def extension(name):
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def store(stream, filename, max_bytes=None, allowed=None):
    """Write `stream` to a new private file; return a StoredFile or raise AttachmentRefused.

    On any failure the partly written file is removed, so nothing is left behind.
    """
    config = current_app.config
    max_bytes = max_bytes or config["ATTACHMENT_MAX_BYTES"]
    allowed = {e.lower().lstrip(".") for e in (allowed or config["ATTACHMENT_EXTENSIONS"])}
    name = clean_name(filename)
    ext = extension(name)
    if ext not in allowed or ext not in EXPECTED:
        kinds = ", ".join(sorted(e for e in allowed if e in EXPECTED))
        raise AttachmentRefused(
            name, _("this kind of file is not accepted (allowed: %(kinds)s)", kinds=kinds))

    key = None
    digest, size, head = hashlib.sha256(), 0, b""
    text_check = _TextCheck()
    try:
        key, path = _new_path()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(
                        name, _("the file is larger than the limit of %(size)s",
                                size=byte_size(max_bytes)))
                if len(head) < HEAD:
                    head += chunk[:HEAD - len(head)]
                digest.update(chunk)
                text_check.feed(chunk)
                out.write(chunk)
        if size == 0:
            raise AttachmentRefused(name, _("the file is empty"))
        content_type = _identify(name, ext, head, text_check, path)
        inline_ok = content_type in INLINE_FORMATS.values() and _verified_image(path)
        return StoredFile(storage_key=key, original_name=name, content_type=content_type,
                          size=size, sha256=digest.hexdigest(), inline_ok=inline_ok)
    except OSError as exc:
        if key:
            remove(key)
        current_app.logger.error("attachment not stored in %s: %s", upload_root(), exc)
        raise StorageUnavailable(name, STORAGE_FAILED) from exc
    except BaseException:
        if key:
            remove(key)
        raise


def _identify(name, ext, head, text_check, path):
    expected = EXPECTED[ext]
    if "message" in expected:
        if not text_check.is_text() or not _MAIL_START.match(head.lstrip(b"\r\n")):
            raise AttachmentRefused(name, _("the file is not an email message"))
        return "message/rfc822"
    if "text" in expected:
        if not text_check.is_text():
            raise AttachmentRefused(name, _("the file is not plain text"))
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith(MARKUP_STARTS):
            raise AttachmentRefused(name, _("the file looks like HTML or XML, not plain text"))
        return TEXT_TYPES[ext]
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime not in expected:
        raise AttachmentRefused(name, _("the content is not a .%(ext)s file", ext=ext))
    return mime


def _verified_image(path):
    """True when Pillow reads the file as one of the raster formats allowed inline."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            image.verify()
            return image.format in INLINE_FORMATS
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        return False


class _TextCheck:
    """Is the stream plain text? No NUL bytes, and UTF-8 or an 8-bit text without controls."""

    # Deleting every byte except the forbidden control characters leaves those, if any.
    NOT_FORBIDDEN = bytes(range(32, 256)) + b"\t\n\r\f\x1b"

    def __init__(self):
        import codecs
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.utf8 = True
        self.clean_controls = True
        self.nul = False

    def feed(self, chunk):
        if b"\x00" in chunk:
            self.nul = True
        if self.clean_controls and chunk.translate(None, self.NOT_FORBIDDEN):
            self.clean_controls = False
        if self.utf8:
            try:
                self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.utf8 = False

    def is_text(self):
        if self.nul or not self.clean_controls:
            return False
        if self.utf8:
            try:
                self._decoder.decode(b"", final=True)
                return True
            except UnicodeDecodeError:
                return False
        return True  # legacy 8-bit text (a Latin-1 log file, say)


def _new_path():
    """A fresh random storage key ("ab/cd/<32 hex>") and its path; folders are private."""
    root = upload_root()
    token = secrets.token_hex(16)
    key = f"{token[:2]}/{token[2:4]}/{token}"
    folder = root / token[:2] / token[2:4]
    for part in (root, root / token[:2], folder):
        if not part.exists():
            part.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(part, 0o700)
    return key, folder / token


def path_for(key):
    """The file for a storage key; refuses anything that is not one of our keys."""
    parts = key.split("/")
    if (len(parts) != 3 or len(parts[2]) != 32 or not all(c in "0123456789abcdef" for c in parts[2])
            or parts[0] != parts[2][:2] or parts[1] != parts[2][2:4]):
        raise ValueError("not a storage key")
    return upload_root() / parts[0] / parts[1] / parts[2]


def remove(key):
    try:
        path_for(key).unlink()
    except (OSError, ValueError):  # gone already, or a folder we cannot change
        pass


def public_id():
    return secrets.token_urlsafe(16)


def describe_limits():
    config = current_app.config
    return {"max_bytes": config["ATTACHMENT_MAX_BYTES"],
            "max_count": config["ATTACHMENT_MAX_COUNT"],
            "max_size": byte_size(config["ATTACHMENT_MAX_BYTES"]),
            "extensions": sorted(e for e in config["ATTACHMENT_EXTENSIONS"] if e in EXPECTED),
            "accept": ",".join("." + e for e in sorted(config["ATTACHMENT_EXTENSIONS"])
                               if e in EXPECTED)}


def content_disposition(disposition, filename):
    """RFC 6266: an ASCII fallback plus the exact name as UTF-8 `filename*`."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_"
                       for ch in filename) or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def send(attachment, inline=False):
    """Stream a stored attachment with the download headers docs/security.md lists."""
    path = path_for(attachment.storage_key)

    def chunks():
        with open(path, "rb") as fh:
            while True:
                block = fh.read(CHUNK)
                if not block:
                    return
                yield block

    show_inline = inline and attachment.inline_ok
    response = Response(chunks(), mimetype=attachment.content_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(attachment.size)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if show_inline else "attachment", attachment.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SERVE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def orphans(known_keys, older_than=3600):
    """Stored files no Attachment row refers to, left by a request that failed half-way.

    Files younger than `older_than` seconds are skipped: they may belong to an upload
    whose transaction has not committed yet.
    """
    import time
    root = upload_root()
    if not root.exists():
        return []
    cutoff = time.time() - older_than
    found = []
    for path in root.glob("*/*/*"):
        key = "/".join(path.relative_to(root).parts)
        if key not in known_keys and path.is_file() and path.stat().st_mtime < cutoff:
            found.append(key)
    return found
