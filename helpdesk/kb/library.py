"""The knowledge base as the app sees it: catalog, index upkeep, search and rendering.

The folder of Markdown files is the truth; the Whoosh index and its manifest (see
`manifest.py`), and the article vectors of a semantic model (`vectors.py`), are derived from
it and can always be rebuilt. Only files whose stats moved are read, and only those whose
content hash changed are re-indexed and embedded again.

Index work never blocks the site: a missing or corrupt index is rebuilt on a background
thread while pages keep being served (search says it is warming up), and the periodic
check for edited articles, the model's loading and the embedding run on that thread too.
`background=False` does the same work in line (tests, the CLI).
"""

import atexit
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog, changes, files, history, manifest
from .fusion import Fusion
from .index import INDEX_FAILURES, ArticleIndex, IndexUnavailable, open_or_fail
from .query import meaningful, user_query
from .ranking import Ranker, Results
from .rendering import render_article
from .semantic import MODEL_FILE, Encoder, load_encoder
from .vectors import VectorIndex

log = logging.getLogger(__name__)

RENDER_CACHE_SIZE = 256
# Articles rendered, with their related articles, by a starting worker before visitors
# ask: each worker keeps its own copies, and each first view cost a Markdown render and a
# "more like this" over the index while the worker served others.
WARM_ARTICLES = 100
SUGGEST_CACHE_SIZE = 4096
STOP_TIMEOUT = 10.0  # seconds a stopping process waits for the index thread's step


@dataclass
class SyncReport:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)  # slug -> reason
    skipped: bool = False  # another process held the lock


class KnowledgeBase(catalog.Listing):
    """The articles of one language. `semantic`: an `Encoder`, or the folder of one,
    loaded on the index thread (None: search by words only). `edition` (files.Edition)
    says which files are this language's (None: every file, as named); the ranker's
    language analyzes them."""

    def __init__(self, articles_dir, index_dir, check_interval=5.0, ranker=None,
                 max_query_chars=200, max_query_terms=12, background=True, warm_terms=0,
                 semantic=None, edition=None):
        self.edition = edition
        self.locale = edition.locale if edition else ""
        self.articles_dir = Path(articles_dir)
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self.background = background
        self.warm_terms = warm_terms
        self.ranker = ranker or Ranker()
        self.lang = self.ranker.lang
        self.max_query_chars = max_query_chars
        self.max_query_terms = max_query_terms
        self.index = None
        self.articles = {}  # slug -> ArticleInfo, published only
        self.categories = {}  # folder slug -> articles.Category
        self.described = {}  # the manifest's categories: folder slug -> their file's metadata
        self.errors = {}  # slug -> why the file was skipped
        self._manifest_stamp = None
        self._last_check = 0.0
        self._work = threading.Lock()  # one check or rebuild at a time in this process
        self._worker = None
        self._render_cache = OrderedDict()
        self._render_lock = threading.Lock()
        self._suggest_cache = OrderedDict()
        self._suggest_lock = threading.Lock()
        self._semantic = semantic
        self._semantic_seen = False  # the model file's stamp at the last failed load
        self.vectors = None  # VectorIndex once the model is loaded
        self._stopping = threading.Event()
        self.fusion = Fusion()

    @property
    def warming(self):
        """True while there is no usable index (being built)."""
        return self.index is None

    # --- starting and keeping up to date ---------------------------------------------

    def start(self):
        """Open the index at app start; bring it up to date, or rebuild it if unusable."""
        if self._load_catalog():
            try:
                self.index = open_or_fail(self.index_dir, self.lang)
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
            for slug in list(self.articles)[:WARM_ARTICLES]:
                if self._stopping.is_set():
                    break
                self.load(slug)
                self.related(slug)
        if self.vectors is not None:
            self.vectors.encoder.query("warm up")

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
        self._check_words()
        self._refresh_vectors()

    def _check_words(self):
        self._last_check = time.monotonic()
        found, cats = manifest.scan(self.articles_dir, self.edition)
        if manifest.stale(found, cats, manifest.read(self.index_dir)):
            self.sync(wait=False, scanned=(found, cats), vectors=False)
        elif self._manifest_stamp != manifest.stamp(self.index_dir):
            self._load_catalog()  # another process updated index and manifest

    def _rebuild(self):
        self._last_check = time.monotonic()
        self.sync()

    def sync(self, full=False, wait=True, scanned=None, vectors=True):
        """Bring index and manifest up to date with the folder, then the article vectors
        (unless `vectors` is off); returns a SyncReport."""
        report = SyncReport()
        with manifest.writer_lock(self.index_dir, wait=wait) as locked:
            if not locked:
                report.skipped = True
                return report
            known = manifest.read(self.index_dir)
            index = None
            if known is not None:
                try:
                    index = open_or_fail(self.index_dir, self.lang)
                except IndexUnavailable as exc:
                    log.warning("article index at %s will be rebuilt: %s", self.index_dir, exc)
            if index is None:
                # Nothing usable to replace: start empty (search says it is warming up).
                full = True
                index = ArticleIndex(self.index_dir, self.lang).create()
            if full:
                # Re-read every file; the commit swaps all documents at once, so readers
                # go from the old generation to the new one with nothing in between.
                known = None
            found, cats = scanned or manifest.scan(self.articles_dir, self.edition)
            # The files' last commits date the articles: one `git log` for the whole
            # folder, and only when some file is read.
            entries, documents, deleted = changes.compare(
                found, known["files"] if known else {}, report,
                history.CommitTimes(self.articles_dir))
            if documents or deleted or full:
                index.write(documents, deleted=deleted, full=full)
            categories = {slug: {"mtime_ns": mtime, "size": size,
                                 **changes.read_category(slug, path)}
                          for slug, (mtime, size, path) in cats.items()}
            manifest.write(self.index_dir, entries, categories)
        for slug, reason in report.errors.items():
            log.warning("article %s skipped: %s", slug, reason)
        self.index = index
        self._last_check = time.monotonic()
        self._load_catalog()
        if vectors:
            self._refresh_vectors()
        return report

    def _refresh_vectors(self):
        """Embed the articles that changed (on the index thread, or in line), if a model
        is configured; lexical upkeep goes on between batches."""
        vectors = self._vector_index()
        if vectors is None:
            return
        published = {slug: info.sha256 for slug, info in self.articles.items()}
        vectors.refresh(published, lambda slug: changes.embedding_texts(self.articles_dir, slug),
                        between=self._check_words_now_and_then, stopping=self._stopping.is_set)

    def _check_words_now_and_then(self):
        if time.monotonic() - self._last_check >= self.check_interval:
            self._check_words()

    def stop(self):
        """Let background work end at its next step (before the process exits: the model
        runtime must not be torn down in the middle of a computation)."""
        self._stopping.set()
        self.wait(STOP_TIMEOUT)

    def _vector_index(self):
        """The vector index, once the model loads; a model folder that was missing is
        looked at again on later checks (`helpdesk kb model` may have made it since)."""
        if self.vectors is None and self._semantic is not None:
            if isinstance(self._semantic, Encoder):
                encoder = self._semantic
            else:
                seen = manifest.file_stamp(Path(self._semantic) / MODEL_FILE)
                if seen == self._semantic_seen:
                    return None
                self._semantic_seen = seen
                encoder = load_encoder(self._semantic)
            if encoder is not None:
                self.vectors = VectorIndex(encoder, self.index_dir)
                if self.background:
                    atexit.register(self.stop)
        return self.vectors

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
        self.articles, self.errors, self.categories = catalog.from_manifest(data, self.locale)
        self.described = data["categories"]  # folder -> title, description, order
        self._manifest_stamp = stamp
        return True

    def breadcrumbs(self, category):
        """The categories from the top down to `category`."""
        return catalog.breadcrumbs(self.categories, category)

    # --- searching -------------------------------------------------------------------

    def _query(self, text, prefix_last, also="", fallback=False):
        return user_query(text, max_chars=self.max_query_chars, max_terms=self.max_query_terms,
                          prefix_last=prefix_last, also=also, lang=self.lang,
                          correct=not fallback)

    def search(self, text, page=1, pagelen=10, fallback=False, skip=()):
        """A page of results for the search page; `warming` while there is no index.

        `fallback`: the text was written in another language (a reader whose language
        this one stands in for), so it is taken by its words only: no typo corrections
        (a French word is no misspelt English one) and no meaning (the model reads this
        language). The articles of `skip` (slugs) are left out."""
        index = self.index
        if index is None:
            return Results(hits=[], total=0, warming=True)
        try:
            view, articles = index.view(), self.articles
            uq = self._query(text, False, fallback=fallback)
            left_out = _docnums(view, skip)
            near = [] if fallback else self._meaning(view, uq, articles, left_out)
            results = self.ranker.search(view, uq, page, pagelen, near, self.fusion,
                                         skip=left_out)
        except INDEX_FAILURES as exc:  # a damaged index must not take the page down
            self._index_failed(exc)
            return Results(hits=[], total=0, warming=True)
        results.hits = [h for h in results.hits if h.slug in self.articles]
        return results

    def suggest(self, text, limit=5, also="", fallback=False, skip=frozenset()):
        """Answers while typing: the last word may be half-typed. `also` is more context
        (the request form's description), weighed less than `text`; `fallback` and `skip`
        (a frozenset of slugs) as for `search`.

        Everyone types the same first letters ("pa", "pas", "pass"...), so answers are
        kept per index generation and catalog: a repeated keystroke costs a lookup.
        """
        index, articles = self.index, self.articles
        if index is None:
            return []
        uq = self._query(text, True, also, fallback)
        try:
            view, vectors = index.view(), self.vectors
            key = (view.generation, id(articles), not fallback and vectors and id(vectors.current),
                   uq.key, limit, skip)
            with self._suggest_lock:
                hits = self._suggest_cache.get(key)
                if hits is not None:
                    self._suggest_cache.move_to_end(key)
                    return hits
            left_out = _docnums(view, skip)
            near = [] if fallback else self._meaning(view, uq, articles, left_out)
            found = self.ranker.suggest(view, uq, limit, near, self.fusion, skip=left_out)
            hits = [h for h in found if h.slug in articles]
        except INDEX_FAILURES as exc:
            self._index_failed(exc)
            return []
        with self._suggest_lock:
            self._suggest_cache[key] = hits
            while len(self._suggest_cache) > SUGGEST_CACHE_SIZE:
                self._suggest_cache.popitem(last=False)
        return hits

    def _meaning(self, view, uq, articles, left_out=()):
        """[(cosine, docnum)] of the articles nearest in meaning to what was typed; [] with
        no model or vectors yet, or nothing but filler typed."""
        vectors = self.vectors
        if vectors is None or vectors.current is None or not meaningful(uq, self.lang):
            return []
        # Embedded as typed, half-typed word included: measured better than without it.
        text = f"{uq.text} {uq.also_text}".strip()[:self.max_query_chars * 2]
        near = vectors.nearest(text, articles, self.fusion.depth)
        return [(cosine, doc) for cosine, slug in near
                if (doc := view.docnum(slug)) is not None and doc not in left_out]

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
        path = files.article_path(self.articles_dir, slug,
                                  self.edition.suffix if self.edition else "")
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
            # The index build dated the file (front matter, last commit, mtime): no git here.
            known = self.articles.get(slug)
            committed = known.updated if known is not None and known.updated else None
            article = files.parse_article(slug, path.read_bytes(), st.st_mtime, committed)
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


def _docnums(view, slugs):
    """The live documents of `slugs` (the articles a search leaves out)."""
    return [doc for slug in slugs if (doc := view.docnum(slug)) is not None]
