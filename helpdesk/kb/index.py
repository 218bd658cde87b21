"""The article index: the only module that imports Whoosh.

Whoosh stores the index (postings, term dictionary, field lengths) and answers the
low-level questions: which articles hold a term and how often, which indexed words start
with what the user is typing, which are a typo away. How those answers become a ranking
lives in `ranking.py`; user text never reaches Whoosh's query parser, so `title:x`, `*`,
`"` or `OR` are only words.

Scoring is term-at-a-time: each term's BM25 contributions over the fields are computed
once per index generation, as arrays (`Scores`), and cached, so the words a user types
keystroke after keystroke cost a few vector operations, not a walk of Whoosh's matcher
tree. Postings are read a block at a time straight from Whoosh's block matcher: a word
found in thousands of articles then costs a few decompressions, not a Python step per
article.
"""

import gc
import struct
import threading
import time
import warnings
import zlib
from collections import OrderedDict

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.support.levenshtein import damerau_levenshtein
from whoosh.writing import CLEAR

from .analysis import ENGLISH, fold

# Bump when the schema or the analysis changes: a mismatch rebuilds the index.
SCHEMA_VERSION = 7

STORED_TEXT_CHARS = 3000
# Cached (article, score) entries; as arrays, 12 bytes each: 2 million is about 24 MB.
CACHE_POSTINGS = 2_000_000
FREQUENCIES_KEPT = 200_000  # remembered (field, term) document frequencies
# How long the newest generation on disk is taken as known: finding it lists the folder,
# which every keystroke would otherwise do. Another process's commit is seen this much
# later at most; this process's own commits at once.
GENERATION_CHECK_SECONDS = 0.5


def make_schema(lang=ENGLISH):
    """The fields of an index of articles in one language (`lang`, analysis.Language)."""
    ANALYZER, PAIR_ANALYZER, WORD_ANALYZER = lang.analyzer, lang.pair_analyzer, lang.word_analyzer
    return Schema(
        slug=ID(stored=True, unique=True, sortable=True),
        category=ID(stored=True),
        title=TEXT(analyzer=ANALYZER, stored=True, phrase=False),
        headings=TEXT(analyzer=ANALYZER, phrase=False),
        tags=TEXT(analyzer=ANALYZER, phrase=False),
        summary=TEXT(analyzer=ANALYZER, phrase=False),
        body=TEXT(analyzer=ANALYZER, phrase=False),
        title_pairs=TEXT(analyzer=PAIR_ANALYZER, phrase=False),
        body_pairs=TEXT(analyzer=PAIR_ANALYZER, phrase=False),
        words=TEXT(analyzer=WORD_ANALYZER, phrase=False),
        text=STORED,
    )


def article_document(slug, category, title, headings, tags, summary, body, sentences):
    """The fields indexed for one article (plain text in, no Markdown); `sentences` are its
    prose for snippets."""
    return {
        "slug": slug,
        "category": category,
        "title": title,
        "headings": "\n".join(headings),
        "tags": ", ".join(tags),
        "summary": summary,
        "body": body,
        "title_pairs": title,
        "body_pairs": body,
        "words": "\n".join([title, *headings, *tags, summary, body]),
        # One sentence a line: snippets are made of whole sentences.
        "text": _stored_text(summary, sentences),
    }


def _stored_text(summary, sentences):
    lines, size = ([" ".join(summary.split())] if summary.strip() else []), 0
    for sentence in sentences:
        if size > STORED_TEXT_CHARS:
            break
        lines.append(sentence)
        size += len(sentence) + 1
    return "\n".join(lines)


def _text(term):
    return term.decode("utf-8") if isinstance(term, bytes) else term


class ArticleIndex:
    """A Whoosh index in one folder, with one open searcher per thread.

    Whoosh commits by writing a new table of contents after the segments it names, so a
    searcher opened before a commit keeps reading the old generation whole; `searcher()`
    moves each thread's searcher to the newest one, and cached term data is keyed by
    generation.
    """

    def __init__(self, path, lang=ENGLISH):
        self.path = str(path)
        self.lang = lang
        self._ix = None
        self._local = threading.local()
        self._cache = OrderedDict()
        self._cache_size = 0
        self._cache_lock = threading.Lock()
        self._frequencies = (None, {})  # (generation, {(field, term): doc frequency})
        self._newest = (None, 0.0)  # (newest generation on disk, time.monotonic() read)

    # --- opening and writing ---------------------------------------------------------

    def exists(self):
        return whoosh_index.exists_in(self.path)

    def open(self):
        """Open the index; raises when it is missing or unreadable."""
        self._ix = whoosh_index.open_dir(self.path)
        self._newest = (None, 0.0)
        self._ix.doc_count()  # read the table of contents now, not on the first search
        return self

    def create(self):
        self._ix = whoosh_index.create_in(self.path, make_schema(self.lang))
        self._newest = (None, 0.0)
        return self

    def write(self, documents, deleted=(), full=False):
        """Add or replace `documents`, remove `deleted` slugs; `full` replaces everything."""
        writer = self._ix.writer(timeout=30.0)
        try:
            for slug in deleted:
                writer.delete_by_term("slug", slug)
            for doc in documents:
                (writer.add_document if full else writer.update_document)(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR) if full else writer.commit()
        self._newest = (None, 0.0)

    def doc_count(self):
        return self.searcher().doc_count()

    def close(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    def searcher(self):
        """This thread's searcher, moved to the newest committed generation."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._ix.searcher()
        elif searcher.ixreader.generation() != self._newest_generation():
            try:
                searcher = searcher.refresh()
            except TypeError as exc:
                # What whoosh raises when the index's files vanished under a live reader
                # (another process deleted the folder): a damaged index, not a bug.
                raise whoosh_index.EmptyIndexError(f"index files gone: {exc}") from exc
        self._local.searcher = searcher
        return searcher

    def _newest_generation(self):
        generation, read_at = self._newest
        now = time.monotonic()
        if generation is None or now - read_at >= GENERATION_CHECK_SECONDS:
            generation = self._ix.latest_generation()
            self._newest = (generation, now)
        return generation

    # --- what ranking.py asks ----------------------------------------------------------

    def view(self):
        """A consistent view of the newest generation for one query."""
        return IndexView(self, self.searcher())

    def _cached(self, key, compute, size=lambda value: 1):
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key][0]
        value = compute()
        cost = size(value)
        with self._cache_lock:
            if key not in self._cache:
                self._cache[key] = (value, cost)
                self._cache_size += cost
            while self._cache_size > CACHE_POSTINGS and len(self._cache) > 1:
                _, (_, old_cost) = self._cache.popitem(last=False)
                self._cache_size -= old_cost
        return value

    def _frequency(self, generation, reader, fieldname, term):
        # A plain dict, no lock: a lookup costs far less than Whoosh's term table, and
        # two threads racing only look the same number up twice.
        seen, known = self._frequencies
        if seen != generation or len(known) > FREQUENCIES_KEPT:
            known = {}
            self._frequencies = (generation, known)
        found = known.get((fieldname, term))
        if found is None:
            found = known[fieldname, term] = reader.doc_frequency(fieldname, term)
        return found

    def related(self, slug, limit=5):
        """Articles that share the most distinctive words with `slug`."""
        searcher = self.searcher()
        docnum = searcher.document_number(slug=slug)
        if docnum is None:
            return []

        def compute():
            text = searcher.stored_fields(docnum).get("text", "")
            return [hit["slug"] for hit in searcher.more_like(docnum, "body", text=text, top=limit)]
        return self._cached((searcher.ixreader.generation(), "related", slug, limit), compute)


class Scores:
    """The articles matching one term or word, and their scores, as two arrays.

    `docs` holds docnums in ascending order, each once; `values` their scores (all > 0).
    """

    __slots__ = ("docs", "values")

    def __init__(self, docs=None, values=None):
        self.docs = np.zeros(0, dtype=np.int32) if docs is None else docs
        self.values = np.zeros(0) if values is None else values
        # Cached and shared by every request of the generation: never changed in place.
        self.docs.flags.writeable = self.values.flags.writeable = False

    @classmethod
    def from_dense(cls, dense):
        """From an array of scores by docnum, where 0 means "does not match"."""
        docs = np.flatnonzero(dense).astype(np.int32)
        return cls(docs, dense[docs])

    def __len__(self):
        return len(self.docs)


class IndexView:
    """Term statistics of one index generation, cached across queries."""

    def __init__(self, index, searcher):
        self.index = index
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = self.reader.generation()
        self.size = searcher.doc_count_all()  # docnums run from 0 to size - 1
        self.doc_count = max(self.size, 1)

    def doc_frequency(self, fieldname, term):
        """How many articles hold `term` in `fieldname` (asked many times per keystroke)."""
        return self.index._frequency(self.generation, self.reader, fieldname, term)

    def cached(self, key, compute, size=lambda value: 1):
        """Memoise a value derived from this generation (shared by all queries)."""
        return self.index._cached((self.generation, *key), compute, size)

    def frequent_terms(self, count):
        """The `count` index terms found in the most article bodies."""
        return [_text(t) for _, t in self.reader.most_frequent_terms("body", count)]

    def has_word(self, word):
        # The words field holds words without their accents, as typed or not.
        return self.doc_frequency("words", fold(word)) > 0

    def published_word(self, word):
        """Whether a published article holds `word`. Whoosh keeps the terms of deleted
        documents (drafts, removed files) until segments merge: their postings tell."""
        word = fold(word)
        if not self.has_word(word):
            return False
        if self.alive() is None:
            return True
        return self.index._cached((self.generation, "published", word),
                                  lambda: len(self.postings("words", word)[0]) > 0)

    def completions(self, prefix, number):
        """The most frequent indexed words starting with `prefix`."""
        prefix = fold(prefix)

        def compute():
            return [_text(word) for _, word in
                    self.reader.most_frequent_terms("words", number=number, prefix=prefix)]
        return self.index._cached((self.generation, "prefix", prefix, number), compute)

    def corrections(self, word, number):
        """Published words nearest to `word`, most frequent first: those at the smallest
        edit distance only (a transposition counts one), at most one edit for words of
        five letters or fewer and two for longer ones."""
        allowed = 1 if len(word) <= 5 else 2
        word = fold(word)

        def compute():
            near = {}
            for found in self.reader.terms_within("words", word, 2, prefix=1):
                found = _text(found)
                distance = damerau_levenshtein(word, found, allowed + 1)
                if found != word and distance <= allowed:
                    near[found] = distance
            near = {w: d for w, d in near.items() if self.published_word(w)}
            closest = min(near.values(), default=0)
            ranked = sorted((w for w, d in near.items() if d == closest),
                            key=lambda w: (-self.doc_frequency("words", w), w))
            return ranked[:number]
        return self.index._cached((self.generation, "typo", word, number), compute)

    def term_scores(self, term, boosts, k1, field_b, skip_body_share):
        """BM25 summed over the fields, each times its boost, for one term (`Scores`)."""
        key = (self.generation, "scores", term, tuple(sorted(boosts.items())), k1,
               tuple(sorted(field_b.items())), skip_body_share)
        return self.index._cached(key, lambda: self._score_term(
            term, boosts, k1, field_b, skip_body_share), size=lambda scores: len(scores) + 1)

    def _score_term(self, term, boosts, k1, field_b, skip_body_share):
        # Measured: per-field BM25 summed beat BM25F's single saturation on the relevance
        # set (a word across title, summary and body marks the article as about it).
        searcher = self.searcher
        skip_body = self.doc_frequency("body", term) / self.doc_count > skip_body_share
        docs_parts, value_parts = [], []
        for fieldname, boost in boosts.items():
            if (skip_body and fieldname == "body") or not boost:
                continue
            if not self.doc_frequency(fieldname, term):
                continue
            docs, tf = self.postings(fieldname, term)
            if not len(docs):
                continue
            idf = searcher.idf(fieldname, term)
            avg = searcher.avg_field_length(fieldname) or 1.0
            b = field_b.get(fieldname, field_b.get("*", 0.75))
            # bm25(idf, tf, fl) = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * fl / avg))
            scale, base, per_length = boost * idf * (k1 + 1), k1 * (1 - b), k1 * b / avg
            docs_parts.append(docs)
            lengths = self.lengths(fieldname)[docs]
            value_parts.append(scale * tf / (tf + base + per_length * lengths))
        if not docs_parts:
            return Scores()
        if len(docs_parts) == 1:
            return Scores(docs_parts[0], value_parts[0])
        # Summed field by field, in the order of `boosts`.
        return Scores.from_dense(np.bincount(np.concatenate(docs_parts),
                                             weights=np.concatenate(value_parts),
                                             minlength=self.size))

    def postings(self, fieldname, term):
        """(docnums, term frequencies) of one term in one field, as arrays, in docnum order;
        deleted articles (the old copies of edited ones) left out."""
        docs, weights = [], []
        for leaf, offset in self.reader.leaf_readers():
            if not leaf.doc_frequency(fieldname, term):
                continue
            matcher = leaf.postings(fieldname, term)
            # Read the block matcher under Whoosh's filter of deleted documents (which has
            # only stepped over the leading ones); the rest are masked out below.
            while isinstance(matcher, WrappingMatcher):
                matcher = matcher.child
            leaf_docs, leaf_weights = _read_postings(matcher)
            docs.append(np.asarray(leaf_docs, dtype=np.int32) + offset)
            weights.append(np.asarray(leaf_weights, dtype=np.float64))
        if not docs:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        docs = docs[0] if len(docs) == 1 else np.concatenate(docs)
        weights = weights[0] if len(weights) == 1 else np.concatenate(weights)
        alive = self.alive()
        if alive is not None:
            keep = alive[docs]
            docs, weights = docs[keep], weights[keep]
        return docs, weights

    def alive(self):
        """A mask of the docnums not deleted, or None when nothing is deleted."""
        def compute():
            if not self.reader.has_deletions():
                return None
            mask = np.zeros(self.size, dtype=bool)
            mask[np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)] = True
            return mask
        return self.index._cached((self.generation, "alive"), compute,
                                  size=lambda mask: 1 if mask is None else len(mask) // 8)

    def lengths(self, fieldname):
        """Every article's length in `fieldname`, by docnum (read once per generation)."""
        def compute():
            length = self.reader.doc_field_length
            return np.array([length(doc, fieldname, 0) for doc in range(self.size)],
                            dtype=np.float64)
        return self.index._cached((self.generation, "lengths", fieldname), compute,
                                  size=len)

    def stored(self, docnum):
        return self.searcher.stored_fields(docnum)

    def docnum(self, slug):
        """The live document of a slug, or None."""
        return self.searcher.document_number(slug=slug)


def _read_postings(matcher):
    """([docnum], [term frequency]) of a leaf matcher, read a block at a time.

    Whoosh's own block matcher decodes a whole block at once; asking it posting by posting
    (`id()`, `weight()`, `next()`) costs three Python calls per article. Other matchers
    (a term found in one article is stored inline, in a list matcher) are read the public
    way.
    """
    docs, weights = [], []
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            docs.extend(matcher._ids[matcher._i:])
            weights.extend(matcher._weights[matcher._i:])
            matcher._next_block()
        return docs, weights
    while matcher.is_active():
        docs.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return docs, weights


# What a damaged or vanished index raises while being read (as opposed to a bug).
INDEX_FAILURES = (OSError, EOFError, struct.error, zlib.error, whoosh_index.IndexError,
                  whoosh_index.EmptyIndexError, whoosh_index.IndexVersionError)


class IndexUnavailable(Exception):
    """The index cannot be opened (missing or corrupt)."""


def open_or_fail(path, lang=ENGLISH):
    index = ArticleIndex(path, lang)
    with warnings.catch_warnings():
        # Whoosh leaves a damaged table of contents open when it fails to read it: let it
        # be closed here, quietly, instead of warning at some later collection.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            if index.exists():
                return index.open()
            reason = "no index"
        except Exception as exc:  # Whoosh raises many kinds for a damaged folder
            reason = f"index unreadable: {exc.__class__.__name__}: {exc}"
        gc.collect()
    raise IndexUnavailable(reason)
