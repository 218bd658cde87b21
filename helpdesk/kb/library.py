"""The knowledge base as the app sees it: catalog, index upkeep, search and rendering.

The folder of Markdown files is the truth; the Whoosh index and its manifest (see
`manifest.py`) are derived from it and can always be rebuilt. Only files whose stats moved
are read, and only those whose content hash changed are re-indexed.

Index work never blocks the site: a missing or corrupt index is rebuilt on a background
thread while pages keep being served (search says it is warming up), and the periodic
check for edited articles runs on a thread too. `background=False` does the same work in
line (tests, the CLI).
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import files, manifest
from .index import (INDEX_FAILURES, ArticleIndex, IndexUnavailable, article_document,
                    open_or_fail)
from .markdown import render_article
from .plaintext import headings, sentences, to_plain_text
from .query import user_query
from .ranking import Ranker, Results

log = logging.getLogger(__name__)

RENDER_CACHE_SIZE = 256
SUGGEST_CACHE_SIZE = 4096


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


class KnowledgeBase:
    def __init__(self, articles_dir, index_dir, check_interval=5.0, ranker=None,
                 max_query_chars=200, max_query_terms=12, background=True, warm_terms=0):
        self.articles_dir = Path(articles_dir)
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self.background = background
        self.warm_terms = warm_terms
        self.ranker = ranker or Ranker()
        self.max_query_chars = max_query_chars
        self.max_query_terms = max_query_terms
        self.index = None
        self.articles = {}  # slug -> ArticleInfo, published only
        self.categories = {}  # folder slug -> articles.Category
        self.errors = {}  # slug -> why the file was skipped
        self._manifest_stamp = None
        self._last_check = 0.0
        self._work = threading.Lock()  # one check or rebuild at a time in this process
        self._worker = None
        self._render_cache = OrderedDict()
        self._render_lock = threading.Lock()
        self._suggest_cache = OrderedDict()
        self._suggest_lock = threading.Lock()

    @property
    def warming(self):
        """True while there is no usable index (being built)."""
        return self.index is None

    # --- starting and keeping up to date ---------------------------------------------

    def start(self):
        """Open the index at app start; bring it up to date, or rebuild it if unusable."""
        if self._load_catalog():
            try:
                self.index = open_or_fail(self.index_dir)
            except IndexUnavailable as exc:
                log.warning("article index at %s will be rebuilt: %s", self.index_dir, exc)
        if self.index is None:
            self._run(self._rebuild_and_warm)
        else:
            self._run(self._check_and_warm)

    def _check_and_warm(self):
        self._check_now()
        self._warm()

    def _rebuild_and_warm(self):
        self._rebuild()
        self._warm()

    def _warm(self):
        """Score the most frequent words ahead of the first keystrokes after a start."""
        index = self.index
        if index is not None and self.warm_terms:
            self.ranker.warm(index.view(), self.warm_terms)

    def check(self):
        """Throttled and cheap: pick up edited files and other processes' updates."""
        if time.monotonic() - self._last_check < self.check_interval:
            return
        self._run(self._rebuild if self.index is None else self._check_now)

    def _run(self, job):
        """Run index work on a background thread (one at a time), or in line."""
        if not self.background:
            with self._work:
                job()
            return
        if not self._work.acquire(blocking=False):
            return  # already under way in this process

        def work():
            try:
                job()
            except Exception:
                log.exception("article index upkeep failed")
            finally:
                self._work.release()

        self._worker = threading.Thread(target=work, name="helpdesk-kb", daemon=True)
        self._worker.start()

    def wait(self, timeout=None):
        """Wait for background index work (tests and benchmarks)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _check_now(self):
        self._last_check = time.monotonic()
        found, cats = manifest.scan(self.articles_dir)
        if manifest.stale(found, cats, manifest.read(self.index_dir)):
            self.sync(wait=False, scanned=(found, cats))
        elif self._manifest_stamp != manifest.stamp(self.index_dir):
            self._load_catalog()  # another process updated index and manifest

    def _rebuild(self):
        self._last_check = time.monotonic()
        self.sync()

    def sync(self, full=False, wait=True, scanned=None):
        """Bring index and manifest up to date with the folder; returns a SyncReport."""
        report = SyncReport()
        with manifest.writer_lock(self.index_dir, wait=wait) as locked:
            if not locked:
                report.skipped = True
                return report
            known = manifest.read(self.index_dir)
            index = None
            if known is not None:
                try:
                    index = open_or_fail(self.index_dir)
                except IndexUnavailable as exc:
                    log.warning("article index at %s will be rebuilt: %s", self.index_dir, exc)
            if index is None:
                # Nothing usable to replace: start empty (search says it is warming up).
                full = True
                index = ArticleIndex(self.index_dir).create()
            if full:
                # Re-read every file; the commit swaps all documents at once, so readers
                # go from the old generation to the new one with nothing in between.
                known = None
            found, cats = scanned or manifest.scan(self.articles_dir)
            entries, documents, deleted = self._compare(
                found, known["files"] if known else {}, report)
            if documents or deleted or full:
                index.write(documents, deleted=deleted, full=full)
            categories = {slug: {"mtime_ns": mtime, "size": size,
                                 **self._read_category(slug, path)}
                          for slug, (mtime, size, path) in cats.items()}
            manifest.write(self.index_dir, entries, categories)
        for slug, reason in report.errors.items():
            log.warning("article %s skipped: %s", slug, reason)
        self.index = index
        self._last_check = time.monotonic()
        self._load_catalog()
        return report

    def _compare(self, found, known, report):
        """New manifest entries, documents to (re)index and slugs to drop."""
        entries, documents, deleted = {}, [], []
        for slug, (mtime, size, path) in found.items():
            old = known.get(slug)
            if manifest.unchanged(old, mtime, size):
                entries[slug] = old
            else:
                entry, doc = self._read_file(slug, path, mtime, size, old)
                entries[slug] = entry
                was_published = bool(old and old["status"] == "ok")
                if doc is not None:
                    documents.append(doc)
                    (report.updated if was_published else report.added).append(slug)
                elif was_published and entry["status"] != "ok":
                    deleted.append(slug)
            if entries[slug]["status"] == "error":
                report.errors[slug] = entries[slug]["error"]
        deleted.extend(slug for slug, old in known.items()
                       if slug not in found and old["status"] == "ok")
        report.deleted = deleted
        return entries, documents, deleted

    def _read_file(self, slug, path, mtime, size, old):
        """Manifest entry and index document (None when unchanged or unpublished)."""
        entry = {"mtime_ns": mtime, "size": size}
        try:
            article = files.parse_article(slug, path.read_bytes(), mtime / 1e9)
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
        doc = article_document(slug, article.category, article.title, headings(article.body),
                               article.tags, article.summary, to_plain_text(article.body),
                               sentences(article.body))
        return entry, doc

    def _read_category(self, slug, path):
        try:
            return files.parse_category(slug, path.read_bytes())
        except (OSError, files.ArticleError) as exc:
            log.warning("category file %s ignored: %s", path, exc)
            return {"title": files.humanize(PurePosixPath(slug).name), "description": "",
                    "order": None}

    def _index_failed(self, exc):
        """The index broke under a running site: serve on, rebuild in the background."""
        log.error("article index unreadable, rebuilding: %s: %s", exc.__class__.__name__, exc)
        self.index = None
        self._run(self._rebuild)

    # --- the catalog -----------------------------------------------------------------

    def _load_catalog(self):
        stamp = manifest.stamp(self.index_dir)
        data = manifest.read(self.index_dir)
        if data is None:
            return False  # keep what we have (nothing, at first) until a manifest exists
        published, errors = {}, {}
        for slug, entry in data["files"].items():
            if entry["status"] == "ok":
                published[slug] = ArticleInfo(
                    slug=slug, title=entry["title"], category=entry["category"],
                    summary=entry.get("summary", ""), tags=tuple(entry.get("tags", ())),
                    order=entry.get("order"), updated=entry.get("updated", 0.0))
            elif entry["status"] == "error":
                errors[slug] = entry["error"]
        categories = self._build_categories(published, data["categories"])
        self.articles, self.errors, self.categories = published, errors, categories
        self._manifest_stamp = stamp
        return True

    @staticmethod
    def _build_categories(published, described):
        """Every folder holding a published article (at any depth), with its parents."""
        folders = {""}
        for category in {info.category for info in published.values()}:
            while category and category not in folders:
                folders.add(category)
                category = category.rpartition("/")[0]
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
            found = self.categories.get(slug) or files.Category(
                slug=slug, title=files.humanize(PurePosixPath(slug).name))  # still warming
            trail.append(found)
            slug = found.parent
        return list(reversed(trail))

    # --- searching -------------------------------------------------------------------

    def _query(self, text, prefix_last, also=""):
        return user_query(text, max_chars=self.max_query_chars, max_terms=self.max_query_terms,
                          prefix_last=prefix_last, also=also)

    def search(self, text, page=1, pagelen=10):
        """A page of results for the search page; `warming` while there is no index."""
        index = self.index
        if index is None:
            return Results(hits=[], total=0, warming=True)
        try:
            results = self.ranker.search(index.view(), self._query(text, False), page, pagelen)
        except INDEX_FAILURES as exc:  # a damaged index must not take the page down
            self._index_failed(exc)
            return Results(hits=[], total=0, warming=True)
        results.hits = [h for h in results.hits if h.slug in self.articles]
        return results

    def suggest(self, text, limit=5, also=""):
        """Answers while typing: the last word may be half-typed. `also` is more context
        (the request form's description), weighed less than `text`.

        Everyone types the same first letters ("pa", "pas", "pass"...), so answers are
        kept per index generation and catalog: a repeated keystroke costs a lookup.
        """
        index, articles = self.index, self.articles
        if index is None:
            return []
        uq = self._query(text, True, also)
        try:
            view = index.view()
            key = (view.generation, id(articles), uq.key, limit)
            with self._suggest_lock:
                hits = self._suggest_cache.get(key)
                if hits is not None:
                    self._suggest_cache.move_to_end(key)
                    return hits
            hits = [h for h in self.ranker.suggest(view, uq, limit) if h.slug in articles]
        except INDEX_FAILURES as exc:
            self._index_failed(exc)
            return []
        with self._suggest_lock:
            self._suggest_cache[key] = hits
            while len(self._suggest_cache) > SUGGEST_CACHE_SIZE:
                self._suggest_cache.popitem(last=False)
        return hits

    def forget_answers(self):
        """Drop remembered suggestions (after changing how results are ranked)."""
        with self._suggest_lock:
            self._suggest_cache.clear()

    def related(self, slug, limit=5):
        index = self.index
        if index is None:
            return []
        try:
            found = index.related(slug, limit=limit + 1)
        except INDEX_FAILURES as exc:
            self._index_failed(exc)
            return []
        return [self.articles[s] for s in found if s in self.articles and s != slug][:limit]

    # --- one article -----------------------------------------------------------------

    def load(self, slug):
        """(Article, Rendered) for a published slug, read and rendered once per file version.

        While the first index is being built the catalog is empty; pages are then served
        straight from the files so links keep working.
        """
        if slug not in self.articles and not (self.warming and not self.articles):
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
