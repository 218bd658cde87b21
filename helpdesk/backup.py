"""`helpdesk backup` and `helpdesk restore`: the database, the attachments, the instance files.

A backup is one folder, `helpdesk-backup-<UTC time>/`, made while the site runs:

- `database.sqlite3` (SQLite's online backup API: a consistent copy even while workers
  write) or `database.pgdump` (`pg_dump --format=custom`, one snapshot);
- `uploads/`, a copy of UPLOAD_DIR made *after* the database, so every attachment the
  database knows is in it (a file of a request filed meanwhile is only an orphan, which
  `helpdesk maintenance` removes);
- `instance/`: `config.py`, `secret_key` and `request_types.toml` where present (the
  secret key keeps emailed links and sessions valid after a restore);
- `backup.json`: when, which database kind and migration, how many requests and files.

`--archive` packs the folder into `<name>.tar.gz`. The article index is not backed up: it
is rebuilt from `articles/`, which lives in git.

`helpdesk restore PATH --yes` puts a backup (folder or .tar.gz) back into the configured
instance: the database is replaced, the files are copied into UPLOAD_DIR, the instance
files are written. Stop the app first; run `helpdesk db upgrade` after restoring an older
backup into a newer version. A backup restores into the same kind of database it came from.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from .extensions import db
from .models import Attachment, Ticket

INSTANCE_FILES = ("config.py", "secret_key", "request_types.toml")
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MANIFEST = "backup.json"


class BackupError(click.ClickException):
    """A clear message, exit status 1."""


# --- the database -----------------------------------------------------------------------

def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _kind():
    backend = _url().get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def _libpq(url):
    """(connection string without the password, environment with it) for pg_dump/pg_restore.

    The password travels in PGPASSWORD, never on a command line others can read.
    """
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _program(name):
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client"
                          " (apt-get install postgresql-client) of the server's version")
    return found


def _run(command, env):
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[:2000]}")


def dump_database(folder):
    """Write a consistent copy of the database into `folder`; returns the file name."""
    url = _url()
    if _kind() == "sqlite":
        target = folder / SQLITE_FILE
        source, copy = sqlite3.connect(url.database), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        os.chmod(target, 0o600)
        return SQLITE_FILE
    conninfo, env = _libpq(url)
    _run([_program("pg_dump"), "--format=custom", "--no-owner", f"--file={folder / PG_FILE}",
          f"--dbname={conninfo}"], env)
    os.chmod(folder / PG_FILE, 0o600)
    return PG_FILE


def load_database(folder):
    url = _url()
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old file or locks
    if _kind() == "sqlite":
        source_path = folder / SQLITE_FILE
        if not source_path.exists():
            raise BackupError(f"{source_path} missing: this backup is not of a SQLite database")
        source, target = sqlite3.connect(source_path), sqlite3.connect(url.database)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    dump = folder / PG_FILE
    if not dump.exists():
        raise BackupError(f"{dump} missing: this backup is not of a PostgreSQL database")
    conninfo, env = _libpq(url)
    _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={conninfo}", str(dump)], env)


# --- files --------------------------------------------------------------------------------

def _copy_tree(source, target):
    """Copy files (not links) from source to target, private: 0700 folders, 0600 files."""
    count = 0
    if not source.exists():
        return count
    for folder, _, names in os.walk(source):
        here = Path(folder)
        dest = target / here.relative_to(source)
        dest.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in names:
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            shutil.copyfile(path, dest / name)
            os.chmod(dest / name, 0o600)
            count += 1
    return count


def _counts():
    return {"requests": db.session.execute(select(func.count(Ticket.id))).scalar(),
            "attachments": db.session.execute(select(func.count(Attachment.id))).scalar()}


def _revision():
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        db.session.rollback()
        return None


def make_backup(output, archive=False):
    """Write a backup under `output`; returns the path of the folder or archive."""
    config = current_app.config
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = output / f"helpdesk-backup-{stamp}"
    folder.mkdir(mode=0o700)
    database_file = dump_database(folder)  # first: every file it refers to exists already
    files = _copy_tree(Path(config["UPLOAD_DIR"]), folder / "uploads")
    instance_files = []
    (folder / "instance").mkdir(mode=0o700)
    for name in INSTANCE_FILES:
        path = Path(current_app.instance_path) / name
        if path.is_file():
            shutil.copyfile(path, folder / "instance" / name)
            os.chmod(folder / "instance" / name, 0o600)
            instance_files.append(name)
    manifest = {"created_at": stamp, "database": _kind(), "database_file": database_file,
                "revision": _revision(), "files": files, "instance_files": instance_files,
                **_counts()}
    db.session.rollback()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    os.chmod(folder / MANIFEST, 0o600)
    if not archive:
        return folder
    packed = output / f"{folder.name}.tar.gz"
    with tarfile.open(packed, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    os.chmod(packed, 0o600)
    shutil.rmtree(folder)
    return packed


def _unpack(path, scratch):
    """The backup folder inside `path` (a folder, or a .tar.gz unpacked into `scratch`)."""
    path = Path(path)
    if path.is_dir():
        return path
    if not tarfile.is_tarfile(path):
        raise BackupError(f"{path} is neither a backup folder nor a .tar.gz backup")
    with tarfile.open(path) as tar:
        tar.extractall(scratch, filter="data")  # no links out, no absolute paths
    found = [p for p in Path(scratch).iterdir() if (p / MANIFEST).exists()]
    if len(found) != 1:
        raise BackupError(f"{path} does not hold one helpdesk backup")
    return found[0]


def restore_backup(path):
    """Put a backup back; returns its manifest."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = _unpack(path, scratch)
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            raise BackupError(f"{folder / MANIFEST} missing or unreadable") from None
        if manifest.get("database") != _kind():
            raise BackupError(f"this backup holds a {manifest.get('database')} database; the"
                              f" configured database is {_kind()}")
        load_database(folder)
        upload_dir = Path(current_app.config["UPLOAD_DIR"])
        upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _copy_tree(folder / "uploads", upload_dir)
        instance = Path(current_app.instance_path)
        for name in manifest.get("instance_files", []):
            source = folder / "instance" / name
            if source.is_file():
                shutil.copyfile(source, instance / name)
                os.chmod(instance / name, 0o600)
        return manifest


# --- commands -------------------------------------------------------------------------

@click.command("backup")
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Folder to write the backup into (default: instance/backups).")
@click.option("--archive", is_flag=True, help="Pack the backup into one .tar.gz file.")
@with_appcontext
def backup_command(output, archive):
    """Back up the database, the attachments and the instance files while the site runs."""
    output = output or str(Path(current_app.instance_path) / "backups")
    path = make_backup(output, archive=archive)
    manifest = json.loads((path / MANIFEST).read_text()) if path.is_dir() else None
    if manifest:
        click.echo(f"{path}: {manifest['requests']} requests, {manifest['files']} files")
    else:
        click.echo(str(path))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore_command(path, yes):
    """Restore a backup made by `helpdesk backup` (stop the app first)."""
    if not yes:
        click.confirm("This replaces the configured database and instance files. Continue?",
                      abort=True)
    manifest = restore_backup(path)
    click.echo(f"restored {manifest['created_at']}: {manifest['requests']} requests,"
               f" {manifest['files']} files (migration {manifest['revision']});"
               " run `helpdesk db upgrade` if this version is newer")
