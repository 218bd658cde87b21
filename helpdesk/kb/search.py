"""The article index: the only module that imports Whoosh.

User text never reaches Whoosh's query parser. Words are cut out of the text with the same
tokenizer the index uses, stemmed, and turned into term queries built here, so `title:x`,
`*`, `"` or `OR` are just words. The query length, the number of words and the expansion
of the word being typed are all capped.
"""

import re
import threading
from dataclasses import dataclass, field

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh import scoring
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.writing import CLEAR

# Words people type into a help center's box that say nothing about the problem.
HELP_STOP_WORDS = frozenset(STOP_WORDS) | {
    "how", "do", "does", "did", "doing", "i", "im", "me", "my", "mine", "what", "why", "where",
    "which", "who", "whom", "there", "their", "they", "them", "was", "were", "been", "has",
    "had", "would", "should", "could", "am", "its", "our", "so", "but", "about", "into",
    "than", "then", "also", "just", "please", "help", "hi", "hello", "thanks", "any", "some",
}

ANALYZER = StemmingAnalyzer(stoplist=HELP_STOP_WORDS, minsize=2, cachesize=200_000)
# Same tokens, stop words kept: used to find the words of a user's text.
_WORDS = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)

FIELD_BOOSTS = {"title": 5.0, "tags": 2.5, "headings": 2.0, "summary": 1.5, "body": 1.0}
PREFIX_FIELDS = ("title", "tags", "headings", "body")
PREFIX_EXPANSION = 24  # most frequent completions of the word being typed
MIN_PREFIX = 2
SNIPPET_CHARS = 200
STORED_TEXT_CHARS = 3000


def make_schema():
    return Schema(
        slug=ID(stored=True, unique=True),
        category=ID(stored=True),
        title=TEXT(analyzer=ANALYZER),
        headings=TEXT(analyzer=ANALYZER),
        tags=TEXT(analyzer=ANALYZER),
        summary=TEXT(analyzer=ANALYZER),
        body=TEXT(analyzer=ANALYZER),
        text=STORED,
    )


@dataclass
class Hit:
    slug: str
    score: float
    snippet: str = ""
    highlights: list = field(default_factory=list)  # [[start, end], ...] into snippet


@dataclass
class Results:
    hits: list
    total: int
    page: int = 1
    pages: int = 1


@dataclass
class UserQuery:
    """What the user typed, reduced to index terms."""

    stems: list  # complete words, stemmed
    prefix: str = ""  # the word still being typed, lower case

    def __bool__(self):
        return bool(self.stems or self.prefix)


def stem(word):
    tokens = [t.text for t in ANALYZER(word)]
    return tokens[0] if tokens else None


def user_query(text, *, max_chars=200, max_terms=12, prefix_last=False):
    """Turn free text into a UserQuery; nothing in it is treated as syntax."""
    text = (text or "")[:max_chars]
    words = [w.lower() for w in _WORDS.findall(text)]
    prefix = ""
    if prefix_last and words and text[-1:].isalnum():
        prefix = words.pop()
        if len(prefix) < MIN_PREFIX:
            prefix = ""
    stems = []
    for word in words:
        s = stem(word)
        if s and s not in stems:
            stems.append(s)
    return UserQuery(stems=stems[:max_terms], prefix=prefix)


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
        # One line of plain text: snippet offsets index into exactly this string.
        "text": " ".join(((summary + " " if summary else "") + body[:STORED_TEXT_CHARS]).split()),
    }


class ArticleIndex:
    """A Whoosh index in one folder, with one open searcher per thread.

    Whoosh commits by writing a new table of contents after the segments it names, so a
    searcher opened before a commit keeps reading the old generation whole; `refresh`
    moves each thread's searcher to the newest one.
    """

    def __init__(self, path):
        self.path = str(path)
        self._ix = None
        self._local = threading.local()
        self._weighting = scoring.BM25F(B=0.75, K1=1.2)

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

    @property
    def ready(self):
        return self._ix is not None

    def write(self, documents, deleted=(), full=False):
        """Add or replace `documents`, remove `deleted` slugs; `full` replaces everything."""
        writer = self._ix.writer(timeout=30.0)
        try:
            for slug in deleted:
                writer.delete_by_term("slug", slug)
            for doc in documents:
                if full:
                    writer.add_document(**doc)
                else:
                    writer.update_document(**doc)
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

    # --- reading ---------------------------------------------------------------------

    def searcher(self):
        """This thread's searcher, moved to the newest committed generation."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._ix.searcher(weighting=self._weighting)
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        self._local.searcher = searcher
        return searcher

    def _expansions(self, searcher, prefix):
        """The most frequent indexed words the half-typed `prefix` may become."""
        reader = searcher.reader()
        starts = {prefix}
        stemmed = stem(prefix)
        if stemmed:
            starts.add(stemmed)
        found = {}
        for fieldname in PREFIX_FIELDS:
            words = set()
            for start in starts:
                words.update(w for _, w in reader.most_frequent_terms(
                    fieldname, number=PREFIX_EXPANSION, prefix=start))
            if words:
                found[fieldname] = sorted(words)
        return found

    def build_query(self, searcher, uq):
        """A scored query for a UserQuery, or None when nothing is left to search for."""
        clauses = []
        for term in uq.stems:
            clauses.append(wq.Or([wq.Term(f, term, boost=b) for f, b in FIELD_BOOSTS.items()]))
        if uq.prefix:
            expanded = self._expansions(searcher, uq.prefix)
            terms = [wq.Term(f, w, boost=FIELD_BOOSTS[f]) for f, words in expanded.items()
                     for w in words]
            if terms:
                clauses.append(wq.Or(terms))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else wq.Or(clauses, scale=0.9)

    def _highlight_words(self, searcher, uq):
        words = set(uq.stems)
        if uq.prefix:
            for completions in self._expansions(searcher, uq.prefix).values():
                words.update(completions)
        return words

    def search(self, uq, page=1, pagelen=10):
        searcher = self.searcher()
        q = self.build_query(searcher, uq)
        if q is None:
            return Results(hits=[], total=0)
        results = searcher.search_page(q, page, pagelen=pagelen)
        words = self._highlight_words(searcher, uq)
        hits = [self._hit(h, words, uq.prefix) for h in results]
        return Results(hits=hits, total=len(results), page=results.pagenum,
                       pages=results.pagecount)

    def suggest(self, uq, limit=5):
        searcher = self.searcher()
        q = self.build_query(searcher, uq)
        if q is None:
            return []
        results = searcher.search(q, limit=limit)
        words = self._highlight_words(searcher, uq)
        return [self._hit(h, words, uq.prefix) for h in results]

    def related(self, slug, limit=5):
        """Articles that share the most distinctive words with `slug`."""
        searcher = self.searcher()
        docnum = searcher.document_number(slug=slug)
        if docnum is None:
            return []
        text = searcher.stored_fields(docnum).get("text", "")
        results = searcher.more_like(docnum, "body", text=text, top=limit)
        return [hit["slug"] for hit in results]

    @staticmethod
    def _hit(hit, words, prefix):
        snippet, spans = make_snippet(hit.get("text", ""), words, prefix)
        return Hit(slug=hit["slug"], score=hit.score, snippet=snippet, highlights=spans)


def make_snippet(text, words, prefix="", width=SNIPPET_CHARS):
    """Plain-text snippet around the densest run of matched words, with [start, end] spans."""
    matches = []
    for token in ANALYZER(text, chars=True, keeporiginal=True, removestops=False):
        if token.text in words or (prefix and token.original.lower().startswith(prefix)):
            matches.append((token.startchar, token.endchar, token.text))
    if not matches:
        return _cut(text, 0, width), []
    best_start, best_score = 0, -1
    for start, _, _ in matches:
        window = [m for m in matches if start <= m[0] and m[1] <= start + width]
        score = len({m[2] for m in window}) * 10 + len(window)
        if score > best_score:
            best_start, best_score = start, score
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


class IndexUnavailable(Exception):
    """The index cannot be opened (missing or corrupt)."""


def open_or_fail(path):
    index = ArticleIndex(path)
    try:
        if not index.exists():
            raise IndexUnavailable("no index")
        return index.open()
    except IndexUnavailable:
        raise
    except Exception as exc:  # Whoosh raises many kinds for a damaged folder
        raise IndexUnavailable(f"index unreadable: {exc.__class__.__name__}: {exc}") from exc
