"""Article vectors beside the index: a few embeddings per published article, kept current.

`vectors.npz` in INDEX_DIR holds, for one model, each article's slug, the sha256 of the
file it was computed from, and its vectors: one for the whole article, then one per
passage (`semantic.article_texts`). Only articles whose file changed are embedded
again, a few at a time, and work in progress is saved every few seconds: the file is
replaced atomically, so readers in other processes see the old set or the new one, and an
interrupted run resumes where it stopped. Every article gets its whole vector first, and
its passages after all of them have one: passages are most of the work, and with the
whole vectors alone search already finds every article by meaning. It is derived data,
like the index: delete it and it is computed again. One process at a time computes (a lock
file); the others read what it saved.
"""

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from .manifest import file_lock, file_stamp

log = logging.getLogger(__name__)

NAME = "vectors.npz"
LOCK = "vectors.lock"
STEP = 16  # articles embedded between two looks at the clock
SAVE_SECONDS = 10.0  # how often work in progress is swapped in and saved


WHOLE_SHARE = 0.5  # of an article's similarity from its whole vector; the rest from its
# closest passage (measured on the dev queries against the whole alone and the passage alone)


class ArticleVectors:
    """An immutable set of article vectors for one model: `matrix` holds each article's
    rows in turn, `counts[n]` of them for the n-th slug (its whole vector first);
    `partial[n]` is true while that article has its whole vector only."""

    def __init__(self, model_id, dimensions, slugs=(), shas=(), matrix=None, counts=(),
                 partial=None):
        self.model_id = model_id
        self.slugs = list(slugs)
        self.shas = list(shas)
        self.partial = (np.zeros(len(self.slugs), dtype=bool) if partial is None
                        else np.asarray(partial, dtype=bool))
        self.matrix = (np.zeros((0, dimensions), dtype=np.float32) if matrix is None
                       else np.ascontiguousarray(matrix, dtype=np.float32))
        self.matrix.flags.writeable = False
        self.counts = np.asarray(counts, dtype=np.int64)
        if len(self.counts) != len(self.slugs) or self.counts.sum() != len(self.matrix) \
                or (self.counts < 1).any() or len(self.partial) != len(self.slugs):
            raise ValueError("vector rows do not match their articles")
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1])).astype(np.int64)
        self.row = {slug: n for n, slug in enumerate(self.slugs)}

    def __len__(self):
        return len(self.slugs)

    def stale(self, published):
        """Slugs of `published` ({slug: sha256}) without a vector of their current file."""
        return [slug for slug, sha in published.items()
                if (n := self.row.get(slug)) is None or self.shas[n] != sha]

    def unfinished(self, published):
        """Slugs of `published` whose current vectors still lack their passages."""
        return [slug for slug, sha in published.items()
                if (n := self.row.get(slug)) is not None and self.shas[n] == sha
                and self.partial[n]]

    def rows_of(self, n):
        """The vectors of the n-th article."""
        return self.matrix[self.starts[n]:self.starts[n] + self.counts[n]]

    def updated(self, published, new):
        """A copy holding `published` articles only, with `new`
        ({slug: (sha, vectors, partial)})."""
        rows = [(slug, self.shas[n], self.rows_of(n), self.partial[n])
                for slug, n in self.row.items() if slug in published and slug not in new]
        rows += [(slug, sha, vectors, partial) for slug, (sha, vectors, partial) in new.items()]
        if not rows:
            return ArticleVectors(self.model_id, self.matrix.shape[1])
        slugs, shas, matrices, partial = zip(*rows)
        return ArticleVectors(self.model_id, self.matrix.shape[1], slugs, shas,
                              np.concatenate(matrices), [len(m) for m in matrices], partial)

    def similarities(self, vector):
        """How close `vector` is to each article: the cosine with its whole vector and with
        its closest passage, blended (vectors are normalized)."""
        if not len(self.slugs):
            return np.zeros(0, dtype=np.float32)
        cosines = self.matrix @ vector
        whole = cosines[self.starts]
        closest = np.maximum.reduceat(cosines, self.starts)
        return WHOLE_SHARE * whole + (1 - WHOLE_SHARE) * closest


def read(index_dir, model_id, dimensions):
    """The stored vectors for `model_id`, or an empty set (missing, other model, damaged)."""
    try:
        with np.load(Path(index_dir) / NAME, allow_pickle=False) as data:
            if str(data["model_id"]) == model_id and data["matrix"].shape[1:] == (dimensions,):
                partial = data["partial"] if "partial" in data.files else None
                return ArticleVectors(model_id, dimensions, data["slugs"].tolist(),
                                      data["shas"].tolist(), data["matrix"], data["counts"],
                                      partial)
    except (OSError, ValueError, KeyError, EOFError):
        pass
    return ArticleVectors(model_id, dimensions)


def write(index_dir, vectors):
    """Replace the stored vectors atomically (readable by the owner only)."""
    target = Path(index_dir) / NAME
    tmp = target.with_name(f".{NAME}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, model_id=np.array(vectors.model_id),
                 slugs=np.array(vectors.slugs, dtype=str),
                 shas=np.array(vectors.shas, dtype=str), matrix=vectors.matrix,
                 counts=vectors.counts, partial=vectors.partial)
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


def stamp(index_dir):
    """Changes whenever a process replaces the stored vectors."""
    return file_stamp(Path(index_dir) / NAME)


class VectorIndex:
    """The vectors a running app searches, and their upkeep (on the index worker thread).

    `current` is swapped whole, so a search reads one consistent set without a lock, and
    never waits for embedding: until an article has its vector it is found by its words.
    """

    def __init__(self, encoder, index_dir):
        self.encoder = encoder
        self.index_dir = Path(index_dir)
        self.current = None  # ArticleVectors once read or computed
        self._stamp = None
        self._allowed = (None, None, None)  # (vectors, catalog, mask) of the last search
        self._lock = threading.Lock()

    def reload(self):
        """Read the stored vectors if another process replaced them."""
        found = stamp(self.index_dir)
        if self.current is None or found != self._stamp:
            self.current = read(self.index_dir, self.encoder.id, self.encoder.dimensions)
            self._stamp = found

    def refresh(self, published, text_of, between=lambda: None, stopping=lambda: False):
        """Embed the published articles ({slug: sha256}) lacking a current vector.

        `text_of(slug)` gives the texts to embed, whole article first (None: skip it for
        now); `between()` runs
        after each step, so lexical upkeep goes on meanwhile; `stopping()` ends the work
        early (what was done is kept). Returns the number embedded, or None when another
        process is doing it."""
        self.reload()
        if not self.current.stale(published) and not self.current.unfinished(published) \
                and len(self.current) == len(published):
            return 0
        with file_lock(self.index_dir / LOCK, wait=False) as locked:
            if not locked:
                return None
            self.reload()  # what the previous holder saved
            return self._embed_stale(published, text_of, between, stopping)

    def _embed_stale(self, published, text_of, between, stopping):
        started = time.monotonic()
        done = self._embed(published, self.current.stale(published), text_of, between,
                           stopping, passages=False)
        if done:
            log.info("embedded %d articles in %.1f s", done, time.monotonic() - started)
        unfinished, started = self.current.unfinished(published), time.monotonic()
        if unfinished:
            finished = self._embed(published, unfinished, text_of, between, stopping,
                                   passages=True)
            if finished:
                log.info("embedded the passages of %d articles in %.1f s", finished,
                         time.monotonic() - started)
        return done

    def _embed(self, published, slugs, text_of, between, stopping, passages):
        """Embed each article's whole text (`passages` false), or the passages of articles
        that have their whole vector (true); returns how many articles were stored."""
        pending, done, saved = {}, 0, time.monotonic()
        for start in range(0, len(slugs), STEP):
            if stopping():
                break
            chunk = [(s, text_of(s)) for s in slugs[start:start + STEP]]
            chunk = [(s, texts[1:] if passages else texts[:1], len(texts) > 1)
                     for s, texts in chunk if texts and (len(texts) > 1 or not passages)]
            flat = [text for _, texts, _ in chunk for text in texts]
            if flat:
                matrix = self.encoder.encode(flat)
                ends = np.cumsum([len(texts) for _, texts, _ in chunk])
                for (slug, _, more), rows in zip(chunk, np.split(matrix, ends[:-1])):
                    if passages:
                        whole = self.current.rows_of(self.current.row[slug])[:1]
                        pending[slug] = (published[slug], np.concatenate([whole, rows]), False)
                    else:
                        pending[slug] = (published[slug], rows, more)
            if time.monotonic() - saved >= SAVE_SECONDS:
                done += self._save(published, pending)
                pending, saved = {}, time.monotonic()
            between()
        return done + self._save(published, pending)

    def _save(self, published, new):
        """Swap in and store the vectors with `new` added; returns how many were added."""
        if not new and set(self.current.slugs) == set(published):
            return 0  # nothing to store (an article that cannot be read now waits)
        self.current = self.current.updated(published, new)
        write(self.index_dir, self.current)
        self._stamp = stamp(self.index_dir)
        return len(new)

    def nearest(self, text, catalog, depth):
        """[(cosine, slug)] of the `depth` published articles nearest to `text`."""
        vectors = self.current
        if vectors is None or not len(vectors):
            return []
        similarities = vectors.similarities(self.encoder.query(text))
        allowed = self._allowed_rows(vectors, catalog)
        similarities = np.where(allowed, similarities, -np.inf)
        depth = min(depth, len(vectors))
        top = np.argpartition(-similarities, depth - 1)[:depth]
        top = top[np.argsort(-similarities[top], kind="stable")]
        return [(float(similarities[n]), vectors.slugs[n]) for n in top
                if allowed[n]]

    def _allowed_rows(self, vectors, catalog):
        """Which rows are published articles (cached per vectors and catalog)."""
        seen_vectors, seen_catalog, mask = self._allowed
        if seen_vectors is not vectors or seen_catalog is not catalog:
            mask = np.fromiter((slug in catalog for slug in vectors.slugs), dtype=bool,
                               count=len(vectors))
            self._allowed = (vectors, catalog, mask)
        return mask
