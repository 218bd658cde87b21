"""From what the user typed to ranked articles.

Each lever below was measured with `benchmarks/relevance.py` on the Magento support KB
(real articles, queries in users' words) and kept only where it helped:

* BM25F-style field weights: a word in the title counts more than the same word in the
  body, then tags, headings and summary.
* Words found in a large share of articles (a product name, boilerplate) are scored in
  the short fields only: they tell articles apart the least and cost the most.
* The half-typed last word stands for itself and its most frequent completions.
* Words the index does not know are replaced by the nearest indexed words ("pasword" ->
  "password"), and the search page offers the corrected query as "Did you mean".
* Coverage: an article holding more of the query's distinct words (weighted by how rare
  they are) beats one that repeats a single word.
* Word pairs: neighbouring query words that stand together in a title or body count extra
  (a cheap phrase and proximity match, indexed as pairs of stems).
* Synonyms a help center configures (`SEARCH_SYNONYMS_FILE`) widen a word to its
  equivalents.
"""

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .index import PAIR_SEPARATOR, Scores, make_snippet, stem, words_of


@dataclass
class Ranking:
    boosts: dict = field(default_factory=lambda: {
        "title": 3.0, "tags": 2.5, "headings": 2.0, "summary": 1.5, "body": 1.0})
    pair_boosts: dict = field(default_factory=lambda: {"title_pairs": 5.0, "body_pairs": 2.0})
    field_b: dict = field(default_factory=lambda: {"*": 0.75, "title": 0.5, "tags": 0.5})
    k1: float = 1.2
    common_share: float = 0.3
    completions: int = 12
    completion_weight: float = 0.4
    short_prefix: int = 3  # completions of prefixes this short skip article bodies
    corrections: int = 2
    correction_weight: float = 0.8
    synonym_weight: float = 0.8
    coverage_weight: float = 2.0


@dataclass
class UserQuery:
    """What the user typed: its words (lower case) and the word still being typed."""

    text: str
    words: list
    prefix: str = ""

    def __bool__(self):
        return bool(self.words or self.prefix)


def user_query(text, *, max_chars=200, max_terms=12, prefix_last=False):
    """Cut free text into words; nothing in it is treated as query syntax."""
    text = (text or "")[:max_chars]
    words = words_of(text)[:max_terms + 1]
    prefix = ""
    if prefix_last and words and text[-1:].isalnum():
        prefix = words.pop()
        if len(prefix) < 2:
            prefix = ""
    return UserQuery(text=text, words=words[:max_terms], prefix=prefix)


@dataclass
class Concept:
    """One thing the user asked for: index terms that each stand for it, with weights."""

    word: str
    terms: dict  # stem -> weight
    corrected: str | None = None  # the word to show in "Did you mean"
    # Terms looked up in titles, tags, headings and summaries only, never in bodies.
    short_only: frozenset = frozenset()


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
    corrected: str | None = None  # the query with its misspelled words replaced
    warming: bool = False  # no index yet: it is being built


class Ranker:
    def __init__(self, ranking=None, synonyms=None):
        self.ranking = ranking or Ranking()
        self.synonyms = synonyms or {}  # stem -> {stem, ...}

    # --- understanding the query -----------------------------------------------------

    def concepts(self, view, uq):
        concepts = []
        seen = set()
        for word in uq.words:
            term = stem(word)
            if not term or term in seen:
                continue
            seen.add(term)
            known = view.has_word(word) or view.doc_frequency("body", term) or \
                view.doc_frequency("title", term)
            if known or term in self.synonyms:
                concepts.append(self._widen(Concept(word, {term: 1.0})))
                continue
            concept = self._corrected(view, word)
            if concept:
                concepts.append(concept)
        if uq.prefix:
            concept = self._typing(view, uq.prefix)
            if concept and not (set(concept.terms) <= seen):
                concepts.append(concept)
        return concepts

    def _widen(self, concept):
        for term in list(concept.terms):
            for alt in self.synonyms.get(term, ()):
                concept.terms.setdefault(alt, self.ranking.synonym_weight)
        return concept

    def _corrected(self, view, word):
        fixes = view.corrections(word, self.ranking.corrections)
        terms = {}
        for fix in fixes:
            term = stem(fix)
            if term:
                terms.setdefault(term, self.ranking.correction_weight)
        return Concept(word, terms, corrected=fixes[0]) if terms else None

    def _typing(self, view, prefix):
        """The half-typed last word: itself, its completions, or a correction."""
        r = self.ranking
        # Two letters say little: fewer completions, each with long postings.
        completions = view.completions(prefix, min(r.completions, 4 * (len(prefix) - 1)))
        terms = {}
        own = stem(prefix)
        if own and (view.has_word(prefix) or view.doc_frequency("body", own)):
            terms[own] = 1.0
        for completion in completions:
            term = stem(completion)
            if term:
                terms.setdefault(term, r.completion_weight)
        if terms:
            # After three letters or fewer, a completion is a guess: it may lift a title,
            # but is not worth reading every body that holds a frequent word.
            guesses = frozenset(terms) - {own} if len(prefix) <= r.short_prefix else frozenset()
            return self._widen(Concept(prefix, terms, short_only=guesses))
        if len(prefix) > 3:
            # Nothing starts with it: most likely a finished word with a typo.
            return self._corrected(view, prefix)
        return None

    # --- scoring ---------------------------------------------------------------------

    def rank(self, view, concepts, top=None):
        """(number of matching articles, [(score, docnum)] best first, the `top` best).

        Scores are summed in arrays indexed by docnum: a word found in thousands of
        articles costs one vector addition.
        """
        r = self.ranking
        total = view.doc_count
        dfs = [max((view.doc_frequency("body", t) for t in c.terms), default=0) for c in concepts]
        # Common words are left out of bodies only while a rarer word carries the query;
        # asked alone ("settings"), they are looked up everywhere.
        common = r.common_share if any(df / total <= r.common_share for df in dfs) else 1.0
        # Coverage: the share of the query's weight (rarer words weigh more) an article holds.
        weights = [math.log(1 + total / (1 + df)) for df in dfs]
        whole = sum(weights) or 1.0
        scores, held = np.zeros(view.size), np.zeros(view.size)  # held: weight of words found
        for weight, concept in zip(weights, concepts):
            found = self._concept_scores(view, concept, common)
            scores[found.docs] += found.values
            held[found.docs] += weight
        for pair in self._pairs(concepts):
            found = view.term_scores(pair, r.pair_boosts, r.k1, r.field_b, 1.0)
            inside = held[found.docs] > 0  # a pair only lifts articles the words found
            scores[found.docs[inside]] += found.values[inside]
        matched = np.flatnonzero(held)  # every weight is > 0
        final = scores[matched] * (1.0 + r.coverage_weight * (held[matched] / whole))
        count = len(matched)
        if top is not None and top < count:
            # Everything at least as good as the top-th score; ties are settled below.
            kth = np.partition(final, count - top)[count - top]
            keep = final >= kth
            matched, final = matched[keep], final[keep]
        order = np.lexsort((matched, -final))[:top]  # ties: index order, so results are stable
        return count, list(zip(final[order].tolist(), matched[order].tolist()))

    def _concept_scores(self, view, concept, common):
        """`Scores` of one concept: the best of its terms, each times its weight."""
        r = self.ranking
        if len(concept.terms) == 1 and 1.0 in concept.terms.values():
            (term, _), = concept.terms.items()
            return view.term_scores(term, r.boosts, r.k1, r.field_b, common)

        def compute():
            best = np.zeros(view.size)
            for term, weight in concept.terms.items():
                share = 0.0 if term in concept.short_only else common
                found = view.term_scores(term, r.boosts, r.k1, r.field_b, share)
                best[found.docs] = np.maximum(best[found.docs], found.values * weight)
            return Scores.from_dense(best)
        # Completions of a half-typed word come back keystroke after keystroke.
        key = ("concept", tuple(sorted(concept.terms.items())), concept.short_only, r.k1, common,
               tuple(sorted(r.boosts.items())), tuple(sorted(r.field_b.items())))
        return view.cached(key, compute, size=len)

    @staticmethod
    def _pairs(concepts):
        """Index terms for neighbouring query words, as the pair fields store them."""
        pairs = []
        for a, b in zip(concepts, concepts[1:]):
            first = max(a.terms, key=a.terms.get)
            second = max(b.terms, key=b.terms.get)
            pairs.append(f"{first}{PAIR_SEPARATOR}{second}")
        return pairs

    def warm(self, view, count):
        """Fill the term cache with the `count` most frequent words (typed first)."""
        r = self.ranking
        for term in view.frequent_terms(count):
            view.term_scores(term, r.boosts, r.k1, r.field_b, r.common_share)

    # --- answers ---------------------------------------------------------------------

    def suggest(self, view, uq, limit=5):
        concepts = self.concepts(view, uq)
        _, ranked = self.rank(view, concepts, top=limit)
        return [self._hit(view, doc, score, concepts, uq.prefix) for score, doc in ranked]

    def search(self, view, uq, page=1, pagelen=10):
        concepts = self.concepts(view, uq)
        page = max(page, 1)
        total, ranked = self.rank(view, concepts, top=page * pagelen)
        pages = max(1, math.ceil(total / pagelen))
        if page > pages:  # past the end: show the last page
            page = pages
            total, ranked = self.rank(view, concepts, top=page * pagelen)
        chosen = ranked[(page - 1) * pagelen:page * pagelen]
        return Results(
            hits=[self._hit(view, doc, score, concepts, "") for score, doc in chosen],
            total=total, page=page, pages=pages,
            corrected=self._corrected_text(uq, concepts))

    @staticmethod
    def _hit(view, docnum, score, concepts, prefix):
        stored = view.stored(docnum)
        words = {term for c in concepts for term in c.terms}
        snippet, spans = make_snippet(stored.get("text", ""), words, prefix)
        return Hit(slug=stored["slug"], score=score, snippet=snippet, highlights=spans)

    @staticmethod
    def _corrected_text(uq, concepts):
        fixes = {c.word: c.corrected for c in concepts if c.corrected}
        if not fixes:
            return None
        return re.sub(r"\w+(?:\.?\w+)*", lambda m: fixes.get(m.group(0).lower(), m.group(0)),
                      uq.text).strip()


def load_synonyms(path):
    """Synonym groups, one per line, comma-separated; `#` starts a comment.

    Returns {stem: {other stems}}. Multi-word entries are skipped (one word each side).
    """
    groups = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            stems = {stem(w.strip().lower()) for w in line.split(",")
                     if w.strip() and len(words_of(w)) == 1}
            stems.discard(None)
            for s in stems:
                groups.setdefault(s, set()).update(stems - {s})
    return groups
