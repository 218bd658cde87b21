"""The knowledge base as the app sees it: catalog, index upkeep and article rendering.

The folder of Markdown files is the truth. A manifest beside the index records, for every
file, its size, mtime and content hash plus the metadata pages need (title, category,
summary, ...). Comparing `stat()` results with the manifest is the cheap staleness check;
only files whose stats moved are read, and only those whose hash changed are re-indexed.
One process at a time updates the index and manifest (a lock file); the others pick up the
new manifest and the index's newest generation on their next check.
"""

import fcntl
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import articles as files
from .markdown import headings, render_article, to_plain_text
from .search import ArticleIndex, IndexUnavailable, article_document, open_or_fail

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK = "write.lock.helpdesk"
MANIFEST_VERSION = 1
RENDER_CACHE_SIZE = 256


@dataclass
class ArticleInfo:
    """What listings and search results need of an article, without reading its file."""

    slug: str
    title: str
    category: str
    summary: str = ""
    tags: tuple = ()
    order: int | None = None
    updated: float = 0.0

    @property
    def sort_key(self):
        return (self.order if self.order is not None else 10**9, self.title.lower())


@dataclass
class SyncReport:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)  # slug -> reason
    skipped: bool = False  # another process held the lock

    @property
    def changed(self):
        return bool(self.added or self.updated or self.deleted)


class KnowledgeBase:
    def __init__(self, articles_dir, index_dir, check_interval=5.0):
        self.articles_dir = Path(articles_dir)
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self.index = None
        self.articles = {}  # slug -> ArticleInfo, published only
        self.categories = {}  # folder slug -> articles.Category
        self.errors = {}  # slug -> why the file was skipped
        self._manifest_stamp = None
        self._last_check = 0.0
        self._check_lock = threading.Lock()
        self._render_cache = OrderedDict()
        self._render_lock = threading.Lock()

    # --- the manifest ----------------------------------------------------------------

    @property
    def _manifest_path(self):
        return self.index_dir / MANIFEST

    def _read_manifest(self):
        try:
            data = json.loads(self._manifest_path.read_text())
        except (OSError, ValueError):
            return None
        if data.get("version") != MANIFEST_VERSION:
            return None
        return data

    def _write_manifest(self, data):
        tmp = self._manifest_path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, separators=(",", ":")))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._manifest_path)  # readers see the old or the new, never half

    @contextmanager
    def _writer_lock(self, wait=True):
        """One writer across processes; yields False when `wait` is off and it is taken."""
        self.index_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
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

    # --- keeping the index up to date ------------------------------------------------

    def _scan(self):
        """Current files: {slug: (mtime_ns, size, path)} and category files alike."""
        found = {slug: (st.st_mtime_ns, st.st_size, path)
                 for slug, path, st in files.scan(self.articles_dir)}
        cats = {slug: (st.st_mtime_ns, st.st_size, path)
                for slug, path, st in files.scan_category_files(self.articles_dir)}
        return found, cats

    @staticmethod
    def _stale(found, cats, manifest):
        if manifest is None:
            return True
        known = manifest["files"]
        if found.keys() != known.keys():
            return True
        for slug, (mtime, size, _) in found.items():
            entry = known[slug]
            if entry["mtime_ns"] != mtime or entry["size"] != size:
                return True
        known_cats = manifest["categories"]
        return cats.keys() != known_cats.keys() or any(
            (known_cats[s]["mtime_ns"], known_cats[s]["size"]) != (m, z)
            for s, (m, z, _) in cats.items())

    def sync(self, full=False, wait=True):
        """Bring index and manifest up to date with the folder; returns a SyncReport."""
        report = SyncReport()
        with self._writer_lock(wait=wait) as locked:
            if not locked:
                report.skipped = True
                return report
            manifest = None if full else self._read_manifest()
            index = self._open_index(rebuild=full or manifest is None)
            if index is None:
                manifest, full = None, True
                index = ArticleIndex(self.index_dir).create()
            found, cats = self._scan()
            known = {} if manifest is None else manifest["files"]
            entries, documents, deleted = {}, [], []
            for slug, (mtime, size, path) in found.items():
                old = known.get(slug)
                if old and old["mtime_ns"] == mtime and old["size"] == size:
                    entries[slug] = old
                    continue
                entry, doc = self._read_file(slug, path, mtime, size, old)
                entries[slug] = entry
                if doc is not None:
                    documents.append(doc)
                    (report.updated if old and old["status"] == "ok" else report.added).append(slug)
                elif old and old["status"] == "ok" and entry["status"] != "ok":
                    deleted.append(slug)
                if entry["status"] == "error":
                    report.errors[slug] = entry["error"]
            for slug, old in known.items():
                if slug not in found and old["status"] == "ok":
                    deleted.append(slug)
            report.deleted = deleted
            if documents or deleted or full:
                index.write(documents, deleted=deleted, full=full)
            categories = {}
            for slug, (mtime, size, path) in cats.items():
                categories[slug] = {"mtime_ns": mtime, "size": size, **self._read_category(slug, path)}
            self._write_manifest({"version": MANIFEST_VERSION, "files": entries,
                                  "categories": categories})
            for slug, entry in entries.items():
                if entry["status"] == "error" and slug not in report.errors:
                    report.errors[slug] = entry["error"]
        for slug, reason in report.errors.items():
            log.warning("article %s skipped: %s", slug, reason)
        self.index = index
        self._load_catalog()
        return report

    def _open_index(self, rebuild):
        if rebuild:
            return None
        try:
            return open_or_fail(self.index_dir)
        except IndexUnavailable as exc:
            log.warning("article index at %s will be rebuilt: %s", self.index_dir, exc)
            return None

    def _read_file(self, slug, path, mtime, size, old):
        """Manifest entry and index document (None when unchanged or unpublished)."""
        entry = {"mtime_ns": mtime, "size": size}
        try:
            raw = path.read_bytes()
            article = files.parse_article(slug, raw, mtime / 1e9)
        except (OSError, files.ArticleError) as exc:
            reason = exc.args[0] if isinstance(exc, files.ArticleError) else exc.strerror
            return {**entry, "status": "error", "error": str(reason), "sha256": ""}, None
        entry.update(
            status="draft" if article.draft else "ok", sha256=article.sha256,
            title=article.title, category=article.category, summary=article.summary,
            tags=list(article.tags), order=article.order, updated=article.updated,
        )
        if article.draft:
            return entry, None
        if old and old.get("sha256") == article.sha256 and old["status"] == "ok":
            return entry, None  # touched, not changed
        body = to_plain_text(article.body)
        doc = article_document(slug, article.category, article.title, headings(article.body),
                               article.tags, article.summary, body)
        return entry, doc

    def _read_category(self, slug, path):
        try:
            return files.parse_category(slug, path.read_bytes())
        except (OSError, files.ArticleError) as exc:
            log.warning("category file %s ignored: %s", path, exc)
            return {"title": files.humanize(PurePosixPath(slug).name), "description": "",
                    "order": None}

    def check(self):
        """Cheap, throttled: pick up changed files and other processes' updates."""
        now = time.monotonic()
        if now - self._last_check < self.check_interval:
            return
        if not self._check_lock.acquire(blocking=False):
            return  # another thread of this process is checking
        try:
            self._last_check = now
            found, cats = self._scan()
            if self._stale(found, cats, self._read_manifest()):
                self.sync(wait=False)
            elif self._manifest_stamp != self._stamp():
                self._load_catalog()
        finally:
            self._check_lock.release()

    def ensure_open(self):
        """Open the existing index, or build it when it is missing, stale or unreadable."""
        manifest = self._read_manifest()
        if manifest is not None and self.index is None:
            self.index = self._open_index(rebuild=False)
        found, cats = self._scan()
        if self.index is None or self._stale(found, cats, manifest):
            return self.sync()
        self._load_catalog()
        return SyncReport()

    # --- the catalog -----------------------------------------------------------------

    def _stamp(self):
        try:
            st = self._manifest_path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _load_catalog(self):
        stamp = self._stamp()
        manifest = self._read_manifest() or {"files": {}, "categories": {}}
        published, errors = {}, {}
        for slug, entry in manifest["files"].items():
            if entry["status"] == "ok":
                published[slug] = ArticleInfo(
                    slug=slug, title=entry["title"], category=entry["category"],
                    summary=entry.get("summary", ""), tags=tuple(entry.get("tags", ())),
                    order=entry.get("order"), updated=entry.get("updated", 0.0))
            elif entry["status"] == "error":
                errors[slug] = entry["error"]
        self.articles, self.errors = published, errors
        self.categories = self._build_categories(published, manifest["categories"])
        self._manifest_stamp = stamp

    @staticmethod
    def _build_categories(published, described):
        """Every folder holding a published article (at any depth), with its parents."""
        folders = {""}
        for info in published.values():
            path = PurePosixPath(info.category) if info.category else None
            while path is not None and str(path) != ".":
                folders.add(str(path))
                path = path.parent
        categories = {}
        for slug in folders:
            meta = described.get(slug, {})
            categories[slug] = files.Category(
                slug=slug,
                title=meta.get("title") or files.humanize(PurePosixPath(slug).name or "Articles"),
                description=meta.get("description", ""), order=meta.get("order"))
        for slug, category in categories.items():
            if slug:
                categories[category.parent].children.append(category)
        for category in categories.values():
            category.children.sort(key=lambda c: (c.order if c.order is not None else 10**9,
                                                  c.title.lower()))
        return categories

    def articles_in(self, category):
        """Published articles directly in a folder, in their authors' order."""
        found = [a for a in self.articles.values() if a.category == category]
        return sorted(found, key=lambda a: a.sort_key)

    def count_in(self, category):
        """Published articles in a folder and its subfolders."""
        prefix = category + "/" if category else ""
        return sum(1 for a in self.articles.values()
                   if a.category == category or a.category.startswith(prefix))

    def breadcrumbs(self, category):
        """The categories from the top down to `category`."""
        trail, slug = [], category
        while slug:
            trail.append(self.categories[slug])
            slug = self.categories[slug].parent
        return list(reversed(trail))

    # --- one article -----------------------------------------------------------------

    def load(self, slug):
        """(Article, Rendered) for a published slug, read and rendered once per file version."""
        if slug not in self.articles:
            return None
        path = files.article_path(self.articles_dir, slug)
        if path is None:
            return None
        st = path.stat()
        key = (slug, st.st_mtime_ns, st.st_size)
        with self._render_lock:
            cached = self._render_cache.get(slug)
            if cached and cached[0] == key:
                self._render_cache.move_to_end(slug)
                return cached[1]
        try:
            article = files.parse_article(slug, path.read_bytes(), st.st_mtime)
        except files.ArticleError as exc:
            log.warning("article %s skipped: %s", slug, exc)
            return None
        if article.draft:
            return None
        value = (article, render_article(article.body))
        with self._render_lock:
            self._render_cache[slug] = (key, value)
            while len(self._render_cache) > RENDER_CACHE_SIZE:
                self._render_cache.popitem(last=False)
        return value
