"""`helpdesk mail fetch`: unseen mail from an IMAP folder, each handled exactly once.

Safe from cron every minute and from several hosts at once:

* one run at a time per host (a lock file under instance/mail/; a run that finds it
  taken leaves quietly);
* messages are read with BODY.PEEK[] (reading does not mark them seen) and flagged \\Seen,
  or moved to IMAP_DONE_FOLDER, only after ingestion committed (or kept the raw mail);
* two hosts that read the same message meet at the ingestion claim (`ingest.py`): one
  handles it, the other finds it "busy" or "already handled" and flags nothing new.

IMAPClient (BSD-3-Clause) speaks IMAP; TLS is on by default (IMAP_SSL, or IMAP_STARTTLS on
a plain port), with certificate checks (IMAP_CA_FILE for a private CA). Plain text is only
allowed to a server on this machine.
"""

import fcntl
import ipaddress
import logging
import os
import ssl
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from . import ingest

log = logging.getLogger(__name__)

SEEN = b"\\Seen"
DELETED = b"\\Deleted"


class FetchError(RuntimeError):
    """The mailbox could not be read (settings, network, login); nothing was changed."""


@dataclass
class FetchReport:
    outcomes: Counter = field(default_factory=Counter)
    skipped: str | None = None  # why the run did nothing

    @property
    def kept(self):
        return self.outcomes["kept"]

    def describe(self):
        if self.skipped:
            return self.skipped
        if not self.outcomes:
            return "no new mail"
        return ", ".join(f"{count} {kind}" for kind, count in sorted(self.outcomes.items()))


def fetch():
    """Handle up to IMAP_BATCH unseen messages; returns a FetchReport."""
    config = current_app.config
    if not config.get("IMAP_HOST"):
        raise FetchError("IMAP_HOST is not set")
    lock = _lock()
    if lock is None:
        return FetchReport(skipped="another fetch is running on this host; nothing done")
    try:
        with _connect(config) as client:
            return _run(client, config)
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        raise FetchError(f"{config['IMAP_HOST']}: {exc.__class__.__name__}: {exc}") from exc
    finally:
        os.close(lock)


def _lock():
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / "fetch.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _context(config):
    context = ssl.create_default_context(cafile=config.get("IMAP_CA_FILE") or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _connect(config):
    host, port = config["IMAP_HOST"], int(config["IMAP_PORT"])
    use_ssl, starttls = bool(config["IMAP_SSL"]), bool(config["IMAP_STARTTLS"])
    if not use_ssl and not starttls and not _loopback(host):
        raise FetchError("refusing to send the IMAP password unencrypted to "
                         f"{host}: set IMAP_SSL or IMAP_STARTTLS")
    client = IMAPClient(host, port=port, ssl=use_ssl,
                        ssl_context=_context(config) if use_ssl else None,
                        timeout=float(config["IMAP_TIMEOUT"]))
    try:
        if starttls and not use_ssl:
            client.starttls(_context(config))
        client.login(config.get("IMAP_USERNAME") or "", config.get("IMAP_PASSWORD") or "")
    except BaseException:
        _close(client)
        raise
    return _Session(client)


class _Session:
    """Log out however the run ends."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        return self.client

    def __exit__(self, *exc):
        _close(self.client)


def _close(client):
    try:
        client.logout()
    except (TimeoutError, IMAPClientError, OSError):
        pass


def _run(client, config):
    folder = config["IMAP_FOLDER"] or "INBOX"
    done = config.get("IMAP_DONE_FOLDER")
    client.select_folder(folder)
    if done and not client.folder_exists(done):
        client.create_folder(done)
    uids = sorted(client.search(["UNSEEN", "NOT", "DELETED"]))[:int(config["IMAP_BATCH"])]
    report = FetchReport()
    for uid in uids:
        data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid) or {}
        raw = data.get(b"BODY[]")
        if raw is None:
            continue  # expunged by someone else meanwhile
        try:
            outcome = ingest.ingest(raw, source="imap")
        except Exception:  # not even kept (disk full?): leave it unseen for the next run
            log.exception("IMAP message %s could not be handled or kept; left unseen", uid)
            report.outcomes["left unseen"] += 1
            continue
        report.outcomes[outcome.kind] += 1
        if outcome.kind == "busy":
            continue  # another host has it and will mark it
        _done(client, uid, done)
    return report


def _done(client, uid, done_folder):
    if not done_folder:
        client.add_flags([uid], [SEEN])
        return
    client.add_flags([uid], [SEEN])
    if client.has_capability("MOVE"):
        client.move([uid], done_folder)
        return
    client.copy([uid], done_folder)
    client.add_flags([uid], [DELETED])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        client.expunge()
