"""Mail that could not be handled, kept as raw bytes with the reason, for an admin.

Files, not database rows: the database may be the very thing that failed. Each mail is
`<stamp>-<random>.eml` (the bytes as received, 0600) beside `<same>.json` (reason, source,
attempts) in MAIL_KEPT_DIR, by default instance/mail/kept (0700). `helpdesk mail retry`
and the admin page (/agent/mail/kept) hand each back to ingestion; a handled one is
deleted, one that fails again stays with the new reason.
"""

import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

NAME = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{12}$")


@dataclass
class KeptMail:
    name: str
    reason: str
    source: str
    kept_at: str
    attempts: int
    size: int
    subject: str = ""
    sender: str = ""


def folder():
    configured = current_app.config.get("MAIL_KEPT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "mail" / "kept"
    for part in (path.parent, path):
        if not part.exists():
            part.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(part, 0o700)
    return path


def keep(raw, reason, source="", subject="", sender=""):
    """Write `raw` and its reason; returns the kept mail's name."""
    root = folder()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{secrets.token_hex(6)}"
    _write(root / f"{name}.eml", raw)
    _write_meta(root, name, {"reason": str(reason)[:1000], "source": source,
                             "kept_at": datetime.now(UTC).isoformat(timespec="seconds"),
                             "attempts": 1, "subject": str(subject)[:300],
                             "sender": str(sender)[:254]})
    return name


def _write(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _write_meta(root, name, meta):
    """Replace the .json atomically (a reader never sees half of it)."""
    temporary = root / f".{name}.{secrets.token_hex(4)}.tmp"
    _write(temporary, json.dumps(meta, ensure_ascii=False).encode("utf-8"))
    os.replace(temporary, root / f"{name}.json")


def _meta(root, name):
    try:
        return json.loads((root / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"reason": "(reason not recorded)"}


def listing():
    """Every kept mail, oldest first."""
    root = folder()
    found = []
    for path in sorted(root.glob("*.eml")):
        name = path.stem
        if not NAME.match(name):
            continue
        meta = _meta(root, name)
        found.append(KeptMail(name=name, reason=meta.get("reason", ""),
                              source=meta.get("source", ""), kept_at=meta.get("kept_at", ""),
                              attempts=int(meta.get("attempts", 1)), size=path.stat().st_size,
                              subject=meta.get("subject", ""), sender=meta.get("sender", "")))
    return found


def read(name):
    """The raw bytes of a kept mail; None for an unknown or malformed name."""
    if not NAME.match(name or ""):
        return None
    try:
        return (folder() / f"{name}.eml").read_bytes()
    except OSError:
        return None


def failed_again(name, reason):
    root = folder()
    meta = _meta(root, name)
    meta["reason"] = str(reason)[:1000]
    meta["attempts"] = int(meta.get("attempts", 1)) + 1
    meta["last_attempt_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    _write_meta(root, name, meta)


def forget(name):
    """Delete a kept mail once it was handled."""
    if not NAME.match(name or ""):
        return
    root = folder()
    for suffix in (".eml", ".json"):
        try:
            (root / f"{name}{suffix}").unlink()
        except FileNotFoundError:
            pass
