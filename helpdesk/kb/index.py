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
import re
import struct
import threading
import warnings
import zlib
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from whoosh import index as whoosh_index
from whoosh.analysis import (STOP_WORDS, Filter, LowercaseFilter, RegexTokenizer,
                             StemmingAnalyzer, StopFilter)
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.writing import CLEAR

# Bump when the schema or the analysis changes: a mismatch rebuilds the index.
SCHEMA_VERSION = 4

# Words people type into a help center's box that say nothing about the problem.
HELP_STOP_WORDS = frozenset(STOP_WORDS) | {
    "how", "do", "does", "did", "doing", "i", "im", "me", "my", "mine", "what", "why", "where",
    "which", "who", "whom", "there", "their", "they", "them", "was", "were", "been", "has",
    "had", "would", "should", "could", "am", "its", "our", "so", "but", "about", "into",
    "than", "then", "also", "just", "please", "help", "hi", "hello", "thanks", "any", "some",
}

ANALYZER = StemmingAnalyzer(stoplist=HELP_STOP_WORDS, minsize=2, cachesize=200_000)
PAIR_SEPARATOR = " "


class PairFilter(Filter):
    """Neighbouring stems as one term ("clear cach"): phrase and proximity matches at the
    cost of one more term lookup instead of reading positions. (Whoosh's BiWordFilter
    fails on a text with no words left after stop words.)"""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            text = token.text
            if previous is not None:
                token.text = previous + PAIR_SEPARATOR + text
                yield token
            previous = text


PAIR_ANALYZER = ANALYZER | PairFilter()
# Unstemmed words: completions of a half-typed word and spelling corrections come from
# here, so "configura" completes to "configuration" and "Did you mean" shows real words.
WORD_ANALYZER = RegexTokenizer() | LowercaseFilter() | StopFilter(stoplist=HELP_STOP_WORDS,
                                                                  minsize=2)
WORD_PATTERN = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)

STORED_TEXT_CHARS = 3000
SNIPPET_CHARS = 200
# Cached (article, score) entries; as arrays, 12 bytes each: 2 million is about 24 MB.
CACHE_POSTINGS = 2_000_000
FREQUENCIES_KEPT = 200_000  # remembered (field, term) document frequencies


def make_schema():
    return Schema(
        slug=ID(stored=True, unique=True),
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


def article_document(slug, category, title, headings, tags, summary, body):
    """The fields indexed for one article (plain text in, no Markdown)."""
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
        # One line of plain text: snippet offsets index into exactly this string.
        "text": " ".join(((summary + " " if summary else "") + body[:STORED_TEXT_CHARS]).split()),
    }


@lru_cache(maxsize=200_000)
def stem(word):
    """The index term for one word, or None for a stop word."""
    tokens = [t.text for t in ANALYZER(word)]
    return tokens[0] if tokens else None


def words_of(text):
    return [w.lower() for w in WORD_PATTERN.findall(text)]


def _text(term):
    return term.decode("utf-8") if isinstance(term, bytes) else term


class ArticleIndex:
    """A Whoosh index in one folder, with one open searcher per thread.

    Whoosh commits by writing a new table of contents after the segments it names, so a
    searcher opened before a commit keeps reading the old generation whole; `searcher()`
    moves each thread's searcher to the newest one, and cached term data is keyed by
    generation.
    """

    def __init__(self, path):
        self.path = str(path)
        self._ix = None
        self._local = threading.local()
        self._cache = OrderedDict()
        self._cache_size = 0
        self._cache_lock = threading.Lock()
        self._frequencies = (None, {})  # (generation, {(field, term): doc frequency})

    # --- opening and writing ---------------------------------------------------------

    def exists(self):
        return whoosh_index.exists_in(self.path)

    def open(self):
        """Open the index; raises when it is missing or unreadable."""
        self._ix = whoosh_index.open_dir(self.path)
        self._ix.doc_count()  # read the table of contents now, not on the first search
        return self

    def create(self):
        self._ix = whoosh_index.create_in(self.path, make_schema())
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
        elif not searcher.up_to_date():
            try:
                searcher = searcher.refresh()
            except TypeError as exc:
                # What whoosh raises when the index's files vanished under a live reader
                # (another process deleted the folder): a damaged index, not a bug.
                raise whoosh_index.EmptyIndexError(f"index files gone: {exc}") from exc
        self._local.searcher = searcher
        return searcher

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
        return self.doc_frequency("words", word) > 0

    def completions(self, prefix, number):
        """The most frequent indexed words starting with `prefix`."""
        def compute():
            return [_text(word) for _, word in
                    self.reader.most_frequent_terms("words", number=number, prefix=prefix)]
        return self.index._cached((self.generation, "prefix", prefix, number), compute)

    def corrections(self, word, number):
        """Indexed words one (short words) or two edits away, most frequent first."""
        def compute():
            maxdist = 1 if len(word) <= 5 else 2
            near = {_text(w) for w in self.reader.terms_within("words", word, maxdist, prefix=1)}
            near.discard(word)
            ranked = sorted(near, key=lambda w: (-self.doc_frequency("words", w), w))
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
            value_parts.append(scale * tf / (tf + base + per_length * self.lengths(fieldname)[docs]))
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


@lru_cache(maxsize=4096)
def _candidates(heads):
    """A pattern for words that may match: those starting like a wanted term.

    Keyed by first letters only, so the pattern compiled for "pas" serves "pass",
    "passw"... as the user goes on typing."""
    starts = sorted(re.escape(h) for h in heads)
    return re.compile(r"(?<!\w)(?:%s)\w*(?:\.\w+)*" % "|".join(starts), re.IGNORECASE)


def make_snippet(text, words, prefix="", width=SNIPPET_CHARS):
    """Plain-text snippet around the densest run of matched words, with [start, end] spans.

    `words` are index terms (stems); `prefix` is the half-typed word, matched on the
    surface form. Only words that start like a wanted term are looked at and stemmed.
    """
    matches = []
    heads = frozenset(w[:3] for w in words) | ({prefix[:3]} if prefix else set())
    if heads:
        for m in _candidates(heads).finditer(text):
            surface = m.group(0).lower()
            if prefix and surface.startswith(prefix):
                matches.append((m.start(), m.end(), prefix))
            else:
                term = stem(surface)
                if term in words:
                    matches.append((m.start(), m.end(), term))
    if not matches:
        return _cut(text, 0, width), []
    # The window of `width` characters holding the most distinct words (then most words),
    # slid over the matches: `held` counts the words of matches[first:last].
    held, best_start, best_score, last = {}, 0, -1, 0
    for first, (start, _, _) in enumerate(matches):
        last = max(last, first)
        while last < len(matches) and matches[last][1] <= start + width:
            term = matches[last][2]
            held[term] = held.get(term, 0) + 1
            last += 1
        score = len(held) * 10 + (last - first)
        if score > best_score:
            best_start, best_score = start, score
        if last > first:
            term = matches[first][2]
            held[term] -= 1
            if not held[term]:
                del held[term]
    # Begin a little before the first match, at a word boundary.
    begin = max(0, best_start - width // 4)
    if begin:
        space = text.find(" ", begin, best_start)
        begin = space + 1 if space != -1 else best_start
    snippet = _cut(text, begin, width)
    lead = 1 if begin else 0  # the "…" prepended by _cut
    end = begin + len(snippet) - lead - (1 if snippet.endswith("…") else 0)
    spans = [[s - begin + lead, e - begin + lead] for s, e, _ in matches
             if s >= begin and e <= end]
    return snippet, spans


def _cut(text, begin, width):
    """`width` characters of text from `begin`, ended at a word boundary, with ellipses."""
    piece = text[begin:begin + width]
    if begin + width < len(text):
        space = piece.rfind(" ")
        if space > width // 2:
            piece = piece[:space]
        piece = piece.rstrip() + "…"
    return ("…" + piece) if begin else piece


# What a damaged or vanished index raises while being read (as opposed to a bug).
INDEX_FAILURES = (OSError, EOFError, struct.error, zlib.error, whoosh_index.IndexError,
                  whoosh_index.EmptyIndexError, whoosh_index.IndexVersionError)


class IndexUnavailable(Exception):
    """The index cannot be opened (missing or corrupt)."""


def open_or_fail(path):
    index = ArticleIndex(path)
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
