"""From what the user typed to ranked articles.

Each lever below was measured with `benchmarks/relevance.py` on the Magento support KB
(real articles, queries in users' words) and kept only where it helped on queries it was
not tuned on:

* BM25F-style field weights: a word in the title counts more than the same word in the
  body, then tags, headings and summary.
* Words found in a large share of articles (a product name, boilerplate) are scored in
  the short fields only: they tell articles apart the least and cost the most.
* The half-typed last word stands for itself and its most frequent completions.
* Words the index does not know are replaced by the nearest published words ("pasword" ->
  "password"), and the search page offers the corrected query as "Did you mean".
* Coverage: an article holding more of the query's distinct words (weighted by how rare
  they are) beats one that repeats a single word.
* Word pairs: neighbouring query words that stand together in a title or body count extra
  (a cheap phrase and proximity match, indexed as pairs of stems).
* Identifiers count whole and by their parts; filler words never find an article alone.
* Synonyms a help center configures (`SEARCH_SYNONYMS_FILE`) widen a word to its
  equivalents.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from .analysis import ENGLISH, PAIR_SEPARATOR, TOKEN, words_of
from .fusion import fuse
from .index import Scores
from .query import Concept, spelled
from .snippets import make_snippet


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
    also_share: float = 0.4  # a description word counts this much of a summary word


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
    """Ranks one index; `lang` (analysis.Language) is the language it was analyzed in."""

    def __init__(self, ranking=None, synonyms=None, lang=ENGLISH):
        self.ranking = ranking or Ranking()
        self.synonyms = synonyms or {}  # stem -> {stem, ...}
        self.lang = lang

    # --- understanding the query -----------------------------------------------------

    def concepts(self, view, uq):
        concepts, seen = [], set()
        for token in uq.words:
            self._add_token(view, token, concepts, seen, uq)
        if uq.prefix:
            self._add_typing(view, uq.prefix, concepts, seen, uq.correct)
        for token in uq.also:
            for concept in self._add_token(view, token, concepts, seen, uq):
                concept.share = self.ranking.also_share
        return concepts

    def _add_token(self, view, token, concepts, seen, uq):
        """Concepts of one finished token (an identifier whole, then its parts); returns
        the ones added."""
        whole, words = spelled(token)
        added = []
        if whole is not None:
            term = self.lang.stem(whole)
            if term and term not in seen and view.has_word(whole):
                seen.add(term)
                added.append(Concept(whole, {term: 1.0}, whole=True, weak=True))
        for word in words:
            concept = self._word(view, word, seen, correct=whole is None and uq.correct)
            if concept is not None:
                added.append(concept)
        concepts.extend(added)
        return added

    def _word(self, view, word, seen, correct=True):
        term = self.lang.stem(word)
        if not term or term in seen:
            return None
        seen.add(term)
        known = view.has_word(word) or view.doc_frequency("body", term) or \
            view.doc_frequency("title", term)
        if known or term in self.synonyms:
            return self._widen(Concept(word, {term: 1.0}, weak=term in self.lang.filler_terms))
        return self._corrected(view, word) if correct else None

    def _add_typing(self, view, prefix, concepts, seen, correct=True):
        whole, words = spelled(prefix)
        for word in words[:-1]:  # the finished parts of an identifier being typed
            concept = self._word(view, word, seen, correct=False)
            if concept is not None:
                concepts.append(concept)
        concept = self._typing(view, words[-1], whole, correct)
        if concept and not (set(concept.terms) <= seen):
            concepts.append(concept)

    def _widen(self, concept):
        for term in list(concept.terms):
            for alt in self.synonyms.get(term, ()):
                concept.terms.setdefault(alt, self.ranking.synonym_weight)
        return concept

    def _corrected(self, view, word):
        fixes = [f for f in view.corrections(word, self.ranking.corrections + 2)
                 if self.lang.stem(f) not in self.lang.filler_terms][:self.ranking.corrections]
        terms = {}
        for fix in fixes:
            term = self.lang.stem(fix)
            if term:
                terms.setdefault(term, self.ranking.correction_weight)
        return Concept(word, terms, corrected=fixes[0]) if terms else None

    def _typing(self, view, prefix, whole=None, correct=True):
        """The half-typed last word: itself, its completions, or a correction; `whole` is
        the identifier it ends, completed too."""
        r = self.ranking
        # Two letters say little: fewer completions, each with long postings.
        number = min(r.completions, 4 * (len(prefix) - 1))
        completions = view.completions(prefix, number) if len(prefix) >= 2 else []
        if whole:
            completions = view.completions(whole, r.completions) + completions
        terms = {}
        own = self.lang.stem(prefix)
        if own and (view.has_word(prefix) or view.doc_frequency("body", own)):
            terms[own] = 1.0
        for completion in completions:
            term = self.lang.stem(completion)
            if term and term not in self.lang.filler_terms:
                terms.setdefault(term, r.completion_weight)
        if terms:
            # After three letters or fewer, a completion is a guess: it may lift a title,
            # but is not worth reading every body that holds a frequent word.
            guesses = frozenset(terms) - {own} if len(prefix) <= r.short_prefix else frozenset()
            weak = set(terms) <= self.lang.filler_terms
            return self._widen(Concept(prefix, terms, short_only=guesses, weak=weak))
        if len(prefix) > 3 and not whole and correct:
            # Nothing starts with it: most likely a finished word with a typo.
            return self._corrected(view, prefix)
        return None

    # --- scoring ---------------------------------------------------------------------

    def rank(self, view, concepts, top=None, skip=()):
        """(number of matching articles, [(score, docnum)] best first, the `top` best),
        leaving out the docnums of `skip`.

        Scores are summed in arrays indexed by docnum: a word found in thousands of
        articles costs one vector addition.
        """
        r = self.ranking
        total = view.doc_count
        dfs = [max((view.doc_frequency("body", t) for t in c.terms), default=0) for c in concepts]
        strong = [c for c in concepts if not c.weak]
        # Common words are left out of bodies only while a rarer word carries the query;
        # asked alone ("settings"), they are looked up everywhere.
        common = r.common_share if any(
            df / total <= r.common_share for df, c in zip(dfs, concepts) if not c.weak) else 1.0
        # Coverage: the share of the query's weight (rarer words weigh more) an article holds.
        weights = [c.share * math.log(1 + total / (1 + df)) for df, c in zip(dfs, concepts)]
        whole = sum(w for w, c in zip(weights, concepts) if not c.weak) or 1.0
        scores, held = np.zeros(view.size), np.zeros(view.size)  # held: weight of words found
        for weight, concept in zip(weights, concepts):
            found = self._concept_scores(view, concept, common)
            scores[found.docs] += found.values * concept.share
            if not concept.weak:
                held[found.docs] += weight
        for pair, share in self._pairs(concepts):
            found = view.term_scores(pair, r.pair_boosts, r.k1, r.field_b, 1.0)
            inside = held[found.docs] > 0  # a pair only lifts articles the words found
            scores[found.docs[inside]] += found.values[inside] * share
        if len(skip):
            held[np.asarray(skip, dtype=np.int64)] = 0
        matched = np.flatnonzero(held) if strong else np.zeros(0, dtype=np.int64)
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
        """(index term, share) for neighbouring words, as the pair fields store them; whole
        identifiers stand aside (their parts pair up)."""
        words = [c for c in concepts if not c.whole]
        pairs = []
        for a, b in zip(words, words[1:]):
            first = max(a.terms, key=a.terms.get)
            second = max(b.terms, key=b.terms.get)
            pairs.append((f"{first}{PAIR_SEPARATOR}{second}", min(a.share, b.share)))
        return pairs

    def warm(self, view, count):
        """Fill the term cache with the `count` most frequent words (typed first)."""
        r = self.ranking
        for term in view.frequent_terms(count):
            view.term_scores(term, r.boosts, r.k1, r.field_b, r.common_share)

    # --- answers ---------------------------------------------------------------------

    def suggest(self, view, uq, limit=5, meaning=(), fusion=None, skip=()):
        """Hits for what is being typed; `meaning`, [(cosine, docnum)] best first, is fused
        with the words' ranking as `fusion` says; the docnums of `skip` are left out."""
        concepts = self.concepts(view, uq)
        top = max(limit, fusion.depth) if meaning else limit
        _, ranked = self.rank(view, concepts, top=top, skip=skip)
        if meaning:
            ranked = fuse(ranked, meaning, fusion, limit)
        return [self.hit(view, doc, score, concepts, uq.prefix.lower()) for score, doc in ranked]

    def search(self, view, uq, page=1, pagelen=10, meaning=(), fusion=None, skip=()):
        concepts = self.concepts(view, uq)
        page = max(page, 1)
        total, ranked = self._ordered(view, concepts, page * pagelen, meaning, fusion, skip)
        pages = max(1, math.ceil(total / pagelen))
        if page > pages:  # past the end: show the last page
            page = pages
            total, ranked = self._ordered(view, concepts, page * pagelen, meaning, fusion, skip)
        chosen = ranked[(page - 1) * pagelen:page * pagelen]
        return Results(
            hits=[self.hit(view, doc, score, concepts, "") for score, doc in chosen],
            total=total, page=page, pages=pages,
            corrected=self._corrected_text(uq, concepts))

    def _ordered(self, view, concepts, top, meaning, fusion, skip=()):
        """(total, [(score, docnum)] for the first `top` results): with `meaning`, the
        fused head, then the rest in the words' order."""
        if not meaning:
            return self.rank(view, concepts, top=top, skip=skip)
        total, ranked = self.rank(view, concepts, top=max(top, fusion.depth), skip=skip)
        head = fuse(ranked, meaning, fusion, 2 * fusion.depth)
        lexical = {doc for _, doc in ranked}
        shown = {doc for _, doc in head}
        total += sum(1 for doc in shown if doc not in lexical)
        return total, head + [(score, doc) for score, doc in ranked if doc not in shown]

    def hit(self, view, docnum, score, concepts, prefix):
        stored = view.stored(docnum)
        words = {term for c in concepts if not c.weak for term in c.terms
                 if term not in self.lang.filler_terms}
        snippet, spans = make_snippet(stored.get("text", ""), words, prefix, lang=self.lang)
        return Hit(slug=stored["slug"], score=score, snippet=snippet, highlights=spans)

    @staticmethod
    def _corrected_text(uq, concepts):
        fixes = {c.word: c.corrected for c in concepts if c.corrected}
        if not fixes:
            return None
        return TOKEN.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), uq.text).strip()


def load_synonyms(path, lang=ENGLISH):
    """Synonym groups, one per line, comma-separated; `#` starts a comment; words are
    stemmed as `lang` (analysis.Language) stems them.

    Returns {stem: {other stems}}. Multi-word entries are skipped (one word each side).
    """
    groups = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            stems = {term for w in line.split(",") if w.strip() and len(words_of(w)) == 1
                     for term in lang.stems(w.strip().lower())}
            for s in stems:
                groups.setdefault(s, set()).update(stems - {s})
    return groups
