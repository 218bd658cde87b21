"""The manifest beside the index, and the lock that lets one process at a time write both.

For every article file the manifest records its size, mtime and content hash, whether it
is published (or a draft, or broken and why), and the metadata listings need (title,
category, summary, tags, order). Comparing `stat()` results with it is the cheap check
for changed files; it is also the catalog, so no page has to read every article.
"""

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

from . import files
from .index import SCHEMA_VERSION

NAME = "manifest.json"
LOCK = "write.lock.helpdesk"
VERSION = [1, SCHEMA_VERSION]


def path_in(index_dir):
    return Path(index_dir) / NAME


def read(index_dir):
    """The manifest, or None when missing, unreadable or written for another schema."""
    try:
        data = json.loads(path_in(index_dir).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    return data


def write(index_dir, files_, categories):
    """Replace the manifest atomically: readers see the old one or the new one, never half."""
    target = path_in(index_dir)
    tmp = target.with_name(f".{NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"version": VERSION, "files": files_, "categories": categories},
                              separators=(",", ":")))
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


def stamp(index_dir):
    """Changes whenever another process replaces the manifest."""
    return file_stamp(path_in(index_dir))


def file_stamp(path):
    """Changes whenever the file at `path` is written or replaced (None while missing)."""
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


@contextmanager
def writer_lock(index_dir, wait=True):
    """One writer across processes; yields False when `wait` is off and it is taken."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with file_lock(index_dir / LOCK, wait) as locked:
        yield locked


@contextmanager
def file_lock(path, wait=True):
    """An flock on `path` held for the block; yields False when `wait` is off and another
    process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def scan(articles_dir, edition=None):
    """What is on disk now, by stat() only: ({slug: (mtime_ns, size, path)}, same for
    category files); `edition` (files.Edition) keeps one language's files."""
    articles, categories = files.walk(articles_dir, edition)
    return ({slug: (st.st_mtime_ns, st.st_size, path) for slug, (path, st) in articles.items()},
            {slug: (st.st_mtime_ns, st.st_size, path) for slug, (path, st) in categories.items()})


def _same(entry, mtime, size):
    return entry["mtime_ns"] == mtime and entry["size"] == size


def stale(found, cats, manifest):
    """Whether any article or category file was added, removed or touched."""
    if manifest is None:
        return True
    known, known_cats = manifest["files"], manifest["categories"]
    if found.keys() != known.keys() or cats.keys() != known_cats.keys():
        return True
    return not (all(_same(known[s], m, z) for s, (m, z, _) in found.items())
                and all(_same(known_cats[s], m, z) for s, (m, z, _) in cats.items()))


def unchanged(entry, mtime, size):
    return entry is not None and _same(entry, mtime, size)
